package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time.Parse(%q): %v", s, err)
	}
	return v
}

// sharedCSVSHA256 is the SHA-256 of the official calendar the bureau
// published (shared/data/cn-workdays.csv, holidays 2024–2026).
const sharedCSVSHA256 = "2884dc8fc2b3aec614ba372112f92281dea97229cb2f10c3830334d27a9694af"

// The built-in calendar is the published one, byte for byte: checked
// against its recorded digest always, and against the file itself where
// the shared data sits beside the repository.
func TestEmbeddedMatchesSharedData(t *testing.T) {
	if sum := sha256.Sum256([]byte(builtInCSV)); hex.EncodeToString(sum[:]) != sharedCSVSHA256 {
		t.Fatalf("internal/calendar/cn-workdays.csv has SHA-256 %x, want the published calendar's %s", sum, sharedCSVSHA256)
	}
	shared, err := os.ReadFile("../../../shared/data/cn-workdays.csv")
	if errors.Is(err, fs.ErrNotExist) {
		return // a clone on its own: the digest above answers for it
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(shared) != builtInCSV {
		t.Fatal("internal/calendar/cn-workdays.csv differs from shared/data/cn-workdays.csv")
	}
}

func TestBuiltIn(t *testing.T) {
	days := BuiltIn()
	if len(days) != 108 {
		t.Fatalf("BuiltIn() has %d rows, want 108", len(days))
	}
	if got, want := days[0], (Day{Date: Date{2024, time.January, 1}, Kind: Holiday, Name: "元旦"}); got != want {
		t.Errorf("first row = %+v, want %+v", got, want)
	}
	days[0].Kind = Workday // the copy is the caller's
	if BuiltIn()[0].Kind != Holiday {
		t.Error("modifying BuiltIn()'s result changed the built-in data")
	}
	c := Default()
	for _, tc := range []struct {
		year int
		want bool
	}{{2023, false}, {2024, true}, {2025, true}, {2026, true}, {2027, false}} {
		if got := c.HasYear(tc.year); got != tc.want {
			t.Errorf("HasYear(%d) = %v, want %v", tc.year, got, tc.want)
		}
	}
	if got := c.Years(); !slices.Equal(got, []int{2024, 2025, 2026}) {
		t.Errorf("Years() = %v", got)
	}
	if d, ok := c.Lookup(Date{2025, time.October, 11}); !ok || d.Kind != Workday || d.Name != "国庆节调休" {
		t.Errorf("Lookup(2025-10-11) = %+v, %v", d, ok)
	}
}

func TestDate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"ordinary day", "2025-09-30", true},
		{"leap day", "2024-02-29", true},
		{"not a leap year", "2025-02-29", false},
		{"month 13", "2025-13-01", false},
		{"slashes", "2025/09/30", false},
		{"no padding", "2025-9-30", false},
		{"trailing text", "2025-09-30x", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDate(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseDate(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if tc.ok && d.String() != tc.in {
				t.Errorf("String() = %q, want %q", d, tc.in)
			}
		})
	}

	d := mustDate(t, "2024-12-30")
	steps := []struct {
		n    int
		want string
	}{{1, "2024-12-31"}, {2, "2025-01-01"}, {61, "2025-03-01"}, {-1, "2024-12-29"}, {-365, "2023-12-31"}, {0, "2024-12-30"}}
	for _, s := range steps {
		if got := d.AddDays(s.n).String(); got != s.want {
			t.Errorf("2024-12-30 AddDays(%d) = %s, want %s", s.n, got, s.want)
		}
	}
	if got := mustDate(t, "2024-02-28").AddDays(1).String(); got != "2024-02-29" {
		t.Errorf("leap AddDays(1) = %s", got)
	}
	if got := mustDate(t, "2025-09-30").Weekday(); got != time.Tuesday {
		t.Errorf("2025-09-30 Weekday = %v", got)
	}
	a, b := mustDate(t, "2025-09-30"), mustDate(t, "2025-10-01")
	if !a.Before(b) || b.Before(a) || a.Before(a) || !b.After(a) {
		t.Error("Before/After wrong for 2025-09-30 vs 2025-10-01")
	}
	if got := DateOf(mustTime(t, "2025-09-30T20:00:00Z")).String(); got != "2025-10-01" {
		t.Errorf("DateOf(2025-09-30T20:00:00Z) = %s, want 2025-10-01 (Asia/Shanghai)", got)
	}
	if got := mustDate(t, "2025-10-14").End().Format(time.RFC3339); got != "2025-10-14T23:59:59+08:00" {
		t.Errorf("End() = %s", got)
	}
	js, err := json.Marshal(struct{ D Date }{a})
	if err != nil || string(js) != `{"D":"2025-09-30"}` {
		t.Errorf("json = %s, %v", js, err)
	}
	var back struct{ D Date }
	if err := json.Unmarshal(js, &back); err != nil || back.D != a {
		t.Errorf("json round trip = %v, %v", back.D, err)
	}
}

