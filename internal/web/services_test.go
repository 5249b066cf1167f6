package web

import (
	"time"

	"finreview/internal/auth/standin"
	"finreview/internal/billing"
	"finreview/internal/deadline"
	"finreview/internal/firm"
	"finreview/internal/report"
	"finreview/internal/review"
	"finreview/internal/review/retention"
	"finreview/internal/store"
)

// FillServices completes svc with every service a test left out, built
// over s with the clock now (time.Now when nil), as cmd/finreview wires
// them.
func FillServices(s *store.Store, now func() time.Time, svc Services) Services {
	if now == nil {
		now = time.Now
	}
	if svc.Firms == nil {
		svc.Firms = firm.NewService(s, now)
	}
	if svc.Billing == nil {
		svc.Billing = billing.NewService(s, now)
	}
	if svc.Reviews == nil {
		svc.Reviews = review.NewService(review.Options{Store: s, Firms: svc.Firms, Billing: svc.Billing, Docs: svc.Docs, Now: now})
	}
	if svc.Calendar == nil {
		svc.Calendar = deadline.NewService(s, now)
	}
	if svc.Reports == nil {
		svc.Reports = report.NewService(s, now)
	}
	if svc.StandIns == nil {
		svc.StandIns = standin.NewService(s, now)
	}
	if svc.Retention == nil {
		svc.Retention = retention.NewService(s, now)
	}
	return svc
}
