package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"finreview/internal/calendar"
)

// CalendarDay is a row of the holiday schedule entered by administrators;
// it overrides the built-in data for its date.
type CalendarDay struct {
	Date      calendar.Date
	Kind      calendar.DayKind
	Name      string
	CreatedBy int64
	CreatedAt time.Time
}

// Day returns the row as the calendar package's Day.
func (d CalendarDay) Day() calendar.Day {
	return calendar.Day{Date: d.Date, Kind: d.Kind, Name: d.Name}
}

const calendarColumns = "DATE_FORMAT(day, '%Y-%m-%d'), kind, name, COALESCE(created_by,0), created_at"

func (q *Queries) calendarDays(ctx context.Context, where string, args ...any) ([]CalendarDay, error) {
	return queryAll(ctx, q.db, scanCalendarDay, "SELECT "+calendarColumns+" FROM calendar_days"+where+" ORDER BY day", args...)
}

func scanCalendarDay(s scanner) (CalendarDay, error) {
	var d CalendarDay
	var date, kind string
	err := s.Scan(&date, &kind, &d.Name, &d.CreatedBy, &d.CreatedAt)
	if err != nil {
		return d, err
	}
	if d.Date, err = calendar.ParseDate(date); err != nil {
		return d, fmt.Errorf("calendar_days: %w", err)
	}
	if d.Kind, err = calendar.ParseDayKind(kind); err != nil {
		return d, fmt.Errorf("calendar_days %s: %w", date, err)
	}
	return d, nil
}

// CalendarTrust is how long a read outside any transaction trusts the
// calendar version it last checked, without asking the database again:
// the calendar it keeps is answered for that long. An edit made on this
// instance (through a Store sharing the cache) is seen at once, as soon
// as it is committed; an edit made on another instance, or outside the
// serving instances (the command line), is seen within CalendarTrust,
// as sessions and the security policy are (auth.TokenTrust). A
// transaction checks the version on every read: the deadlines it
// computes use the calendar committed when it reads.
const CalendarTrust = 5 * time.Second

// calendarCache keeps the calendar in force, built, with the version of
// calendar_version it was read at. One is shared by a Store's Queries and
// its transactions'.
type calendarCache struct {
	mu      sync.Mutex
	version int64
	cal     *calendar.Calendar
	// checked is when a read outside a transaction last found version
	// current; until CalendarTrust after it, such reads take cal as is.
	checked time.Time
	// changes counts the edits made through this cache's Store: a read
	// that began before one keeps nothing of what it read.
	changes uint64
	// now is the clock of checked (nil: time.Now; tests move it).
	now func() time.Time
}

func (c *calendarCache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// trusted is the kept calendar while a read outside a transaction may
// take it without checking the version.
func (c *calendarCache) trusted() (*calendar.Calendar, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cal == nil || c.checked.IsZero() || c.clock().Sub(c.checked) >= CalendarTrust {
		return nil, false
	}
	return c.cal, true
}

// changed forgets the kept calendar: an edit was committed through this
// Store.
func (c *calendarCache) changed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changes++
	c.cal, c.version, c.checked = nil, 0, time.Time{}
}

// Calendar returns the working-day calendar in force: the built-in data
// overridden by the database's rows. It is kept per process and read
// again only when calendar_version moved (every edit moves it), so a
// call costs one small read, and none outside a transaction within
// CalendarTrust of the last check; a transaction that edits the calendar
// reads the rows it sees and keeps nothing.
func (q *Queries) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	if q.cal == nil || q.calWritten {
		return q.readCalendar(ctx)
	}
	c := q.cal
	if !q.tx {
		if cal, ok := c.trusted(); ok {
			return cal, nil
		}
	}
	c.mu.Lock()
	changes := c.changes
	c.mu.Unlock()
	var v int64
	if err := q.db.QueryRowContext(ctx, "SELECT version FROM calendar_version WHERE id = 1").Scan(&v); err != nil {
		return nil, fmt.Errorf("calendar version: %w", err)
	}
	c.mu.Lock()
	cal, at := c.cal, c.version
	if cal != nil && at == v && !q.tx && c.changes == changes {
		// A transaction's read may come from an older snapshot: only a
		// read outside one renews the trust.
		c.checked = c.clock()
	}
	c.mu.Unlock()
	if cal != nil && at == v {
		return cal, nil
	}
	// The version first, then the rows: rows newer than the version only
	// cost a second read later; the other order could keep old rows under
	// a new version.
	cal, err := q.readCalendar(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.changes == changes && v >= c.version {
		c.version, c.cal = v, cal
		if !q.tx {
			c.checked = c.clock()
		}
	}
	c.mu.Unlock()
	return cal, nil
}