// Every boundary of every 2024–2026 break: the last working day before it,
// its first and last days off, the first working day after it, and each
// make-up weekend day (调休上班) with the weekend day next to it.
func TestIsWorkdayHolidayBoundaries(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		date string
		want bool
	}{
		// 2024
		{"2024 元旦 day off", "2024-01-01", false},
		{"2024 元旦 back to work", "2024-01-02", true},
		{"2024 春节 make-up Sunday before", "2024-02-04", true},
		{"2024 春节 last working day before (除夕 eve Friday)", "2024-02-09", true},
		{"2024 春节 first day off", "2024-02-10", false},
		{"2024 春节 last day off (Saturday)", "2024-02-17", false},
		{"2024 春节 make-up Sunday after", "2024-02-18", true},
		{"2024 春节 back to work Monday", "2024-02-19", true},
		{"2024 清明 last working day before", "2024-04-03", true},
		{"2024 清明 first day off", "2024-04-04", false},
		{"2024 清明 last day off (Saturday)", "2024-04-06", false},
		{"2024 清明 make-up Sunday", "2024-04-07", true},
		{"2024 劳动节 make-up Sunday before", "2024-04-28", true},
		{"2024 劳动节 last working day before", "2024-04-30", true},
		{"2024 劳动节 first day off", "2024-05-01", false},
		{"2024 劳动节 last day off (Sunday)", "2024-05-05", false},
		{"2024 劳动节 back to work", "2024-05-06", true},
		{"2024 劳动节 make-up Saturday after", "2024-05-11", true},
		{"2024 劳动节 Sunday after make-up Saturday rests", "2024-05-12", false},
		{"2024 端午 last working day before", "2024-06-07", true},
		{"2024 端午 weekend before rests", "2024-06-08", false},
		{"2024 端午 day off (Monday)", "2024-06-10", false},
		{"2024 端午 back to work", "2024-06-11", true},
		{"2024 中秋 make-up Saturday", "2024-09-14", true},
		{"2024 中秋 first day off (Sunday)", "2024-09-15", false},
		{"2024 中秋 last day off (Tuesday)", "2024-09-17", false},
		{"2024 中秋 back to work", "2024-09-18", true},
		{"2024 国庆 make-up Sunday before", "2024-09-29", true},
		{"2024 国庆 last working day before", "2024-09-30", true},
		{"2024 国庆 first day off", "2024-10-01", false},
		{"2024 国庆 last day off", "2024-10-07", false},
		{"2024 国庆 back to work", "2024-10-08", true},
		{"2024 国庆 make-up Saturday after", "2024-10-12", true},
		{"2024 国庆 Sunday after make-up Saturday rests", "2024-10-13", false},
		// 2025
		{"2025 元旦 last working day before", "2024-12-31", true},
		{"2025 元旦 day off", "2025-01-01", false},
		{"2025 元旦 back to work", "2025-01-02", true},
		{"2025 春节 make-up Sunday before", "2025-01-26", true},
		{"2025 春节 last working day before", "2025-01-27", true},
		{"2025 春节 first day off", "2025-01-28", false},
		{"2025 春节 last day off", "2025-02-04", false},
		{"2025 春节 back to work", "2025-02-05", true},
		{"2025 春节 make-up Saturday after", "2025-02-08", true},
		{"2025 春节 Sunday after make-up Saturday rests", "2025-02-09", false},
		{"2025 清明 last working day before", "2025-04-03", true},
		{"2025 清明 first day off", "2025-04-04", false},
		{"2025 清明 last day off", "2025-04-06", false},
		{"2025 清明 back to work", "2025-04-07", true},
		{"2025 劳动节 make-up Sunday before", "2025-04-27", true},
		{"2025 劳动节 last working day before", "2025-04-30", true},
		{"2025 劳动节 first day off", "2025-05-01", false},
		{"2025 劳动节 last day off (Monday)", "2025-05-05", false},
		{"2025 劳动节 back to work", "2025-05-06", true},
		{"2025 端午 last working day before", "2025-05-30", true},
		{"2025 端午 first day off (Saturday)", "2025-05-31", false},
		{"2025 端午 last day off (Monday)", "2025-06-02", false},
		{"2025 端午 back to work", "2025-06-03", true},
		{"2025 国庆中秋 make-up Sunday before", "2025-09-28", true},
		{"2025 国庆中秋 last working day before", "2025-09-30", true},
		{"2025 国庆中秋 first day off", "2025-10-01", false},
		{"2025 国庆中秋 last day off", "2025-10-08", false},
		{"2025 国庆中秋 back to work", "2025-10-09", true},
		{"2025 国庆中秋 make-up Saturday after", "2025-10-11", true},
		{"2025 国庆中秋 Sunday after make-up Saturday rests", "2025-10-12", false},
		// 2026
		{"2026 元旦 last working day before", "2025-12-31", true},
		{"2026 元旦 first day off", "2026-01-01", false},
		{"2026 元旦 last day off (Saturday)", "2026-01-03", false},
		{"2026 元旦 make-up Sunday", "2026-01-04", true},
		{"2026 元旦 Monday after", "2026-01-05", true},
		{"2026 春节 last working day before", "2026-02-13", true},
		{"2026 春节 make-up Saturday before", "2026-02-14", true},
		{"2026 春节 first day off (Sunday)", "2026-02-15", false},
		{"2026 春节 last day off (Monday)", "2026-02-23", false},
		{"2026 春节 back to work", "2026-02-24", true},
		{"2026 春节 make-up Saturday after", "2026-02-28", true},
		{"2026 春节 Sunday after make-up Saturday rests", "2026-03-01", false},
		{"2026 清明 last working day before", "2026-04-03", true},
		{"2026 清明 first day off (Saturday)", "2026-04-04", false},
		{"2026 清明 last day off (Monday)", "2026-04-06", false},
		{"2026 清明 back to work", "2026-04-07", true},
		{"2026 劳动节 last working day before", "2026-04-30", true},
		{"2026 劳动节 first day off", "2026-05-01", false},
		{"2026 劳动节 last day off (Tuesday)", "2026-05-05", false},
		{"2026 劳动节 back to work", "2026-05-06", true},
		{"2026 劳动节 make-up Saturday after", "2026-05-09", true},
		{"2026 端午 last working day before", "2026-06-18", true},
		{"2026 端午 first day off", "2026-06-19", false},
		{"2026 端午 last day off (Sunday)", "2026-06-21", false},
		{"2026 端午 back to work", "2026-06-22", true},
		{"2026 中秋 make-up Sunday before", "2026-09-20", true},
		{"2026 中秋 last working day before", "2026-09-24", true},
		{"2026 中秋 first day off", "2026-09-25", false},
		{"2026 中秋 last day off (Sunday)", "2026-09-27", false},
		{"2026 中秋 back to work", "2026-09-28", true},
		{"2026 国庆 last working day before", "2026-09-30", true},
		{"2026 国庆 first day off", "2026-10-01", false},
		{"2026 国庆 last day off", "2026-10-07", false},
		{"2026 国庆 back to work", "2026-10-08", true},
		{"2026 国庆 make-up Saturday after", "2026-10-10", true},
		{"2026 国庆 Sunday after make-up Saturday rests", "2026-10-11", false},
		// ordinary weeks
		{"ordinary Friday", "2025-03-14", true},
		{"ordinary Saturday", "2025-03-15", false},
		{"ordinary Sunday", "2025-03-16", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.IsWorkday(mustDate(t, tc.date)); got != tc.want {
				t.Errorf("IsWorkday(%s, %v) = %v, want %v", tc.date, mustDate(t, tc.date).Weekday(), got, tc.want)
			}
		})
	}
}

