package store

import (
	"context"
	"fmt"
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
	rows, err := q.db.QueryContext(ctx, "SELECT "+calendarColumns+" FROM calendar_days"+where+" ORDER BY day", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CalendarDay
	for rows.Next() {
		var d CalendarDay
		var date, kind string
		if err := rows.Scan(&date, &kind, &d.Name, &d.CreatedBy, &d.CreatedAt); err != nil {
			return nil, err
		}
		if d.Date, err = calendar.ParseDate(date); err != nil {
			return nil, fmt.Errorf("calendar_days: %w", err)
		}
		if d.Kind, err = calendar.ParseDayKind(kind); err != nil {
			return nil, fmt.Errorf("calendar_days %s: %w", date, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
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
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO calendar_days (day, kind, name, created_by, created_at) VALUES (?, ?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE kind = VALUES(kind), name = VALUES(name), created_by = VALUES(created_by), created_at = VALUES(created_at)`,
		d.Date.String(), string(d.Kind), d.Name, nullInt(d.CreatedBy), d.CreatedAt)
	return translate(err)
}

// DeleteCalendarDay removes the row of a date; ErrNotFound when there was none.
func (q *Queries) DeleteCalendarDay(ctx context.Context, date calendar.Date) error {
	res, err := q.db.ExecContext(ctx, "DELETE FROM calendar_days WHERE day = ?", date.String())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteCalendarYear removes every row of a year and returns how many.
func (q *Queries) DeleteCalendarYear(ctx context.Context, year int) (int64, error) {
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
