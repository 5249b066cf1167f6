// Package calendar knows which days are working days in mainland China and
// computes working-day deadlines (DESIGN.md "Working days and deadlines").
//
// A working day is Monday to Friday, except official holidays, plus the
// Saturdays and Sundays made working days to compensate for a break
// (调休上班). The holiday schedule for 2024–2026 is built in (cn-workdays.csv);
// administrators add later years, and their rows override the built-in ones.
// A year with no rows at all is computed as plain Monday to Friday, and every
// computation that touches such a year reports it, so callers can warn.
//
// Deadlines follow the Civil Code rule (第201、203条): the receipt day is not
// counted, and a period of N working days ends at 23:59:59 Asia/Shanghai of
// the Nth working day after it. Example: received 2025-09-30, 5 working days,
// due 2025-10-14 23:59:59.
//
// The package is pure: no I/O beyond the embedded data, no global state
// besides the once-parsed built-in schedule. A Calendar is immutable and safe
// for concurrent use.
package calendar

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// DayKind says what a listed day is.
type DayKind string

const (
	// Holiday is a day off: an official holiday, or a day of the break.
	Holiday DayKind = "holiday"
	// Workday is a working day, normally a Saturday or Sunday made one by 调休.
	Workday DayKind = "workday"
)

// ParseDayKind accepts "holiday" or "workday".
func ParseDayKind(s string) (DayKind, error) {
	switch k := DayKind(s); k {
	case Holiday, Workday:
		return k, nil
	}
	return "", fmt.Errorf("unknown day kind %q, want holiday or workday", s)
}

// Label returns the Chinese label of k.
func (k DayKind) Label() string {
	switch k {
	case Holiday:
		return "放假"
	case Workday:
		return "调休上班"
	}
	return string(k)
}

// Day is one row of the holiday schedule.
type Day struct {
	Date Date
	Kind DayKind
	Name string // e.g. 国庆节, 春节调休
}

// ErrInvalidWorkdays reports a working-day count below 1.
var ErrInvalidWorkdays = errors.New("working-day count must be at least 1")

// ErrNoWorkingDay reports a schedule in which no working day can be found
// within a year after a date (only possible with absurd override data).
var ErrNoWorkingDay = errors.New("no working day within a year")

//go:embed cn-workdays.csv
var builtInCSV string

var builtIn = sync.OnceValue(func() []Day {
	days, err := ParseCSV(strings.NewReader(builtInCSV))
	if err != nil {
		// The embedded file is part of the source and checked by the tests.
		panic(fmt.Sprintf("calendar: embedded cn-workdays.csv is invalid: %v", err))
	}
	return days
})

// BuiltIn returns the embedded schedule (State Council notices, 2024–2026).
// The slice is a fresh copy the caller may modify.
func BuiltIn() []Day { return slices.Clone(builtIn()) }

// Default returns a Calendar with the built-in schedule only.
func Default() *Calendar { return New(BuiltIn()) }

// Calendar answers working-day questions. Build it with New; it is
// immutable and safe for concurrent use.
type Calendar struct {
	days  map[Date]Day
	years map[int]bool
}

// New builds a Calendar from schedules given in increasing priority: a day
// listed in a later slice replaces the same day from an earlier one
// (database rows override the built-in data: New(BuiltIn(), fromDB)).
//
// A row's Kind is taken literally: a Workday row makes the day a working day
// even on a weekday, which lets an override cancel a built-in holiday. A year
// is covered when at least one row falls in it.
func New(days ...[]Day) *Calendar {
	c := &Calendar{days: map[Date]Day{}, years: map[int]bool{}}
	for _, list := range days {
		for _, d := range list {
			c.days[d.Date] = d
			c.years[d.Date.Y] = true
		}
	}
	return c
}

// Lookup returns the schedule row for d, if any.
func (c *Calendar) Lookup(d Date) (Day, bool) {
	day, ok := c.days[d]
	return day, ok
}

// Days returns every schedule row in date order.
func (c *Calendar) Days() []Day {
	out := make([]Day, 0, len(c.days))
	for _, d := range c.days {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Day) int { return a.Date.Compare(b.Date) })
	return out
}

