package deadline

import (
	"context"
	"time"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/store"
)

// The rows the calendar and deadline pages render.
type (
	CalendarDay = store.CalendarDay
	Deadline    = store.Deadline
)

// Service is the working calendar's administration and the reads of
// deadlines the pages show. Each edit runs in one transaction with its
// re-computed deadlines and its audit event.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// NewService builds the service on the clock now, which dates the
// calendar's edits and the deadlines' reads; every caller passes one.
func NewService(s *store.Store, now func() time.Time) *Service {
	return &Service{store: s, now: now}
}

// CalendarDays lists the holiday rows kept in the database.
func (s *Service) CalendarDays(ctx context.Context) ([]CalendarDay, error) {
	return s.store.CalendarDays(ctx)
}

// Calendar is the working calendar in force.
func (s *Service) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	return LoadCalendar(ctx, &s.store.Queries)
}

// SetDay adds or replaces the database row of one date (see SetDay).
func (s *Service) SetDay(ctx context.Context, p auth.Principal, day calendar.Day) (CalendarEdit, error) {
	return s.edit(ctx, func(q *store.Queries) (CalendarEdit, error) { return SetDay(ctx, q, day, p, s.now()) })
}

// DeleteDay removes the database row of one date (see DeleteDay).
func (s *Service) DeleteDay(ctx context.Context, p auth.Principal, date calendar.Date) (CalendarEdit, error) {
	return s.edit(ctx, func(q *store.Queries) (CalendarEdit, error) { return DeleteDay(ctx, q, date, p, s.now()) })
}

// PlanImport previews a holiday file's import; nothing is written.
func (s *Service) PlanImport(ctx context.Context, days []calendar.Day) (CalendarEdit, error) {
	return PlanImport(ctx, &s.store.Queries, days)
}

// ApplyImport imports a holiday file (see ApplyImport).
func (s *Service) ApplyImport(ctx context.Context, p auth.Principal, days []calendar.Day) (CalendarEdit, error) {
	return s.edit(ctx, func(q *store.Queries) (CalendarEdit, error) { return ApplyImport(ctx, q, days, p, s.now()) })
}

func (s *Service) edit(ctx context.Context, fn func(q *store.Queries) (CalendarEdit, error)) (CalendarEdit, error) {
	var e CalendarEdit
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		var err error
		e, err = fn(q)
		return err
	})
	return e, err
}

// Overdue lists the deadlines passed within p's scope (see Overdue).
func (s *Service) Overdue(ctx context.Context, p auth.Principal) ([]OverdueRow, error) {
	return Overdue(ctx, s.store, p.Scope(), s.now())
}

// Dues describes the running deadlines of a page of reviews for lists, in
// one query: the text (date and 剩余N个工作日) and a CSS class (soon, overdue).
func (s *Service) Dues(ctx context.Context, reviewIDs []int64) (map[int64]Due, error) {
	return Dues(ctx, &s.store.Queries, reviewIDs, s.now())
}

// Current is a review's running deadline (ErrNotFound when none runs).
func (s *Service) Current(ctx context.Context, reviewID int64) (Deadline, error) {
	return Current(ctx, &s.store.Queries, reviewID)
}