func TestAddWorkdays(t *testing.T) {
	c := Default()
	tests := []struct {
		name    string
		from    string
		n       int
		want    string
		missing []int
	}{
		{"the DESIGN.md example across 国庆", "2025-09-30", 5, "2025-10-14", nil},
		{"one working day across 国庆", "2025-09-30", 1, "2025-10-09", nil},
		{"n=1 on an ordinary Monday", "2025-03-10", 1, "2025-03-11", nil},
		{"n=1 on an ordinary Friday skips the weekend", "2025-03-14", 1, "2025-03-17", nil},
		{"delivered on a Saturday, the Sunday is not counted", "2025-03-15", 1, "2025-03-17", nil},
		{"delivered on a Saturday, five days", "2025-03-15", 5, "2025-03-21", nil},
		{"delivered on a make-up Saturday", "2025-10-11", 1, "2025-10-13", nil},
		{"delivered on a make-up Saturday, three days", "2025-10-11", 3, "2025-10-15", nil},
		{"delivered on a holiday", "2025-10-03", 1, "2025-10-09", nil},
		{"delivered on a holiday, five days counts the make-up Saturday", "2025-10-03", 5, "2025-10-14", nil},
		{"Friday before 春节 lands on the make-up Sunday", "2025-01-24", 1, "2025-01-26", nil},
		{"last day before 春节 jumps the break", "2025-01-27", 1, "2025-02-05", nil},
		{"across New Year onto the 2026 make-up Sunday", "2025-12-31", 1, "2026-01-04", nil},
		{"across New Year, two days", "2025-12-31", 2, "2026-01-05", nil},
		{"ten working days through 2026 春节", "2026-02-10", 10, "2026-03-02", nil},
		{"into 2027 without data is Mon–Fri and reported", "2026-12-31", 1, "2027-01-01", []int{2027}},
		{"inside 2027 without data", "2027-02-05", 5, "2027-02-12", []int{2027}},
		{"through two years without data", "2027-12-30", 5, "2028-01-06", []int{2027, 2028}},
		{"from 2023 into 2024 reports the 2023 weekend it looked at", "2023-12-29", 1, "2024-01-02", []int{2023}},
		{"from the last day of 2023 reports nothing", "2023-12-31", 1, "2024-01-02", nil},
		{"from a missing year onto its last day reports it", "2023-12-28", 1, "2023-12-29", []int{2023}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, missing, err := c.AddWorkdays(mustDate(t, tc.from), tc.n)
			if err != nil {
				t.Fatalf("AddWorkdays(%s, %d): %v", tc.from, tc.n, err)
			}
			if got.String() != tc.want {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
			}
			if !slices.Equal(missing, tc.missing) {
				t.Errorf("missing years = %v, want %v", missing, tc.missing)
			}
			if back := c.WorkdaysBetween(mustDate(t, tc.from), got); back != tc.n {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tc.from, got, back, tc.n)
			}
		})
	}

	for _, n := range []int{0, -1} {
		t.Run("rejects n below one", func(t *testing.T) {
			_, _, err := c.AddWorkdays(mustDate(t, "2025-09-30"), n)
			if !errors.Is(err, ErrInvalidWorkdays) {
				t.Errorf("AddWorkdays(n=%d) error = %v, want ErrInvalidWorkdays", n, err)
			}
		})
	}
}

