package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finreview/internal/auth"
	"finreview/internal/auth/standin"
	"finreview/internal/billing"
	"finreview/internal/calendar"
	"finreview/internal/deadline"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/report"
	"finreview/internal/review"
	"finreview/internal/review/importer"
	"finreview/internal/review/retention"
	"finreview/internal/upkeep"
	"finreview/internal/web"
)

// core holds the use-case services shared by serve and seed-demo.
type core struct {
	firms   *firm.Service
	billing *billing.Service
	docs    *docs.Service
	reviews *review.Service
}

func (e *env) loadCalendar(ctx context.Context) (*calendar.Calendar, error) {
	return deadline.LoadCalendar(ctx, &e.db.Queries)
}

// newCore builds the services once; docs is nil without an object store.
func newCore(e *env) core {
	c := core{
		firms:   firm.NewService(e.db, time.Now).WithCalendar(e.loadCalendar),
		billing: billing.NewService(e.db, time.Now),
	}
	if e.objects != nil {
		c.docs = docs.NewService(e.db, e.objects, time.Now, e.log)
		if e.signer != nil {
			c.docs.SetSigner(e.signer)
		}
	}
	c.reviews = review.NewService(review.Options{Store: e.db, Firms: c.firms, Billing: c.billing, Docs: c.docs,
		Now: time.Now, Log: e.log, ReportWorkdays: e.cfg.ReportWorkdays, IntakeWorkdays: e.cfg.IntakeWorkdays})
	return c
}

// services builds the use-case services and starts the background workers
// of serve (deadline engine, paper rendering, the document sweep, the
// daily audit anchor, the purge of expired sessions, and the warm-up and
// upkeep of the dashboard's and the bulletin's figures); they stop with
// ctx.
func (c *cli) services(ctx context.Context, e *env, reg *prometheus.Registry) (web.Services, error) {
	k := newCore(e)
	if _, err := k.billing.EnsureExample(ctx); err != nil {
		return web.Services{}, err
	}
	engine := deadline.NewEngine(deadline.EngineOptions{Store: e.db, Log: e.log, Now: time.Now,
		Instance: e.cfg.InstanceName, Interval: e.cfg.DeadlineInterval, Fire: k.reviews.FireDeadline})
	go engine.Run(ctx)
	go upkeep.New(upkeep.Options{Store: e.db, Log: e.log, Now: time.Now, Instance: e.cfg.InstanceName}).Run(ctx)
	if k.docs != nil {
		go k.docs.Maintain(ctx, time.Minute, 24*time.Hour)
	}
	notices, err := startNotices(ctx, e, reg)
	if err != nil {
		return web.Services{}, err
	}
	var imports *importer.Service
	if e.objects != nil {
		imports = importer.New(importer.Options{Store: e.db, Objects: e.objects, Log: e.log})
	}
	svc := k.webServices(e)
	go warmFigures(ctx, e, svc.Reports)
	go svc.Reports.Keep(ctx, e.log)
	svc.Notices, svc.Imports = notices, imports
	svc.Banners = func(ctx context.Context, p auth.Principal) []string {
		if p.Role != auth.Admin && p.Role != auth.ReviewCenter {
			return nil
		}
		cal, err := e.loadCalendar(ctx)
		if err != nil {
			return nil
		}
		if b := deadline.MissingYearBanner(cal, time.Now()); b != "" {
			return []string{b}
		}
		return nil
	}
	return svc, nil
}

// warmFigures computes the deployment-wide figures (report.Service.Warm)
// while the server starts listening. Readiness does not wait for them: an
// instance answers every other page at once, and a reader of the
// dashboard or the bulletin meanwhile joins the computation under way
// (docs/deploy.md, "Figures at start-up").
func warmFigures(ctx context.Context, e *env, reports *report.Service) {
	t0 := time.Now()
	if err := reports.Warm(ctx); err != nil {
		e.log.Warn("figures warm-up failed; the first reader computes them", slog.String("error", err.Error()),
			slog.Int64("duration_ms", time.Since(t0).Milliseconds()))
		return
	}
	e.log.Info("figures warmed", slog.Int64("duration_ms", time.Since(t0).Milliseconds()))
	// The warm-up read a province's figures once, tens of MiB of rows
	// already dropped; hand their pages back now rather than keep them
	// resident until the runtime's scavenger gets to them.
	debug.FreeOSMemory()
}

// webServices are the services the pages call, without the background
// workers, the outside notices and the imports.
func (k core) webServices(e *env) web.Services {
	return web.Services{Reviews: k.reviews, Firms: k.firms, Billing: k.billing, Docs: k.docs,
		Calendar:  deadline.NewService(e.db, time.Now),
		Reports:   report.NewService(e.db, time.Now),
		StandIns:  standin.NewService(e.db, time.Now),
		Retention: retention.NewService(e.db, time.Now),
	}
}
