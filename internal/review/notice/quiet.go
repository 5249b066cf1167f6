package notice

import (
	"fmt"
	"strings"
	"time"
)

// DefaultQuiet are the hours, Beijing time, when SMS wait.
const DefaultQuiet = "22:00-07:00"

// DigestHour is the hour, Beijing time, when the daily email digest goes.
const DigestHour = 8

// Quiet is a span of the day, Beijing time, in minutes; From == To means
// never quiet.
type Quiet struct{ From, To int }

// ParseQuiet reads "HH:MM-HH:MM"; empty means never quiet.
func ParseQuiet(s string) (Quiet, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Quiet{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Quiet{}, fmt.Errorf("应为 HH:MM-HH:MM,例如 %s", DefaultQuiet)
	}
	from, err1 := minuteOf(a)
	to, err2 := minuteOf(b)
	if err1 != nil || err2 != nil {
		return Quiet{}, fmt.Errorf("应为 HH:MM-HH:MM,例如 %s", DefaultQuiet)
	}
	return Quiet{From: from, To: to}, nil
}

func minuteOf(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// String is the "HH:MM-HH:MM" form; empty when never quiet.
func (q Quiet) String() string {
	if q.From == q.To {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.From/60, q.From%60, q.To/60, q.To%60)
}

// Until reports whether t falls in the quiet hours and, if so, when they end.
func (q Quiet) Until(t time.Time) (time.Time, bool) {
	if q.From == q.To {
		return t, false
	}
	bt := t.In(beijing)
	m := bt.Hour()*60 + bt.Minute()
	in := q.From <= m && m < q.To
	if q.From > q.To { // over midnight
		in = m >= q.From || m < q.To
	}
	if !in {
		return t, false
	}
	end := time.Date(bt.Year(), bt.Month(), bt.Day(), q.To/60, q.To%60, 0, 0, beijing)
	if !end.After(bt) {
		end = end.AddDate(0, 0, 1)
	}
	return end, true
}

// nextDigest is the first digest time after t.
func nextDigest(t time.Time) time.Time {
	bt := t.In(beijing)
	d := time.Date(bt.Year(), bt.Month(), bt.Day(), DigestHour, 0, 0, 0, beijing)
	if !d.After(bt) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