func (q *Queries) readCalendar(ctx context.Context) (*calendar.Calendar, error) {
	days, err := q.CalendarDays(ctx)
	if err != nil {
		return nil, fmt.Errorf("load calendar days: %w", err)
	}
	return buildCalendar(days), nil
}

func buildCalendar(rows []CalendarDay) *calendar.Calendar {
	days := make([]calendar.Day, len(rows))
	for i, r := range rows {
		days[i] = r.Day()
	}
	return calendar.New(calendar.BuiltIn(), days)
}

// calendarEdited raises the calendar's version inside the editing
// transaction and stops this transaction from caching what it reads; the
// Store forgets its calendar once the transaction commits (attempt).
func (q *Queries) calendarEdited(ctx context.Context) error {
	if q.tx {
		q.calWritten = true
	}
	_, err := q.db.ExecContext(ctx, "UPDATE calendar_version SET version = version + 1 WHERE id = 1")
	return err
}

// calendarWritten forgets the Store's calendar after an edit outside a
// transaction, whose version and rows were each committed on their own:
// a read between the two may have kept the old rows under the new
// version.
func (q *Queries) calendarWritten() {
	if !q.tx && q.cal != nil {
		q.cal.changed()
	}
}

// CalendarDays lists every database holiday row in date order.
func (q *Queries) CalendarDays(ctx context.Context) ([]CalendarDay, error) {
	return q.calendarDays(ctx, "")
}

// CalendarDaysInYear lists the database rows of one year.
func (q *Queries) CalendarDaysInYear(ctx context.Context, year int) ([]CalendarDay, error) {
	return q.calendarDays(ctx, " WHERE day BETWEEN ? AND ?", fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
}

// CalendarDay loads the database row of a date (ErrNotFound if none).
func (q *Queries) CalendarDay(ctx context.Context, date calendar.Date) (CalendarDay, error) {
	days, err := q.calendarDays(ctx, " WHERE day = ?", date.String())
	if err != nil {
		return CalendarDay{}, err
	}
	if len(days) == 0 {
		return CalendarDay{}, ErrNotFound
	}
	return days[0], nil
}

// UpsertCalendarDay adds the row of a date or replaces it.
func (q *Queries) UpsertCalendarDay(ctx context.Context, d CalendarDay) error {
	if err := q.calendarEdited(ctx); err != nil {
		return err
	}
	defer q.calendarWritten()
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO calendar_days (day, kind, name, created_by, created_at) VALUES (?, ?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE kind = VALUES(kind), name = VALUES(name), created_by = VALUES(created_by), created_at = VALUES(created_at)`,
		d.Date.String(), string(d.Kind), d.Name, nullInt(d.CreatedBy), d.CreatedAt)
	return translate(err)
}

// DeleteCalendarDay removes the row of a date; ErrNotFound when there was none.
func (q *Queries) DeleteCalendarDay(ctx context.Context, date calendar.Date) error {
	if err := q.calendarEdited(ctx); err != nil {
		return err
	}
	defer q.calendarWritten()
	res, err := q.db.ExecContext(ctx, "DELETE FROM calendar_days WHERE day = ?", date.String())
	return changed(res, err, ErrNotFound)
}

// DeleteCalendarYear removes every row of a year and returns how many.
func (q *Queries) DeleteCalendarYear(ctx context.Context, year int) (int64, error) {
	if err := q.calendarEdited(ctx); err != nil {
		return 0, err
	}
	defer q.calendarWritten()
	res, err := q.db.ExecContext(ctx, "DELETE FROM calendar_days WHERE day BETWEEN ? AND ?",
		fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// LockCalendar serializes calendar edits within a transaction: it locks
// every row of the table and the gaps between them (next-key locks), so a
// second edit waits until the first commits.
func (q *Queries) LockCalendar(ctx context.Context) error {
	_, err := q.db.ExecContext(ctx, "SELECT COUNT(*) FROM calendar_days FOR UPDATE")
	return err
}
