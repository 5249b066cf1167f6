// Package input checks the text people type before anything keeps it:
// one rule for every name, code, reason and opinion, so that no stored
// text carries control characters, direction overrides or broken UTF-8.
package input

import (
	"fmt"
	"unicode/utf8"
)

// FieldError is a request field whose value is refused.
type FieldError struct {
	Name string
	Msg  string
}

func (e *FieldError) Error() string { return e.Name + ": " + e.Msg }

// Field names the request field at fault.
func (e *FieldError) Field() string { return e.Name }

// Code is the stable English code.
func (e *FieldError) Code() string { return "invalid_field" }

// Message is the Chinese text for people.
func (e *FieldError) Message() string { return e.Msg }

// Line checks a one-line text (a name, a code, a title) of at most max
// characters (0: no limit).
func Line(field, s string, max int) error { return Check(field, s, false, max) }

// Lines checks a text of several lines (a reason, an opinion, a comment):
// line breaks and tabs are allowed in it.
func Lines(field, s string, max int) error { return Check(field, s, true, max) }

// Check is the one rule: s must be valid UTF-8, hold no control
// character (C0, DEL, C1; line breaks and tabs only when multiline) and
// no bidirectional formatting character, and have at most max characters
// (0: no limit). Characters beyond the Basic Multilingual Plane (CJK
// Extension B and later, emoji) are text like any other.
func Check(field, s string, multiline bool, max int) error {
	if !utf8.ValidString(s) {
		return &FieldError{Name: field, Msg: "含有无效的字符编码"}
	}
	n := 0
	for _, r := range s {
		n++
		if why := refused(r, multiline); why != "" {
			return &FieldError{Name: field, Msg: why}
		}
	}
	if max > 0 && n > max {
		return &FieldError{Name: field, Msg: fmt.Sprintf("最多 %d 个字", max)}
	}
	return nil
}

// refused says why r may not appear in typed text, or "" when it may.
func refused(r rune, multiline bool) string {
	switch {
	case r == '\n' || r == '\r' || r == '\t':
		if multiline {
			return ""
		}
		return "不能含有换行或制表符"
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return "不能含有控制字符"
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return "不能含有文字方向控制字符"
	}
	return ""
}
