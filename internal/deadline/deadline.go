// Package deadline schedules working-day deadlines in MariaDB and fires
// them exactly once, from any number of server instances.
//
// A deadline is a row per visit of a review state: the review center's
// intake after the notice, the firm's report after delegation, the unit's
// signature of the opinion letter (5 working days). Its due time follows
// DESIGN.md: the receipt day is not counted, and it expires at 23:59:59
// Asia/Shanghai of the Nth working day after it (package calendar).
//
// The Engine claims due rows with SELECT … FOR UPDATE SKIP LOCKED in short
// transactions and writes the fired state in the same transaction as the
// effect, so several instances never fire a deadline twice and a crash
// loses nothing: an uncommitted claim is simply claimed again.
package deadline

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/store"
	"finreview/workflow"
)

// Kind is what a deadline is for.
type Kind string

// Kinds of deadlines.
const (
	// KindIntake is the review center's intake after the notice (configurable).
	KindIntake Kind = "intake"
	// KindReport is the firm's report after delegation (configurable).
	KindReport Kind = "report"
	// KindOpinion is the unit's signature of the opinion letter: 5 working
	// days, after which the review is deemed agreed.
	KindOpinion Kind = "opinion"
)

// OpinionWorkdays is the period to sign the opinion letter (DESIGN.md).
const OpinionWorkdays = 5

// Kinds lists every kind.
func Kinds() []Kind { return []Kind{KindIntake, KindReport, KindOpinion} }

// ParseKind refuses unknown kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown deadline kind %q", s)
}

// Label is the Chinese name of the kind.
func (k Kind) Label() string {
	switch k {
	case KindIntake:
		return "评审中心受理"
	case KindReport:
		return "提交审核报告"
	case KindOpinion:
		return "签署征求意见书"
	}
	return string(k)
}

// States are the review states during which a deadline of kind k runs;
// once the review is in none of them, the deadline no longer applies.
func (k Kind) States() []workflow.State {
	switch k {
	case KindIntake:
		return []workflow.State{workflow.Notified}
	case KindReport:
		return []workflow.State{workflow.Delegated, workflow.InReview, workflow.Reconciling}
	case KindOpinion:
		return []workflow.State{workflow.OpinionSent}
	}
	return nil
}

// Matches reports whether a review in state s is still waiting on k.
func (k Kind) Matches(s workflow.State) bool {
	for _, x := range k.States() {
		if x == s {
			return true
		}
	}
	return false
}

// LoadCalendar returns the built-in holiday data overridden by the
// database's rows (kept per process while the calendar's version holds).
func LoadCalendar(ctx context.Context, q *store.Queries) (*calendar.Calendar, error) {
	return q.Calendar(ctx)
}

// Schedule creates a pending deadline due workdays working days after from
// (the receipt day not counted). A review has at most one open deadline of
// a kind: an older pending or paused one of the same kind is cancelled. When
// the computation crossed a year without holiday data, the deadline is
// flagged with that year and re-computed when the year's data is entered.
func Schedule(ctx context.Context, q *store.Queries, cal *calendar.Calendar, reviewID int64, kind Kind, from time.Time, workdays int) (store.Deadline, error) {
	if _, err := ParseKind(string(kind)); err != nil {
		return store.Deadline{}, err
	}
	if workdays < 1 {
		return store.Deadline{}, fmt.Errorf("schedule %s deadline of review %d: %w", kind, reviewID, calendar.ErrInvalidWorkdays)
	}
	if err := q.CancelReviewDeadlines(ctx, reviewID, []string{string(kind)}, from); err != nil {
		return store.Deadline{}, fmt.Errorf("cancel previous %s deadline: %w", kind, err)
	}
	d := store.Deadline{ReviewID: reviewID, Kind: string(kind), Workdays: workdays, State: store.DeadlinePending, CreatedAt: from}
	if err := compute(cal, &d, from, workdays, from); err != nil {
		return store.Deadline{}, err
	}
	id, err := q.InsertDeadline(ctx, d)
	if err != nil {
		return store.Deadline{}, fmt.Errorf("insert deadline: %w", err)
	}
	d.ID = id
	return d, nil
}

// CancelOpen cancels the review's pending (or paused) deadlines of the
// given kinds (all kinds when none given).
func CancelOpen(ctx context.Context, q *store.Queries, reviewID int64, at time.Time, kinds ...Kind) error {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	if err := q.CancelReviewDeadlines(ctx, reviewID, names, at); err != nil {
		return fmt.Errorf("cancel deadlines of review %d: %w", reviewID, err)
	}
	return nil
}

// Pause stops the clock of the review's pending deadlines (suspension): each
// keeps the working days left after the day of at (that day counts as
// used), and neither fires nor reminds until Resume.
func Pause(ctx context.Context, q *store.Queries, cal *calendar.Calendar, reviewID int64, at time.Time) error {
	rows, err := q.LockReviewDeadlines(ctx, reviewID, []string{store.DeadlinePending}, nil)
	if err != nil {
		return fmt.Errorf("lock deadlines of review %d: %w", reviewID, err)
	}
	for _, d := range rows {
		pause(cal, &d, at)
		if err := q.UpdateDeadline(ctx, d); err != nil {
			return fmt.Errorf("pause deadline %d: %w", d.ID, err)
		}
	}
	return nil
}

