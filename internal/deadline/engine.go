package deadline

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/store"
)

// FireFunc is the effect of a deadline passing (for KindOpinion, the
// deemed_agreed transition fired as the system). It runs inside the claim
// transaction: when it returns an error, its writes are undone and the
// deadline stays pending, to be claimed again on the next pass.
// r is the review as the claim locked it.
type FireFunc func(ctx context.Context, q *store.Queries, d store.Deadline, r store.Review) error

// MaxFireAttempts is how often a deadline's firing may fail (an error or
// a panic) before the deadline is parked as failed: no longer claimed,
// its last error kept and logged for staff.
const MaxFireAttempts = 5

// EngineOptions configure an Engine.
type EngineOptions struct {
	Store *store.Store
	Log   *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Instance names this server in fired_by (host name and pid when empty).
	Instance string
	// Interval between passes of Run (30 s when zero).
	Interval time.Duration
	// Batch is the number of rows claimed per transaction (100 when zero).
	Batch int
	// Workers is the number of concurrent claimers per pass (2 when zero).
	Workers int
	// Fire is the effect of a passed deadline (none when nil).
	Fire FireFunc
}

// Engine claims and fires due deadlines and sends reminders.
type Engine struct {
	o EngineOptions
}

// NewEngine builds an engine; see EngineOptions for the defaults.
func NewEngine(o EngineOptions) *Engine {
	LoopDefaults(&o.Log, &o.Now, &o.Instance)
	if o.Interval <= 0 {
		o.Interval = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	return &Engine{o: o}
}

// LoopDefaults fills what a loop that claims rows in every instance was not
// given: a log that discards, the real clock, and the name it claims rows
// under (host name and pid).
func LoopDefaults(log **slog.Logger, now *func() time.Time, instance *string) {
	if *log == nil {
		*log = slog.New(slog.DiscardHandler)
	}
	if *now == nil {
		*now = time.Now
	}
	if *instance == "" {
		host, _ := os.Hostname()
		*instance = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
}

// Run runs a pass at once and then every Interval until ctx is done. While
// the database cannot be reached it says so once and tries again at
// growing intervals (up to five seconds, or Interval when longer), and says
// when the passes resume.
func (e *Engine) Run(ctx context.Context) error {
	wait, down := e.o.Interval, false
	for {
		fired, err := e.runOnceSafely(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case store.IsUnavailable(err):
			if !down {
				e.o.Log.Warn("deadline passes wait for the database", slog.String("instance", e.o.Instance), slog.String("error", err.Error()))
				down = true
			}
			wait = min(2*wait, max(e.o.Interval, 5*time.Second))
		case err != nil:
			e.o.Log.Error("deadline pass failed", slog.String("instance", e.o.Instance), slog.String("error", err.Error()))
			wait = e.o.Interval
		default:
			if down {
				e.o.Log.Info("database back, deadline passes resume", slog.String("instance", e.o.Instance))
				down = false
			}
			if fired > 0 {
				e.o.Log.Info("deadlines fired", slog.String("instance", e.o.Instance), slog.Int("fired", fired))
			}
			wait = e.o.Interval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// runOnceSafely is RunOnce with a panic turned into an error, so that the
// loop of Run outlives it.
func (e *Engine) runOnceSafely(ctx context.Context) (fired int, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = e.panicked("deadline pass", v)
		}
	}()
	return e.RunOnce(ctx)
}

// panicked logs a recovered panic with its stack and returns it as an error.
func (e *Engine) panicked(what string, v any) error {
	e.o.Log.Error(what+" panicked", slog.String("instance", e.o.Instance), slog.Any("panic", v),
		slog.String("stack", string(debug.Stack())))
	return fmt.Errorf("%s: panic: %v", what, v)
}

// RunOnce fires every deadline due now, batch by batch (one transaction
// each), then sends the reminders due now. It returns how many deadlines it
// fired. Rows another instance holds are left to it; a deadline whose Fire
// failed stays pending for the next pass.
func (e *Engine) RunOnce(ctx context.Context) (fired int, err error) {
	now := e.o.Now()
	cal, err := LoadCalendar(ctx, &e.o.Store.Queries)
	if err != nil {
		return 0, err
	}
	// Several workers claim disjoint batches at once (SKIP LOCKED), so a
	// burst of due deadlines is fired in parallel within one instance too.
	// What one worker leaves pending (its firing failed, or its review was
	// busy, perhaps locked by a sibling) no worker takes again in this pass.
	// A last single-worker sweep then fires the busy ones; failed ones wait
	// for the next pass.
	ps := newPass()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := 0; w < e.o.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					err := e.panicked("deadline worker", v)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}()
			for {
				b, err := e.fireBatch(ctx, cal, now, ps)
				mu.Lock()
				fired += b.fired
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				if err != nil || b.claimed < e.o.Batch {
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return fired, firstErr
	}
	if ps.forgetBusy() {
		for {
			b, err := e.fireBatch(ctx, cal, now, ps)
			fired += b.fired
			if err != nil {
				return fired, err
			}
			if b.claimed < e.o.Batch {
				break
			}
		}
	}
	var skip []int64
	for {
		b, err := e.remindBatch(ctx, cal, now, skip)
		if err != nil {
			return fired, err
		}
		skip = append(skip, b.skipped...)
		if b.claimed < e.o.Batch {
			break
		}
	}
	return fired, nil
}

// batch is the outcome of one claim transaction.
// pass is what the workers of one RunOnce share: the deadlines left
// pending, recorded the moment they are left — before the claiming
// transaction commits and unlocks them — so no worker retries them.
type pass struct {
	mu   sync.Mutex
	left map[int64]bool // id → whether its firing failed
}

func newPass() *pass { return &pass{left: map[int64]bool{}} }

func (p *pass) ids() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]int64, 0, len(p.left))
	for id := range p.left {
		out = append(out, id)
	}
	return out
}

