package deadline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/input"
	"finreview/internal/store"
)

// DayStatus is what one date is under a calendar.
type DayStatus struct {
	Workday bool
	Listed  bool // a schedule row exists for the date
	Kind    calendar.DayKind
	Name    string
}

// StatusOf returns what date is under cal.
func StatusOf(cal *calendar.Calendar, date calendar.Date) DayStatus {
	s := DayStatus{Workday: cal.IsWorkday(date)}
	if d, ok := cal.Lookup(date); ok {
		s.Listed, s.Kind, s.Name = true, d.Kind, d.Name
	}
	return s
}

// Label is the Chinese description: 放假(国庆节), 调休上班(…), 工作日, 休息日.
func (s DayStatus) Label() string {
	switch {
	case s.Listed && s.Name != "":
		return s.Kind.Label() + "(" + s.Name + ")"
	case s.Listed:
		return s.Kind.Label()
	case s.Workday:
		return "工作日"
	}
	return "休息日"
}

// DayChange is a date whose status an edit changes.
type DayChange struct {
	Date          calendar.Date
	Before, After DayStatus
}

// WorkdayChanged reports whether the date turns from working day to rest
// day or back (only such changes move deadlines).
func (c DayChange) WorkdayChanged() bool { return c.Before.Workday != c.After.Workday }

// CalendarEdit is an edit of the database holiday data: what it writes,
// what it changes and which open deadlines it moves.
type CalendarEdit struct {
	Years   []int
	Rows    []calendar.Day  // rows written
	Removed []calendar.Date // database rows deleted
	Changes []DayChange
	Moves   []Move
	// Calendar is the holiday data after the edit.
	Calendar *calendar.Calendar
}

// edit describes a change of the database rows.
type edit struct {
	years  []int
	upsert []calendar.Day
	drop   func(calendar.Date) bool // database rows removed before upsert
}

// PlanImport previews the import of a holiday file: the database rows of
// every year present in the file are replaced by the file's rows. Nothing
// is written.
func PlanImport(ctx context.Context, q *store.Queries, days []calendar.Day) (CalendarEdit, error) {
	e, err := importEdit(days)
	if err != nil {
		return CalendarEdit{}, err
	}
	return planEdit(ctx, q, e, false)
}

// ApplyImport imports a holiday file (see PlanImport) inside q's
// transaction, re-computes the open deadlines it moves, and records the
// edit in the audit trail.
func ApplyImport(ctx context.Context, q *store.Queries, days []calendar.Day, actor auth.Principal, at time.Time) (CalendarEdit, error) {
	e, err := importEdit(days)
	if err != nil {
		return CalendarEdit{}, err
	}
	return applyEdit(ctx, q, e, "calendar_import", "导入节假日数据", actor, at)
}

func importEdit(days []calendar.Day) (edit, error) {
	if len(days) == 0 {
		return edit{}, &input.FieldError{Name: "file", Msg: "文件中没有任何日期行"}
	}
	var years []int
	for _, d := range days {
		years = append(years, d.Date.Y)
	}
	slices.Sort(years)
	years = slices.Compact(years)
	return edit{years: years, upsert: days, drop: func(d calendar.Date) bool { return slices.Contains(years, d.Y) }}, nil
}

// SetDay adds or replaces the database row of one date.
func SetDay(ctx context.Context, q *store.Queries, day calendar.Day, actor auth.Principal, at time.Time) (CalendarEdit, error) {
	if err := ValidateDay(day); err != nil {
		return CalendarEdit{}, err
	}
	return applyEdit(ctx, q, edit{years: []int{day.Date.Y}, upsert: []calendar.Day{day}}, "calendar_day_set", "设置节假日 "+day.Date.String(), actor, at)
}

// DeleteDay removes the database row of one date (the built-in data, if
// any, applies again); store.ErrNotFound when there is none.
func DeleteDay(ctx context.Context, q *store.Queries, date calendar.Date, actor auth.Principal, at time.Time) (CalendarEdit, error) {
	if _, err := q.CalendarDay(ctx, date); err != nil {
		return CalendarEdit{}, err
	}
	e := edit{years: []int{date.Y}, drop: func(d calendar.Date) bool { return d == date }}
	return applyEdit(ctx, q, e, "calendar_day_delete", "删除节假日 "+date.String(), actor, at)
}

// ValidateDay checks one row entered by hand, as the CSV import does,
// reporting every refused field at once.
func ValidateDay(day calendar.Day) error {
	var errs []error
	if day.Date.IsZero() {
		errs = append(errs, &input.FieldError{Name: "date", Msg: "请填写日期(YYYY-MM-DD)"})
	}
	if _, err := calendar.ParseDayKind(string(day.Kind)); err != nil {
		errs = append(errs, &input.FieldError{Name: "kind", Msg: "类型应为放假(holiday)或调休上班(workday)"})
	} else if wd := day.Date.Weekday(); !day.Date.IsZero() && day.Kind == calendar.Workday && wd != time.Saturday && wd != time.Sunday {
		errs = append(errs, &input.FieldError{Name: "kind", Msg: fmt.Sprintf("%s 不是周六或周日,本来就是工作日;调休上班只能用于周末", day.Date)})
	}
	if strings.TrimSpace(day.Name) == "" {
		errs = append(errs, &input.FieldError{Name: "name", Msg: "请填写名称,如 国庆节 或 国庆节调休"})
	} else if len([]rune(day.Name)) > 64 {
		errs = append(errs, &input.FieldError{Name: "name", Msg: "名称不能超过 64 个字"})
	}
	return errors.Join(errs...)
}