func TestAddWorkdaysNoWorkingDay(t *testing.T) {
	var days []Day
	for d := mustDate(t, "2030-01-01"); d.Y <= 2031; d = d.AddDays(1) {
		days = append(days, Day{Date: d, Kind: Holiday, Name: "全年放假"})
	}
	_, _, err := New(days).AddWorkdays(mustDate(t, "2029-12-31"), 1)
	if !errors.Is(err, ErrNoWorkingDay) {
		t.Fatalf("error = %v, want ErrNoWorkingDay", err)
	}
}

func TestDatabaseOverride(t *testing.T) {
	from := mustDate(t, "2025-09-30")
	tests := []struct {
		name    string
		db      []Day
		want    string
		missing []int
	}{
		{"no database rows", nil, "2025-10-14", nil},
		{"a day added as holiday moves the due date",
			[]Day{{Date: mustDate(t, "2025-10-13"), Kind: Holiday, Name: "临时放假"}}, "2025-10-15", nil},
		{"a built-in make-up Saturday overridden as holiday",
			[]Day{{Date: mustDate(t, "2025-10-11"), Kind: Holiday, Name: "取消调休"}}, "2025-10-15", nil},
		{"a built-in holiday overridden as working day",
			[]Day{{Date: mustDate(t, "2025-10-08"), Kind: Workday, Name: "更正"}}, "2025-10-13", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, missing, err := New(BuiltIn(), tc.db).AddWorkdays(from, 5)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tc.want || !slices.Equal(missing, tc.missing) {
				t.Errorf("AddWorkdays = %s %v, want %s %v", got, missing, tc.want, tc.missing)
			}
		})
	}

	t.Run("database rows for a new year stop the warning", func(t *testing.T) {
		db := []Day{{Date: mustDate(t, "2027-01-01"), Kind: Holiday, Name: "元旦"}}
		c := New(BuiltIn(), db)
		got, missing, err := c.AddWorkdays(mustDate(t, "2026-12-31"), 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != "2027-01-04" || missing != nil {
			t.Errorf("AddWorkdays = %s %v, want 2027-01-04 []", got, missing)
		}
		if !c.HasYear(2027) {
			t.Error("HasYear(2027) = false after a 2027 row")
		}
	})

	t.Run("version changes with the data", func(t *testing.T) {
		a, b := Default().Version(), Default().Version()
		if a != b || len(a) != 12 {
			t.Errorf("Version not stable: %q %q", a, b)
		}
		c := New(BuiltIn(), []Day{{Date: mustDate(t, "2025-10-13"), Kind: Holiday, Name: "临时放假"}})
		if c.Version() == a {
			t.Error("Version unchanged after an override")
		}
	})
}

