package deadline_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"finreview/internal/deadline"
	"finreview/internal/store"
	"finreview/workflow"
)

// A deadline whose firing panics neither takes the engine down nor blocks
// the others: each pass counts a failed attempt, and at MaxFireAttempts it
// is parked as failed with the panic as its error, never claimed again.
func TestEnginePanickingFireIsParked(t *testing.T) {
	f := newFixture(t)
	rid := f.review(workflow.OpinionSent)
	now := at(t, "2025-10-15T09:00:00+08:00")
	ids := f.insertDue([]int64{rid}, 4, at(t, "2025-10-14T23:59:59+08:00"))
	poison := ids[3] // the latest: the overdue list shows it
	var calls atomic.Int64
	fire := func(ctx context.Context, q *store.Queries, d store.Deadline, r store.Review) error {
		if d.ID == poison {
			calls.Add(1)
			var m map[string]int
			m["boom"]++ // a nil-map write: the firing panics
		}
		return nil
	}
	e := deadline.NewEngine(deadline.EngineOptions{Store: f.s, Now: func() time.Time { return now }, Instance: "a", Batch: 2, Fire: fire})
	fired, err := e.RunOnce(context.Background())
	if err != nil || fired != 3 {
		t.Fatalf("first pass fired %d, %v; want 3 and no error", fired, err)
	}
	if d := f.deadline(poison); d.State != store.DeadlinePending || d.FireAttempts != 1 || !strings.Contains(d.FireError, "panic") {
		t.Fatalf("after one failure: state %s, attempts %d, error %q", d.State, d.FireAttempts, d.FireError)
	}
	for i := 1; i < deadline.MaxFireAttempts+2; i++ {
		if _, err := e.RunOnce(context.Background()); err != nil {
			t.Fatalf("pass %d: %v", i+1, err)
		}
	}
	if n := calls.Load(); n != deadline.MaxFireAttempts {
		t.Errorf("the poison deadline was tried %d times, want %d", n, deadline.MaxFireAttempts)
	}
	d := f.deadline(poison)
	if d.State != store.DeadlineFailed || d.FireAttempts != deadline.MaxFireAttempts || !d.EndedAt.Valid || d.FiredAt.Valid {
		t.Fatalf("poison deadline: state %s, attempts %d, ended %v, fired %v", d.State, d.FireAttempts, d.EndedAt, d.FiredAt)
	}
	text, class := dueText(t, &f.s.Queries, rid, now)
	if !strings.Contains(text, "处理失败") || class != deadline.ClassOverdue {
		t.Errorf("due text %q (%s), want the failure shown", text, class)
	}
	over, err := deadline.Overdue(context.Background(), f.s, store.Scope{All: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, o := range over {
		listed = listed || o.ID == poison
	}
	if !listed {
		t.Errorf("the parked deadline is not in the overdue list %+v", over)
	}
	for _, id := range ids {
		if id != poison && f.deadline(id).State != store.DeadlineFired {
			t.Errorf("deadline %d was not fired", id)
		}
	}
}

// Run, the loop, outlives a panic of a whole pass (here from the clock).
func TestEngineRunSurvivesPanic(t *testing.T) {
	f := newFixture(t)
	var passes atomic.Int64
	e := deadline.NewEngine(deadline.EngineOptions{Store: f.s, Instance: "a", Interval: 5 * time.Millisecond,
		Now: func() time.Time {
			if passes.Add(1) == 1 {
				panic("clock broke")
			}
			return time.Now()
		}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	deadlineAt := time.Now().Add(10 * time.Second)
	for passes.Load() < 3 && time.Now().Before(deadlineAt) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if n := passes.Load(); n < 3 {
		t.Fatalf("%d passes, want the loop to go on after the panic", n)
	}
}