func (p *pass) leave(id int64, failed bool) {
	p.mu.Lock()
	p.left[id] = failed
	p.mu.Unlock()
}

func (p *pass) isLeft(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.left[id]
	return ok
}

// forgetBusy drops the busy ones (keeping the failed) and reports whether
// there were any.
func (p *pass) forgetBusy() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	found := false
	for id, failed := range p.left {
		if !failed {
			delete(p.left, id)
			found = true
		}
	}
	return found
}

type batch struct {
	claimed int
	fired   int
	skipped []int64 // left pending: not to be claimed again in this pass (reminders)
}

func (e *Engine) fireBatch(ctx context.Context, cal *calendar.Calendar, now time.Time, ps *pass) (batch, error) {
	var b batch
	err := e.o.Store.InClaimTx(ctx, func(q *store.Queries) error {
		b = batch{}
		// The firings' timeline and audit events, review rows and notices
		// go in a few multi-row statements at the end of the claim.
		writes := q.StartBatch()
		rows, err := q.ClaimDueDeadlines(ctx, now, e.o.Batch, ps.ids())
		if err != nil {
			return fmt.Errorf("claim due deadlines: %w", err)
		}
		b.claimed = len(rows)
		// The claim's reviews are locked in one statement; a review that a
		// deadline of this claim fired on is read again for the next one.
		ids := make([]int64, 0, len(rows))
		for _, d := range rows {
			ids = append(ids, d.ReviewID)
		}
		locked, err := q.LockDeadlineReviews(ctx, ids)
		if err != nil {
			return fmt.Errorf("lock reviews: %w", err)
		}
		fired := map[int64]bool{}
		var firedIDs []int64
		for _, d := range rows {
			if ps.isLeft(d.ID) { // left by a sibling after this claim's snapshot
				continue
			}
			r, ok := locked[d.ReviewID]
			if ok && fired[d.ReviewID] {
				// Read again as the earlier firing left it.
				if err := writes.Flush(ctx); err != nil {
					return err
				}
				if r, ok, err = q.LockDeadlineReview(ctx, d.ReviewID); err != nil {
					return fmt.Errorf("lock review %d: %w", d.ReviewID, err)
				}
			}
			if !ok { // a transition of this review is in progress
				ps.leave(d.ID, false)
				continue
			}
			if done, err := e.settle(ctx, q, cal, &d, r, now); err != nil || done {
				if err != nil {
					return err
				}
				continue
			}
			sp := fmt.Sprintf("deadline_%d", d.ID)
			if err := q.Savepoint(ctx, sp); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			fired[d.ReviewID] = true
			if ferr := e.fire(ctx, q, d, r, now); ferr != nil {
				e.o.Log.Error("deadline fire failed", slog.Int64("deadline_id", d.ID), slog.Int64("review_id", d.ReviewID),
					slog.String("kind", d.Kind), slog.String("error", ferr.Error()))
				if err := q.RollbackToSavepoint(ctx, sp); err != nil {
					return fmt.Errorf("fire deadline %d: %w (rollback: %v)", d.ID, ferr, err)
				}
				ps.leave(d.ID, true)
				park := d.FireAttempts+1 >= MaxFireAttempts
				if err := q.RecordDeadlineFireFailure(ctx, d.ID, ferr.Error(), park, now); err != nil {
					return fmt.Errorf("record failure of deadline %d: %w", d.ID, err)
				}
				if park {
					e.o.Log.Error("deadline firing failed too often, parked until staff act", slog.Int64("deadline_id", d.ID),
						slog.Int64("review_id", d.ReviewID), slog.String("kind", d.Kind), slog.Int("attempts", d.FireAttempts+1),
						slog.String("error", ferr.Error()))
				}
				continue
			}
			// The savepoint is left to end with the transaction: releasing
			// it would be one more statement per deadline.
			b.fired++
			firedIDs = append(firedIDs, d.ID)
		}
		// The fired deadlines are marked in one statement, after the last
		// savepoint: a firing undone is never among them.
		if err := q.MarkDeadlinesFired(ctx, firedIDs, now, e.o.Instance); err != nil {
			return fmt.Errorf("mark deadlines fired: %w", err)
		}
		return nil
	})
	if err != nil {
		return batch{}, err
	}
	return b, nil
}