func TestDue(t *testing.T) {
	c := Default()
	tests := []struct {
		name       string
		receivedAt string
		n          int
		want       string // RFC 3339 in +08:00
		missing    []int
	}{
		{"morning of 2025-09-30", "2025-09-30T09:00:00+08:00", 5, "2025-10-14T23:59:59+08:00", nil},
		{"last second of 2025-09-30 in Shanghai", "2025-09-30T15:59:59Z", 5, "2025-10-14T23:59:59+08:00", nil},
		{"2025-09-30T20:00Z is already 10-01 in Shanghai", "2025-09-30T20:00:00Z", 5, "2025-10-14T23:59:59+08:00", nil},
		{"2025-09-29T20:00Z is 09-30 in Shanghai, not 09-29", "2025-09-29T20:00:00Z", 1, "2025-10-09T23:59:59+08:00", nil},
		{"2025-09-29T15:59:59Z is still 09-29 in Shanghai", "2025-09-29T15:59:59Z", 1, "2025-09-30T23:59:59+08:00", nil},
		{"received in New York time", "2025-09-29T12:00:00-04:00", 1, "2025-10-09T23:59:59+08:00", nil},
		{"received on a Saturday", "2025-03-15T10:00:00+08:00", 1, "2025-03-17T23:59:59+08:00", nil},
		{"a year without data is reported", "2026-12-31T10:00:00+08:00", 2, "2027-01-04T23:59:59+08:00", []int{2027}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, missing, err := c.Due(mustTime(t, tc.receivedAt), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			want := mustTime(t, tc.want)
			if !got.Equal(want) {
				t.Errorf("Due(%s, %d) = %s, want %s", tc.receivedAt, tc.n, got.Format(time.RFC3339), tc.want)
			}
			if got.Location().String() != "Asia/Shanghai" {
				t.Errorf("Due location = %s, want Asia/Shanghai", got.Location())
			}
			if got.Format(time.RFC3339) != tc.want {
				t.Errorf("Due formatted = %s, want %s", got.Format(time.RFC3339), tc.want)
			}
			if !slices.Equal(missing, tc.missing) {
				t.Errorf("missing years = %v, want %v", missing, tc.missing)
			}
		})
	}
	if _, _, err := c.Due(time.Now(), 0); !errors.Is(err, ErrInvalidWorkdays) {
		t.Errorf("Due(n=0) error = %v", err)
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"same day is zero", "2025-09-30", "2025-09-30", 0},
		{"a excluded, b included", "2025-09-29", "2025-09-30", 1},
		{"across 国庆", "2025-09-30", "2025-10-14", 5},
		{"only holidays", "2025-09-30", "2025-10-08", 0},
		{"weekend to Monday", "2025-03-14", "2025-03-17", 1},
		{"backwards is negative", "2025-10-14", "2025-09-30", -5},
		{"backwards one day", "2025-03-17", "2025-03-14", -1},
		{"whole year 2025", "2024-12-31", "2025-12-31", 248},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.WorkdaysBetween(mustDate(t, tc.a), mustDate(t, tc.b)); got != tc.want {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestRemaining(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		now  string
		due  string
		want int
	}{
		{"on the receipt day, today still counts", "2025-09-30T12:00:00+08:00", "2025-10-14T23:59:59+08:00", 6},
		{"during the holiday", "2025-10-05T12:00:00+08:00", "2025-10-14T23:59:59+08:00", 5},
		{"first working day after the holiday", "2025-10-09T10:00:00+08:00", "2025-10-14T23:59:59+08:00", 5},
		{"on the Sunday before", "2025-10-12T10:00:00+08:00", "2025-10-14T23:59:59+08:00", 2},
		{"on the due day", "2025-10-14T09:00:00+08:00", "2025-10-14T23:59:59+08:00", 1},
		{"at the due second", "2025-10-14T23:59:59+08:00", "2025-10-14T23:59:59+08:00", 1},
		{"one second late", "2025-10-15T00:00:00+08:00", "2025-10-14T23:59:59+08:00", -1},
		{"late, now given in UTC", "2025-10-14T16:00:00Z", "2025-10-14T23:59:59+08:00", -1},
		{"not late yet, now given in UTC", "2025-10-14T15:59:59Z", "2025-10-14T23:59:59+08:00", 1},
		{"late by three working days on the Saturday", "2025-10-18T10:00:00+08:00", "2025-10-14T23:59:59+08:00", -3},
		{"due Friday, Saturday after is at least one day late", "2025-03-15T10:00:00+08:00", "2025-03-14T23:59:59+08:00", -1},
		{"due Friday, Monday after is one day late", "2025-03-17T10:00:00+08:00", "2025-03-14T23:59:59+08:00", -1},
		{"due Friday, Tuesday after is two days late", "2025-03-18T10:00:00+08:00", "2025-03-14T23:59:59+08:00", -2},
		{"deadline on a rest day later today leaves zero", "2025-10-05T10:00:00+08:00", "2025-10-05T23:59:59+08:00", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Remaining(mustTime(t, tc.now), mustTime(t, tc.due)); got != tc.want {
				t.Errorf("Remaining(%s, %s) = %d, want %d", tc.now, tc.due, got, tc.want)
			}
		})
	}
}

