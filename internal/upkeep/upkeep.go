// Package upkeep runs finreview's scheduled upkeep in every serve
// instance: the daily audit anchor, once a day across all instances, and
// the purge of expired sessions and API tokens. Audit events and document
// access logs are never deleted here (nor anywhere in the application):
// they are kept for at least RetainAuditDays.
package upkeep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"finreview/internal/audit"
	"finreview/internal/calendar"
	"finreview/internal/store"
)

// RetainAuditDays is the least time audit events and document access logs
// are kept; the application never deletes them.
const RetainAuditDays = 180

// AnchorJob names the daily anchor in daily_jobs.
const AnchorJob = "audit_anchor"

// Options configure the runner.
type Options struct {
	Store *store.Store
	Log   *slog.Logger
	Now   func() time.Time
	// Instance names this process in its claims.
	Instance string
	// Interval between ticks (default one minute).
	Interval time.Duration
	// PurgeEvery is how often expired sessions and tokens go (default an hour).
	PurgeEvery time.Duration
	// StaleClaim is how long a running claim may stay unfinished before
	// another instance takes it over (default an hour).
	StaleClaim time.Duration
}

// Runner runs the jobs.
type Runner struct {
	o          Options
	lastAnchor string
	lastPurge  time.Time
	jobs       []job
}

type job struct {
	name string
	run  func(ctx context.Context, now time.Time) error
}

// New builds a runner.
func New(o Options) *Runner {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.PurgeEvery <= 0 {
		o.PurgeEvery = time.Hour
	}
	if o.StaleClaim <= 0 {
		o.StaleClaim = time.Hour
	}
	r := &Runner{o: o}
	r.jobs = []job{
		{"audit_anchor", func(ctx context.Context, now time.Time) error { _, err := r.AnchorDay(ctx, now); return err }},
		{"purge_sessions", r.purge},
	}
	return r
}

// Run ticks until ctx ends. A job that fails or panics is logged and runs
// again at the next tick; the loop itself never stops.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(r.o.Interval)
	defer t.Stop()
	for {
		r.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick runs every job once, each guarded against panics.
func (r *Runner) Tick(ctx context.Context) {
	now := r.o.Now()
	for _, j := range r.jobs {
		if err := r.guard(ctx, j, now); err != nil && ctx.Err() == nil {
			r.o.Log.Error("upkeep job failed", slog.String("job", j.name), slog.String("error", err.Error()))
		}
	}
}

func (r *Runner) guard(ctx context.Context, j job, now time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return j.run(ctx, now)
}

// AnchorDay records the day's audit anchor unless it has been recorded:
// the instance that claims the day's row in daily_jobs (in a transaction,
// no node-local lock, so it holds on a Galera cluster too) anchors, the
// others do nothing. It reports whether this call anchored.
func (r *Runner) AnchorDay(ctx context.Context, now time.Time) (bool, error) {
	loc := calendar.Location()
	local := now.In(loc)
	day := local.Format(time.DateOnly)
	if r.lastAnchor == day {
		return false, nil
	}
	done, err := r.o.Store.DailyJobDone(ctx, AnchorJob, day)
	if err != nil {
		return false, err
	}
	if done {
		r.lastAnchor = day
		return false, nil
	}
	var claimed bool
	err = r.o.Store.InTx(ctx, func(q *store.Queries) error {
		var err error
		claimed, err = q.ClaimDailyJob(ctx, AnchorJob, day, r.o.Instance, now, now.Add(-r.o.StaleClaim))
		return err
	})
	if store.IsDeadlock(err) || errors.Is(err, store.ErrDuplicate) {
		// Another node's claim won certification.
		return false, nil
	}
	if err != nil || !claimed {
		return false, err
	}
	// A claim taken over from an instance that died may have anchored
	// already: the anchor event itself says so.
	start := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	n, err := r.o.Store.AnchoredBetween(ctx, start, start.AddDate(0, 0, 1))
	if err != nil {
		return false, err
	}
	if n == 0 {
		if err := audit.Anchor(ctx, r.o.Store, now); err != nil {
			return false, fmt.Errorf("anchor %s: %w", day, err)
		}
	}
	if err := r.o.Store.FinishDailyJob(ctx, AnchorJob, day, now); err != nil {
		return false, err
	}
	r.lastAnchor = day
	if n == 0 {
		r.o.Log.Info("audit anchor recorded", slog.String("day", day), slog.String("instance", r.o.Instance))
	}
	return n == 0, nil
}

// purge removes sessions and tokens past their expiry, at most every
// PurgeEvery; every instance may run it, it is the same when repeated.
func (r *Runner) purge(ctx context.Context, now time.Time) error {
	if !r.lastPurge.IsZero() && now.Sub(r.lastPurge) < r.o.PurgeEvery {
		return nil
	}
	if err := r.o.Store.DeleteExpiredSessions(ctx, now); err != nil {
		return fmt.Errorf("purge expired sessions: %w", err)
	}
	r.lastPurge = now
	return nil
}
