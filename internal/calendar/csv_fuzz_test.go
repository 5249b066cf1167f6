package calendar

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzParseCSV feeds arbitrary holiday files to ParseCSV: it never panics,
// every problem it reports is a *LineError with a real line number, and
// what it accepts is well formed and survives a write-and-read round trip.
func FuzzParseCSV(f *testing.F) {
	official, err := os.ReadFile("cn-workdays.csv")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(official),
		"date,kind,name\n2025-10-01,holiday,国庆节\n2025-09-28,workday,国庆节调休\n",
		"\ufeffdate,kind,name\r\n2025-01-01,holiday,元旦\r\n",
		"date,kind,name\n2025-10-01,holiday,国庆节\n2025-10-01,holiday,重复\n",
		"date,kind,name\n2025-10-08,workday,不是周末\n",
		"date,kind,name\n2025-02-30,holiday,无此日\n",
		"date,kind,name\n2025-10-01,holiday\n",
		"date,kind,name\n\"2025-10-01,holiday,\"未闭合\n",
		"# 只有注释\n\n",
		"",
		"date;kind;name\n",
		"date,kind,name\n2025-10-01,HOLIDAY,国庆\n",
		"date,kind,name\n2025-10-01,holiday,<script>alert(1)</script>\n",
		"date,kind,name\n 2025-10-01 , holiday , 国庆 \n",
		"date,kind,name\n99999-01-01,holiday,x\n",
		"date,kind,name\n2025-10-01,holiday,\x00\u202e\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		days, err := ParseCSV(strings.NewReader(in))
		if err != nil {
			if days != nil {
				t.Fatalf("error %v came with %d days", err, len(days))
			}
			checkLineErrors(t, err, strings.Count(in, "\n")+1)
			return
		}
		seen := map[Date]bool{}
		var buf bytes.Buffer
		buf.WriteString("date,kind,name\n")
		for _, d := range days {
			if seen[d.Date] {
				t.Fatalf("date %s accepted twice", d.Date)
			}
			seen[d.Date] = true
			if d.Kind != Holiday && d.Kind != Workday {
				t.Fatalf("day %s has kind %q", d.Date, d.Kind)
			}
			if wd := d.Date.Weekday(); d.Kind == Workday && wd != time.Saturday && wd != time.Sunday {
				t.Fatalf("workday %s is a %s", d.Date, wd)
			}
			back, perr := ParseDate(d.Date.String())
			if perr != nil || back != d.Date {
				t.Fatalf("date %s does not print back: %v", d.Date, perr)
			}
			if strings.ContainsAny(d.Name, "\"\r\n") || strings.HasPrefix(d.Name, "#") {
				continue // the round trip below writes names unquoted
			}
			buf.WriteString(d.Date.String() + "," + string(d.Kind) + ",\"" + d.Name + "\"\n")
		}
		again, err := ParseCSV(&buf)
		if err != nil {
			t.Fatalf("accepted days do not read back: %v\n%s", err, buf.String())
		}
		if len(again) > len(days) {
			t.Fatalf("round trip grew from %d to %d days", len(days), len(again))
		}
		// The calendar built from accepted days answers without panicking.
		cal := New(days)
		if _, _, err := cal.Due(time.Date(2025, 9, 30, 10, 0, 0, 0, time.UTC), 5); err != nil {
			t.Fatalf("Due on accepted calendar: %v", err)
		}
	})
}

// checkLineErrors asserts err is made of *LineError values (possibly
// joined) with line numbers inside the file.
func checkLineErrors(t *testing.T, err error, lines int) {
	t.Helper()
	var parts []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		parts = j.Unwrap()
	} else {
		parts = []error{err}
	}
	for _, p := range parts {
		var le *LineError
		if !errors.As(p, &le) {
			t.Fatalf("error %T %v is not a *LineError", p, p)
		}
		if le.Line < 1 || le.Line > lines+1 {
			t.Fatalf("line %d outside a file of %d lines: %v", le.Line, lines, le)
		}
		if le.Msg == "" {
			t.Fatalf("empty message: %#v", le)
		}
	}
}
