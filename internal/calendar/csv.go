package calendar

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// LineError is one problem in a holiday CSV file, with its 1-based line
// number. Msg is Chinese, for the administrator who supplied the file.
type LineError struct {
	Line  int    // 1-based line in the file, comments and blank lines included
	Field string // "date", "kind" or "name"; empty for whole-line problems
	Msg   string // Chinese explanation
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("第 %d 行: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("第 %d 行 %s: %s", e.Line, e.Field, e.Msg)
}

// weekdayName returns the Chinese name of a day of the week, for messages.
func weekdayName(wd time.Weekday) string {
	return [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}[wd]
}

// ParseCSV reads a holiday file in the format of cn-workdays.csv: lines
// starting with # are comments, blank lines are skipped, the first other
// line is the header "date,kind,name", and every row after it is one Day.
//
// A holiday may fall on a weekend (it is part of the break); a workday must
// be a Saturday or a Sunday (调休上班), since every other weekday already is
// one. A date may appear only once. All problems found are returned together
// (errors.Join of *LineError), so a file can be fixed in one pass.
func ParseCSV(r io.Reader) ([]Day, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	var (
		days      []Day
		errs      []error
		seen      = map[Date]int{}
		sawHeader bool
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, &LineError{Line: pe.Line, Msg: "CSV 格式错误: " + pe.Err.Error()})
				return nil, errors.Join(errs...)
			}
			return nil, fmt.Errorf("read holiday csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if !sawHeader {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a BOM left by spreadsheet programs
			if len(rec) != 3 || !strings.EqualFold(rec[0], "date") || !strings.EqualFold(rec[1], "kind") || !strings.EqualFold(rec[2], "name") {
				return nil, &LineError{Line: line, Msg: fmt.Sprintf("表头应为 date,kind,name,实为 %q", strings.Join(rec, ","))}
			}
			sawHeader = true
			continue
		}
		day, lerr := parseRow(rec, line)
		if lerr != nil {
			errs = append(errs, lerr)
			continue
		}
		if first, dup := seen[day.Date]; dup {
			errs = append(errs, &LineError{Line: line, Field: "date", Msg: fmt.Sprintf("日期 %s 重复,已在第 %d 行出现", day.Date, first)})
			continue
		}
		seen[day.Date] = line
		days = append(days, day)
	}
	if !sawHeader {
		return nil, &LineError{Line: 1, Msg: "缺少表头 date,kind,name"}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return days, nil
}

func parseRow(rec []string, line int) (Day, *LineError) {
	if len(rec) != 3 {
		return Day{}, &LineError{Line: line, Msg: fmt.Sprintf("应有 3 列(date,kind,name),实有 %d 列", len(rec))}
	}
	date, err := ParseDate(rec[0])
	if err != nil {
		return Day{}, &LineError{Line: line, Field: "date", Msg: fmt.Sprintf("日期 %q 无效,应为 YYYY-MM-DD 格式的真实日期", rec[0])}
	}
	kind, err := ParseDayKind(rec[1])
	if err != nil {
		return Day{}, &LineError{Line: line, Field: "kind", Msg: fmt.Sprintf("类型 %q 未知,应为 holiday(放假)或 workday(调休上班)", rec[1])}
	}
	if wd := date.Weekday(); kind == Workday && wd != time.Saturday && wd != time.Sunday {
		return Day{}, &LineError{Line: line, Field: "kind", Msg: fmt.Sprintf("%s 是%s,本来就是工作日;workday 只能用于调休上班的周六或周日", date, weekdayName(wd))}
	}
	return Day{Date: date, Kind: kind, Name: rec[2]}, nil
}
