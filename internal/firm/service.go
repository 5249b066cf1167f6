// Package firm keeps the firm library (中介机构库), delegations by rotation
// (高分优先,依次顺序进行), declared conflicts, the expert library and the
// periodic firm assessment (考核,优胜劣汰), on top of the pure package assign.
//
// Delegation runs inside the caller's transaction: the rotation cursor row
// of the review's jurisdiction and kind is locked (SELECT … FOR UPDATE), so
// concurrent delegations of the same jurisdiction and kind take their turns
// one after another and never give two reviews the same turn. A manual
// choice (人工指定) needs a reason, is marked override everywhere and does
// not move the cursor. A firm that declined a review, or whose delegation
// was cancelled after an appeal, is excluded from that review for good.
//
// Independence between stages: a settlement (工程结算) is never delegated to
// the firm that reviewed the project's estimate or budget, and final
// accounts (竣工财务决算) never to the firm that reviewed its settlement or
// change orders (see IndependentKinds).
package firm

import (
	"context"
	"time"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/store"
)

// Service manages firms, delegations, experts and assessments.
type Service struct {
	store    *store.Store
	now      func() time.Time
	calendar func(ctx context.Context) (*calendar.Calendar, error)
}

// NewService builds the service; now is the clock (time.Now when nil).
func NewService(s *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now, calendar: func(context.Context) (*calendar.Calendar, error) {
		return calendar.Default(), nil
	}}
}

// WithCalendar sets how the working-day calendar (built-in plus database
// days) is loaded for the statistics; the built-in calendar is the default.
func (s *Service) WithCalendar(load func(ctx context.Context) (*calendar.Calendar, error)) *Service {
	if load != nil {
		s.calendar = load
	}
	return s
}

// queries returns q, or the pool when q is nil.
func (s *Service) queries(q *store.Queries) *store.Queries {
	if q != nil {
		return q
	}
	return &s.store.Queries
}

// mayManage refuses principals who may not change the firm library.
func mayManage(p auth.Principal) error {
	if !p.Can(auth.ManageFirms) {
		return auth.ErrForbidden
	}
	return nil
}