// Years returns the years with data, ascending.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// Version identifies the schedule's content: equal rows give equal versions.
// Recorded next to a computed deadline, it tells which data was used.
func (c *Calendar) Version() string {
	h := sha256.New()
	for _, d := range c.Days() {
		fmt.Fprintf(h, "%s,%s,%s\n", d.Date, d.Kind, d.Name)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// HasYear reports whether the schedule has at least one row in year.
func (c *Calendar) HasYear(year int) bool { return c.years[year] }

// IsWorkday reports whether d is a working day: a listed day is what its
// Kind says; any other day is a working day from Monday to Friday.
func (c *Calendar) IsWorkday(d Date) bool { return c.isWorkday(d, d.Weekday()) }

func (c *Calendar) isWorkday(d Date, wd time.Weekday) bool {
	if day, ok := c.days[d]; ok {
		return day.Kind == Workday
	}
	return wd != time.Saturday && wd != time.Sunday
}

// MissingYears returns, ascending, the years from from.Y to to.Y (in either
// order) that have no data and are therefore computed as plain Mon–Fri.
func (c *Calendar) MissingYears(from, to Date) []int {
	lo, hi := from.Y, to.Y
	if lo > hi {
		lo, hi = hi, lo
	}
	var out []int
	for y := lo; y <= hi; y++ {
		if !c.years[y] {
			out = append(out, y)
		}
	}
	return out
}

// AddWorkdays returns the nth working day after from (n ≥ 1). The day from
// itself is never counted, whatever it is, so a letter delivered on a
// Saturday, a holiday or a working day all start counting the next day.
//
// The second result lists, ascending, the years without data among the days
// looked at (from the day after from up to the result); those days were
// taken as plain Mon–Fri. It is nil when every day had data.
func (c *Calendar) AddWorkdays(from Date, n int) (Date, []int, error) {
	if n < 1 {
		return Date{}, nil, fmt.Errorf("add %d working days to %s: %w", n, from, ErrInvalidWorkdays)
	}
	var missing []int
	d, wd := from, from.Weekday()
	year := 0 // the year last checked for data
	idle := 0 // consecutive rest days
	for n > 0 {
		d, wd = d.next(), (wd+1)%7
		if d.Y != year {
			year = d.Y
			if !c.years[year] {
				missing = append(missing, year)
			}
		}
		if c.isWorkday(d, wd) {
			n--
			idle = 0
			continue
		}
		if idle++; idle > 366 {
			return Date{}, missing, fmt.Errorf("add working days to %s: %w", from, ErrNoWorkingDay)
		}
	}
	return d, missing, nil
}

// Due returns the deadline of a period of n working days for something
// received at receivedAt: the receipt day is receivedAt's civil date in
// Asia/Shanghai (a receipt at 2025-09-30T20:00:00Z is on 2025-10-01), and
// the deadline is 23:59:59 Asia/Shanghai of the nth working day after it.
// The years without data are reported as by AddWorkdays.
func (c *Calendar) Due(receivedAt time.Time, n int) (time.Time, []int, error) {
	d, missing, err := c.AddWorkdays(DateOf(receivedAt), n)
	if err != nil {
		return time.Time{}, missing, err
	}
	return d.End(), missing, nil
}

// WorkdaysBetween counts the working days in the half-open range (a, b]:
// a itself is excluded, b is included. It is zero when b == a and the
// negated count of working days in (b, a] when b is before a, so that
// WorkdaysBetween(a, AddWorkdays(a, n)) == n.
func (c *Calendar) WorkdaysBetween(a, b Date) int {
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	d, wd := a, a.Weekday()
	for d != b {
		d, wd = d.next(), (wd+1)%7
		if c.isWorkday(d, wd) {
			n++
		}
	}
	return sign * n
}

// Remaining tells how a deadline stands at now, in working days, reckoned
// on civil dates in Asia/Shanghai:
//
//   - Before the deadline has passed (now ≤ due): the number of working days
//     from today through the due day, both included — today counts when it is
//     a working day, since work can still be done today. Shown as 剩余N个工作日.
//     A deadline at the end of today, today being a working day, gives 1.
//     It is 0 only when no working day is left before a deadline that has not
//     passed yet (a deadline put on a rest day; Due never produces one).
//   - After it has passed (now > due): minus the number of working days after
//     the due day through today, and at least -1, so that any passed deadline
//     is negative. Shown as 逾期N个工作日 with N = -Remaining. Due on Friday:
//     Saturday, Sunday and Monday give -1, Tuesday -2.
func (c *Calendar) Remaining(now, due time.Time) int {
	today, dueDay := DateOf(now), DateOf(due)
	if !now.After(due) {
		return c.WorkdaysBetween(today.AddDays(-1), dueDay)
	}
	overdue := 0
	if today.After(dueDay) {
		overdue = c.WorkdaysBetween(dueDay, today)
	}
	return -max(overdue, 1)
}
