package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finreview/internal/billing"
	"finreview/internal/calendar"
	"finreview/internal/deadline"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/web"
)

// services builds the use-case services and background workers of serve.
func (c *cli) services(ctx context.Context, e *env, reg *prometheus.Registry) (web.Services, error) {
	var docsSvc *docs.Service
	if e.objects != nil {
		docsSvc = docs.NewService(e.db, e.objects, time.Now, e.log)
		go docsSvc.Maintain(ctx, time.Minute, 24*time.Hour)
	}
	return web.Services{Reviews: newReviewService(e), Billing: billing.NewService(e.db, time.Now), Docs: docsSvc,
		Firms: firm.NewService(e.db, time.Now).WithCalendar(func(ctx context.Context) (*calendar.Calendar, error) {
			return deadline.LoadCalendar(ctx, &e.db.Queries)
		})}, nil
}
