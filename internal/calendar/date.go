package calendar

import (
	"fmt"
	"sync"
	"time"
)

// Date is a civil date (year, month, day) with no time of day and no zone.
// The zero Date is not a valid day; see IsZero. Dates are comparable with ==
// and usable as map keys.
type Date struct {
	Y int
	M time.Month
	D int
}

// dateLayout is the only textual form of a Date: 2025-09-30.
const dateLayout = "2006-01-02"

// shanghai loads Asia/Shanghai once. When the zone database is missing, the
// fixed offset +08:00 is exact: China has kept UTC+8 without daylight saving
// since 1991, long before any date finreview deals with.
var shanghai = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("Asia/Shanghai", 8*60*60)
	}
	return loc
})

// Location returns the Asia/Shanghai zone in which all finreview dates and
// deadlines are reckoned.
func Location() *time.Location { return shanghai() }

// NewDate builds a Date, normalising overflow the way time.Date does
// (e.g. 2025-09-31 becomes 2025-10-01).
func NewDate(year int, month time.Month, day int) Date {
	return dateOfTime(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// ParseDate parses a date written as YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) {
		return Date{}, fmt.Errorf("invalid date %q, want YYYY-MM-DD", s)
	}
	return dateOfTime(t), nil
}

// DateOf returns the civil date of t in Asia/Shanghai, whatever t's zone.
func DateOf(t time.Time) Date { return dateOfTime(t.In(Location())) }

func dateOfTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Y: y, M: m, D: d}
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Y, int(d.M), d.D) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns the date n calendar days after d (before it when n < 0).
func (d Date) AddDays(n int) Date {
	if n == 1 {
		return d.next()
	}
	return NewDate(d.Y, d.M, d.D+n)
}

// next returns the following day without going through time.Time.
func (d Date) next() Date {
	if d.D < daysIn(d.Y, d.M) {
		return Date{Y: d.Y, M: d.M, D: d.D + 1}
	}
	if d.M == time.December {
		return Date{Y: d.Y + 1, M: time.January, D: 1}
	}
	return Date{Y: d.Y, M: d.M + 1, D: 1}
}

func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Y != o.Y:
		return cmpInt(d.Y, o.Y)
	case d.M != o.M:
		return cmpInt(int(d.M), int(o.M))
	}
	return cmpInt(d.D, o.D)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Start returns midnight at the beginning of d in Asia/Shanghai.
func (d Date) Start() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, Location()) }

// End returns 23:59:59 of d in Asia/Shanghai, the moment a deadline falling
// on d expires.
func (d Date) End() time.Time { return time.Date(d.Y, d.M, d.D, 23, 59, 59, 0, Location()) }

func (d Date) utc() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC) }

// MarshalText writes d as YYYY-MM-DD (so JSON shows "2025-09-30").
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a YYYY-MM-DD date.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