func TestMissingYears(t *testing.T) {
	c := Default()
	tests := []struct {
		name     string
		from, to string
		want     []int
	}{
		{"covered years", "2024-01-01", "2026-12-31", nil},
		{"one side missing", "2025-06-01", "2027-02-01", []int{2027}},
		{"both sides missing", "2023-06-01", "2028-02-01", []int{2023, 2027, 2028}},
		{"reversed order", "2028-02-01", "2026-01-01", []int{2027, 2028}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.MissingYears(mustDate(t, tc.from), mustDate(t, tc.to)); !slices.Equal(got, tc.want) {
				t.Errorf("MissingYears = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseCSV(t *testing.T) {
	const header = "# comment\ndate,kind,name\n"
	tests := []struct {
		name  string
		in    string
		lines []int  // expected error lines, in order; nil means valid
		field string // field of the first error
		msg   string // substring of the first error's message
		rows  int
	}{
		{"valid with comments and blank lines", header + "\n2025-10-01,holiday,国庆节\n# note\n2025-10-11,workday,国庆节调休\n", nil, "", "", 2},
		{"a holiday on a weekend is allowed", header + "2025-10-04,holiday,国庆节\n", nil, "", "", 1},
		{"byte order mark and spaces", "\ufeffdate, kind, name\n 2025-10-01 , holiday , 国庆节\n", nil, "", "", 1},
		{"header only", header, nil, "", "", 0},
		{"bad date", header + "2025-10-01,holiday,国庆节\n2025-13-01,holiday,x\n", []int{4}, "date", "2025-13-01", 0},
		{"slashed date", header + "2025/10/01,holiday,x\n", []int{3}, "date", "YYYY-MM-DD", 0},
		{"unknown kind", header + "2025-10-01,rest,x\n", []int{3}, "kind", "rest", 0},
		{"duplicate date", header + "2025-10-01,holiday,a\n\n2025-10-01,holiday,b\n", []int{5}, "date", "第 3 行", 0},
		{"workday on a weekday", header + "2025-09-30,workday,x\n", []int{3}, "kind", "星期二", 0},
		{"too few columns", header + "2025-10-01,holiday\n", []int{3}, "", "3 列", 0},
		{"several errors are all reported", header + "2025-13-01,holiday,x\n2025-10-01,holiday,ok\n2025-10-02,off,x\n", []int{3, 5}, "date", "2025-13-01", 0},
		{"wrong header", "day,kind,name\n2025-10-01,holiday,x\n", []int{1}, "", "表头", 0},
		{"no header at all", "# only comments\n", []int{1}, "", "表头", 0},
		{"broken quoting", header + "2025-10-01,holiday,\"x\n", []int{3}, "", "CSV", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			days, err := ParseCSV(strings.NewReader(tc.in))
			if tc.lines == nil {
				if err != nil {
					t.Fatalf("ParseCSV: %v", err)
				}
				if len(days) != tc.rows {
					t.Errorf("got %d rows, want %d", len(days), tc.rows)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseCSV accepted %q", tc.in)
			}
			var all []*LineError
			var joined interface{ Unwrap() []error }
			if errors.As(err, &joined) {
				for _, e := range joined.Unwrap() {
					var le *LineError
					if errors.As(e, &le) {
						all = append(all, le)
					}
				}
			} else {
				var le *LineError
				if errors.As(err, &le) {
					all = append(all, le)
				}
			}
			var got []int
			for _, le := range all {
				got = append(got, le.Line)
			}
			if !slices.Equal(got, tc.lines) {
				t.Fatalf("error lines = %v, want %v (error: %v)", got, tc.lines, err)
			}
			if all[0].Field != tc.field {
				t.Errorf("field = %q, want %q", all[0].Field, tc.field)
			}
			if !strings.Contains(all[0].Msg, tc.msg) {
				t.Errorf("message %q does not mention %q", all[0].Msg, tc.msg)
			}
			if !strings.Contains(err.Error(), "第 "+strconv.Itoa(tc.lines[0])+" 行") {
				t.Errorf("error text %q does not name the line", err)
			}
		})
	}
}

func BenchmarkDue(b *testing.B) {
	c := Default()
	start := time.Date(2024, time.January, 1, 9, 30, 0, 0, Location())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		received := start.Add(time.Duration(i%1000) * 17 * time.Hour)
		if _, _, err := c.Due(received, 5+i%10); err != nil {
			b.Fatal(err)
		}
	}
}