// settle handles a claimed deadline that must not fire: the review is
// suspended (the deadline is paused) or has moved on (cancelled). It
// reports whether it did.
func (e *Engine) settle(ctx context.Context, q *store.Queries, cal *calendar.Calendar, d *store.Deadline, r store.Review, now time.Time) (bool, error) {
	switch {
	case r.Suspended:
		pause(cal, d, now)
	case !Kind(d.Kind).Matches(r.State):
		d.State = store.DeadlineCancelled
		d.EndedAt = sql.NullTime{Time: now, Valid: true}
		d.NextRemindAt = sql.NullTime{}
		e.o.Log.Info("deadline cancelled, review moved on", slog.Int64("deadline_id", d.ID), slog.Int64("review_id", d.ReviewID),
			slog.String("kind", d.Kind), slog.String("review_state", string(r.State)))
	default:
		return false, nil
	}
	if err := q.UpdateDeadline(ctx, *d); err != nil {
		return false, fmt.Errorf("settle deadline %d: %w", d.ID, err)
	}
	return true, nil
}

// fire runs the effect and tells the responsible users, in the claim
// transaction; the claim marks the deadline fired afterwards
// (MarkDeadlinesFired).
func (e *Engine) fire(ctx context.Context, q *store.Queries, d store.Deadline, r store.Review, now time.Time) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = e.panicked(fmt.Sprintf("firing of deadline %d", d.ID), v)
		}
	}()
	if e.o.Fire != nil {
		if err := e.o.Fire(ctx, q, d, r); err != nil {
			return err
		}
	}
	// The notice joins the firing's own notices in one statement.
	title, body := overdueMessage(d, r)
	kind := "deadline_overdue"
	if Kind(d.Kind) == KindOpinion {
		kind = "deemed_agreed" // 逾期未签署,视同同意
	}
	return notify(ctx, q, d, r, title, body, kind, now)
}

