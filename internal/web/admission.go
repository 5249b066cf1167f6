package web

import (
	"context"
	"io"
	"runtime"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"finreview/internal/auth"
)

// DefaultMaxTransitions is how many transitions an instance works on at
// once unless told otherwise (FINREVIEW_MAX_TRANSITIONS): two per core it
// may use. That keeps the database busy; more at once only contend there,
// and stretch the slowest transitions (on two cores, 8 at once had a p99
// 10% above 4's at the same rate).
func DefaultMaxTransitions() int {
	return max(2, 2*runtime.GOMAXPROCS(0))
}

// admissionWait bounds the wait for a turn; past it the request is
// refused as busy rather than left hanging.
const admissionWait = 30 * time.Second

// admission lets at most cap(a) requests work at once; the others wait for
// a turn in the order they came (a channel serves its blocked senders
// first in, first out). A burst of transitions then queues here instead
// of contending in the database, where every one of them would slow down
// together and the slowest would wait longest.
type admission chan struct{}

// enter waits for a turn until ctx ends or wait passes.
func (a admission) enter(ctx context.Context, wait time.Duration) error {
	select {
	case a <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case a <- struct{}{}:
		return nil
	case <-t.C:
		return &auth.RefusedError{Status: 503, Reason: "busy", Msg: "系统繁忙,请稍后重试"}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leave gives the turn to the next request waiting.
func (a admission) leave() { <-a }

// admitTransitions queues a transition through the admission. It is the
// transition routes' own middleware, so it runs after authentication: only
// signed-in callers take a turn, and their body has already been read and
// bounded (limitBody), so a slow sender never holds one.
func (a *App) admitTransitions(c *fiber.Ctx) error {
	if _, ok := principal(c); !ok {
		return c.Next()
	}
	a.waiting.Inc()
	err := a.admit.enter(c.UserContext(), admissionWait)
	a.waiting.Dec()
	if err != nil {
		return err
	}
	defer a.admit.leave()
	return c.Next()
}

// DefaultMaxExports is how many large Excel exports (the review list, the
// audit trail: up to 100,000 rows and more each) an instance writes at
// once: one per two cores it may use. Writing a workbook keeps a core busy
// for seconds; two at once on two cores left the pages no CPU, and every
// page slowed in stretches of seconds. The other exports wait their turn.
func DefaultMaxExports() int {
	return max(1, runtime.GOMAXPROCS(0)/2)
}

// exportWait bounds an export's wait for its turn; past it the export is
// refused as busy.
const exportWait = 2 * time.Minute

// paced passes an export's blocks to w and, before each block after the
// first, rests as long as the export worked since its last one, so that an
// export takes at most half of a core. Unpaced, a workbook of 100,000 rows
// keeps a core busy for a second or two (and the database's thread that
// streams its rows), and on two cores the pages arriving meanwhile queued
// behind it: at 1,500 users with a dozen exports in 40 s the pages' p95
// went from under 100 ms to 300–650 ms (docs/performance.md). Paced, the
// export takes about twice as long and the pages keep the other half.
// The rest counts only the export's own work: the time w takes (a slow
// reader) is not rested again.
type paced struct {
	w    io.Writer
	last time.Time // when the last block was handed on
}

func (p *paced) Write(b []byte) (int, error) {
	if !p.last.IsZero() {
		time.Sleep(time.Since(p.last))
	}
	n, err := p.w.Write(b)
	p.last = time.Now()
	return n, err
}

func newWaitingGauge() prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "finreview_transitions_waiting", Help: "Transitions waiting for their turn (FINREVIEW_MAX_TRANSITIONS).",
	})
}
