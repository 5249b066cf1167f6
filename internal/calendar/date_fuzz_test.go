package calendar

import (
	"regexp"
	"testing"
	"time"
)

var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// FuzzParseDate: ParseDate accepts exactly the real calendar dates
// written YYYY-MM-DD, and what it accepts prints back as written.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-09-30", "2024-02-29", "2025-02-29", "2025-13-01", "2025-00-10", "0000-01-01", "9999-12-31",
		"10000-01-01", "2025-9-30", " 2025-09-30", "2025-09-30\x00", "2025/09/30", "2025年9月30日", "二〇二五年九月三十日",
		"２０２５-０９-３０", "2025-09-30T00:00:00Z", "\u202e2025-09-30", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		_, terr := time.Parse(dateLayout, s)
		want := datePattern.MatchString(s) && terr == nil
		if (err == nil) != want {
			t.Fatalf("ParseDate(%q) = %v, %v; want accepted=%v", s, d, err, want)
		}
		if err == nil && d.String() != s {
			t.Fatalf("ParseDate(%q) prints as %s", s, d)
		}
	})
}