func pause(cal *calendar.Calendar, d *store.Deadline, at time.Time) {
	left := 0
	if !at.After(d.DueAt) {
		left = max(0, cal.WorkdaysBetween(calendar.DateOf(at), calendar.DateOf(d.DueAt)))
	}
	d.State = store.DeadlinePaused
	d.RemainingWorkdays = sql.NullInt64{Int64: int64(left), Valid: true}
	d.NextRemindAt = sql.NullTime{}
}

// Resume restarts the review's paused deadlines at at: each is due its
// remaining working days after the day of at (that day not counted, as a
// receipt day). A deadline paused with no working day left is due at the
// end of the day of at.
func Resume(ctx context.Context, q *store.Queries, cal *calendar.Calendar, reviewID int64, at time.Time) error {
	rows, err := q.LockReviewDeadlines(ctx, reviewID, []string{store.DeadlinePaused}, nil)
	if err != nil {
		return fmt.Errorf("lock deadlines of review %d: %w", reviewID, err)
	}
	for _, d := range rows {
		left := d.Count()
		d.State = store.DeadlinePending
		d.RemainingWorkdays = sql.NullInt64{Int64: int64(left), Valid: true}
		d.Reminded2, d.Reminded1 = false, false
		if err := compute(cal, &d, at, left, at); err != nil {
			return fmt.Errorf("resume deadline %d: %w", d.ID, err)
		}
		if err := q.UpdateDeadline(ctx, d); err != nil {
			return fmt.Errorf("resume deadline %d: %w", d.ID, err)
		}
	}
	return nil
}

// Current returns the review's earliest pending deadline (store.ErrNotFound
// if none).
func Current(ctx context.Context, q *store.Queries, reviewID int64) (store.Deadline, error) {
	rows, err := q.ReviewDeadlines(ctx, reviewID)
	if err != nil {
		return store.Deadline{}, err
	}
	return CurrentOf(rows)
}

// CurrentOf picks, from a review's deadlines, the pending one due first
// (ErrNotFound if none is pending).
func CurrentOf(rows []store.Deadline) (store.Deadline, error) {
	var best *store.Deadline
	for i := range rows {
		if rows[i].State == store.DeadlinePending && (best == nil || rows[i].DueAt.Before(best.DueAt)) {
			best = &rows[i]
		}
	}
	if best == nil {
		return store.Deadline{}, store.ErrNotFound
	}
	return *best, nil
}

// compute sets d's due time, flag, calendar version and reminder times for
// a count of n working days from start (n = 0: due at the end of start's
// day). Reminders whose time is still ahead of now are re-armed.
func compute(cal *calendar.Calendar, d *store.Deadline, start time.Time, n int, now time.Time) error {
	d.StartsAt = start
	d.FlaggedYear = sql.NullInt64{}
	if n < 1 {
		d.DueAt = calendar.DateOf(start).End()
		if missing := cal.MissingYears(calendar.DateOf(start), calendar.DateOf(start)); len(missing) > 0 {
			d.FlaggedYear = sql.NullInt64{Int64: int64(missing[0]), Valid: true}
		}
	} else {
		due, missing, err := cal.Due(start, n)
		if err != nil {
			return fmt.Errorf("compute due date: %w", err)
		}
		d.DueAt = due
		if len(missing) > 0 {
			d.FlaggedYear = sql.NullInt64{Int64: int64(missing[0]), Valid: true}
		}
	}
	d.CalendarVersion = cal.Version()
	r2, r1 := reminderTimes(cal, d.DueAt)
	d.Remind2At = sql.NullTime{Time: r2, Valid: true}
	d.Remind1At = sql.NullTime{Time: r1, Valid: true}
	if r2.After(now) {
		d.Reminded2 = false
	}
	if r1.After(now) {
		d.Reminded1 = false
	}
	d.NextRemindAt = nextRemind(*d)
	return nil
}

// reminderTimes are the starts of the days on which 2 and 1 working days
// are left: the working day before the due day, and the due day.
func reminderTimes(cal *calendar.Calendar, due time.Time) (two, one time.Time) {
	day := calendar.DateOf(due)
	prev := day.AddDays(-1)
	for i := 0; i < 370 && !cal.IsWorkday(prev); i++ {
		prev = prev.AddDays(-1)
	}
	return prev.Start(), day.Start()
}

// nextRemind is when the next reminder of d is due.
func nextRemind(d store.Deadline) sql.NullTime {
	if d.State != store.DeadlinePending {
		return sql.NullTime{}
	}
	switch {
	case !d.Reminded2:
		return d.Remind2At
	case !d.Reminded1:
		return d.Remind1At
	}
	return sql.NullTime{}
}