func (e *Engine) remindBatch(ctx context.Context, cal *calendar.Calendar, now time.Time, skip []int64) (batch, error) {
	var b batch
	err := e.o.Store.InClaimTx(ctx, func(q *store.Queries) error {
		b = batch{}
		rows, err := q.ClaimReminderDeadlines(ctx, now, e.o.Batch, skip)
		if err != nil {
			return fmt.Errorf("claim reminders: %w", err)
		}
		b.claimed = len(rows)
		for _, d := range rows {
			if now.After(d.DueAt) { // passed: the fire pass handles it
				b.skipped = append(b.skipped, d.ID)
				continue
			}
			r, ok, err := q.LockDeadlineReview(ctx, d.ReviewID)
			if err != nil {
				return fmt.Errorf("lock review %d: %w", d.ReviewID, err)
			}
			if !ok {
				b.skipped = append(b.skipped, d.ID)
				continue
			}
			if done, err := e.settle(ctx, q, cal, &d, r, now); err != nil || done {
				if err != nil {
					return err
				}
				continue
			}
			if err := remind(ctx, q, cal, d, r, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return batch{}, err
	}
	return b, nil
}

// remind marks the reminders due by now as sent and sends one message with
// the working days actually left (one message when both fall due at once).
func remind(ctx context.Context, q *store.Queries, cal *calendar.Calendar, d store.Deadline, r store.Review, now time.Time) error {
	left := cal.Remaining(now, d.DueAt)
	send := false
	if !d.Reminded2 && d.Remind2At.Valid && !d.Remind2At.Time.After(now) {
		d.Reminded2 = true
		send = send || left >= 2
	}
	if !d.Reminded1 && d.Remind1At.Valid && !d.Remind1At.Time.After(now) {
		d.Reminded1 = true
		send = true
	}
	d.NextRemindAt = nextRemind(d)
	if err := q.UpdateDeadline(ctx, d); err != nil {
		return fmt.Errorf("mark deadline %d reminded: %w", d.ID, err)
	}
	if !send || left > 2 {
		return nil
	}
	kind := Kind(d.Kind)
	title := fmt.Sprintf("期限提醒:%s剩余%d个工作日", kind.Label(), left)
	body := fmt.Sprintf("项目「%s」%s的期限为 %s 23:59:59(剩余%d个工作日),请及时办理。",
		r.ProjectName, kind.Label(), calendar.DateOf(d.DueAt), left)
	return notify(ctx, q, d, r, title, body, "deadline_reminder", now)
}

func overdueMessage(d store.Deadline, r store.Review) (title, body string) {
	due := calendar.DateOf(d.DueAt).String()
	switch Kind(d.Kind) {
	case KindOpinion:
		return "征求意见书逾期未签署,视同同意",
			fmt.Sprintf("项目「%s」的征求意见书签署期限 %s 23:59:59 已过,未签署,视同同意。", r.ProjectName, due)
	case KindReport:
		return "审核报告逾期未提交",
			fmt.Sprintf("项目「%s」的审核报告应于 %s 23:59:59 前提交,现已逾期,请尽快提交。", r.ProjectName, due)
	case KindIntake:
		return "评审任务逾期未受理",
			fmt.Sprintf("项目「%s」应于 %s 23:59:59 前受理,现已逾期,请尽快办理。", r.ProjectName, due)
	}
	return "期限已过", fmt.Sprintf("项目「%s」的期限 %s 已过。", r.ProjectName, due)
}

// recipients are the users told that a deadline of kind passed: the unit
// for an opinion letter, the firm for its report, the review center for
// intake; false when there are none.
func recipients(kind Kind, r store.Review) (store.Parties, bool) {
	switch kind {
	case KindOpinion:
		return store.Parties{OrgID: r.UnitOrgID}, r.UnitOrgID != 0
	case KindReport:
		return store.Parties{OrgID: r.FirmID}, r.FirmID != 0
	case KindIntake:
		return store.Parties{Role: "review_center", JurisdictionID: r.JurisdictionID}, true
	}
	return store.Parties{}, false
}

func notify(ctx context.Context, q *store.Queries, d store.Deadline, r store.Review, title, body, kind string, now time.Time) error {
	to, ok := recipients(Kind(d.Kind), r)
	if !ok {
		return nil
	}
	if err := q.NotifyParties(ctx, to, store.Notification{ReviewID: d.ReviewID, Kind: kind, Title: title, Body: body, CreatedAt: now}); err != nil {
		return fmt.Errorf("notify deadline %d: %w", d.ID, err)
	}
	return nil
}
