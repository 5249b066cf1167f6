package store

import (
	"errors"
	"regexp"

	"github.com/go-sql-driver/mysql"
)

// InputError is a value the database refused, with the column it was
// meant for. Err is ErrTooLong, ErrMissingReference, ErrBadValue or
// ErrDuplicate. Its text never repeats the database's message, which
// may quote rows the caller may not see.
type InputError struct {
	Err    error
	Column string
}

func (e *InputError) Error() string {
	if e.Column == "" {
		return e.Err.Error()
	}
	return e.Column + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// Field names the column at fault; request fields carry the names of
// their columns.
func (e *InputError) Field() string { return e.Column }

// Code is the stable English code.
func (e *InputError) Code() string {
	code, _ := e.describe()
	return code
}

// Message is the Chinese text for people.
func (e *InputError) Message() string {
	_, msg := e.describe()
	return msg
}

// describe returns the code and the Chinese text of the refusal.
func (e *InputError) describe() (code, msg string) {
	switch e.Err {
	case ErrTooLong:
		return "too_long", "内容过长,超出该项允许的长度"
	case ErrMissingReference:
		return "unknown_reference", "所选的记录不存在"
	case ErrDuplicate:
		return "duplicate", "与已有记录重复"
	}
	return "invalid_value", "内容格式不正确(含无法保存的字符或数值超出范围)"
}

// The column a MariaDB error message names, in its several forms:
// "for column 'name'", "for column `db`.`t`.`name`", and a foreign key's
// "FOREIGN KEY (`dept_org_id`)".
var (
	columnQuoted  = regexp.MustCompile("for column '([^']+)'")
	columnDotted  = regexp.MustCompile("for column (?:`[^`]*`\\.)*`([^`]+)`")
	foreignKeyCol = regexp.MustCompile("FOREIGN KEY \\(`([^`]+)`")
)

// AsInputError finds a database refusal of a value anywhere in err's
// chain and returns it typed; ok is false for every other error. It is
// the one place the driver's error numbers are read for this.
func AsInputError(err error) (*InputError, bool) {
	var ie *InputError
	if errors.As(err, &ie) {
		return ie, true
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return nil, false
	}
	var sentinel error
	var re *regexp.Regexp
	switch me.Number {
	case 1406:
		sentinel, re = ErrTooLong, columnQuoted
	case 1452:
		sentinel, re = ErrMissingReference, foreignKeyCol
	case 1366, 1264:
		sentinel, re = ErrBadValue, columnQuoted
	case 1062:
		// The message quotes the taken value and the index: neither is
		// a request field, and the value may be another unit's.
		return &InputError{Err: ErrDuplicate}, true
	default:
		return nil, false
	}
	col := ""
	if m := re.FindStringSubmatch(me.Message); m != nil {
		col = m[1]
	} else if m := columnDotted.FindStringSubmatch(me.Message); m != nil {
		col = m[1]
	}
	return &InputError{Err: sentinel, Column: col}, true
}