func planEdit(ctx context.Context, q *store.Queries, e edit, lock bool) (CalendarEdit, error) {
	rows, err := q.CalendarDays(ctx)
	if err != nil {
		return CalendarEdit{}, fmt.Errorf("load calendar days: %w", err)
	}
	var before, after []calendar.Day
	var removed []calendar.Date
	upserted := map[calendar.Date]bool{}
	for _, d := range e.upsert {
		upserted[d.Date] = true
	}
	for _, r := range rows {
		before = append(before, r.Day())
		if e.drop != nil && e.drop(r.Date) {
			if !upserted[r.Date] {
				removed = append(removed, r.Date)
			}
			continue
		}
		if !upserted[r.Date] {
			after = append(after, r.Day())
		}
	}
	after = append(after, e.upsert...)
	oldCal := calendar.New(calendar.BuiltIn(), before)
	newCal := calendar.New(calendar.BuiltIn(), after)
	out := CalendarEdit{Years: e.years, Rows: e.upsert, Removed: removed, Calendar: newCal}
	for _, y := range e.years {
		for d := calendar.NewDate(y, time.January, 1); d.Y == y; d = d.AddDays(1) {
			b, a := StatusOf(oldCal, d), StatusOf(newCal, d)
			if b != a {
				out.Changes = append(out.Changes, DayChange{Date: d, Before: b, After: a})
			}
		}
	}
	if !lock {
		if out.Moves, err = Affected(ctx, q, newCal, e.years...); err != nil {
			return CalendarEdit{}, err
		}
	}
	return out, nil
}

func applyEdit(ctx context.Context, q *store.Queries, e edit, action, what string, actor auth.Principal, at time.Time) (CalendarEdit, error) {
	if err := q.LockCalendar(ctx); err != nil {
		return CalendarEdit{}, fmt.Errorf("lock calendar: %w", err)
	}
	out, err := planEdit(ctx, q, e, true)
	if err != nil {
		return CalendarEdit{}, err
	}
	for _, d := range out.Removed {
		if err := q.DeleteCalendarDay(ctx, d); err != nil {
			return CalendarEdit{}, fmt.Errorf("delete calendar day %s: %w", d, err)
		}
	}
	for _, d := range e.upsert {
		if err := q.UpsertCalendarDay(ctx, store.CalendarDay{Date: d.Date, Kind: d.Kind, Name: d.Name, CreatedBy: actor.UserID, CreatedAt: at}); err != nil {
			return CalendarEdit{}, fmt.Errorf("save calendar day %s: %w", d.Date, err)
		}
	}
	reason := fmt.Sprintf("%s(%s 操作,日历版本 %s)", what, actor.NameOr("系统"), out.Calendar.Version())
	for _, y := range e.years {
		moves, err := Recompute(ctx, q, out.Calendar, y, reason, actor, at)
		if err != nil {
			return CalendarEdit{}, err
		}
		out.Moves = append(out.Moves, moves...)
	}
	changed := make([]string, 0, min(len(out.Changes), 100))
	for i, c := range out.Changes {
		if i == 100 {
			changed = append(changed, fmt.Sprintf("… 共 %d 天", len(out.Changes)))
			break
		}
		changed = append(changed, fmt.Sprintf("%s: %s → %s", c.Date, c.Before.Label(), c.After.Label()))
	}
	moved := make([]string, len(out.Moves))
	for i, m := range out.Moves {
		moved[i] = m.String()
	}
	removed := make([]string, len(out.Removed))
	for i, d := range out.Removed {
		removed[i] = d.String()
	}
	detail := map[string]any{"years": e.years, "rows": len(e.upsert), "removed": removed, "changes": changed,
		"moved_deadlines": moved, "calendar_version": out.Calendar.Version()}
	if len(e.upsert) == 1 {
		detail["day"] = map[string]string{"date": e.upsert[0].Date.String(), "kind": string(e.upsert[0].Kind), "name": e.upsert[0].Name}
	}
	if _, err := audit.Append(ctx, q, at, audit.Entry{ActorID: actor.UserID, ActorName: actor.NameOr("系统"), Action: action,
		ObjectType: "calendar", ObjectID: yearsText(e.years), Detail: detail}); err != nil {
		return CalendarEdit{}, err
	}
	return out, nil
}

func yearsText(years []int) string {
	parts := make([]string, len(years))
	for i, y := range years {
		parts[i] = fmt.Sprint(y)
	}
	return strings.Join(parts, ",")
}
