package report

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Shared keeps figures that cost seconds of database time to compute (the
// dashboard and the bulletin sum every review of a scope) for a short
// while, and shares them among all requests for the same key (a scope, a
// scope and month). A page then costs a look-up, not eight aggregate
// queries, however many staff open it.
//
//   - A value computed less than Fresh ago is served as it is.
//   - An older one, up to MaxAge, is still served, and one refresh starts
//     in the background: a later request finds the new figures.
//   - Without a value younger than MaxAge (the first request, or none for
//     a while), the request waits for the computation. Requests for the
//     same key meanwhile wait for that same computation (single flight),
//     so a burst computes once.
//
// So figures are never older than MaxAge, and each key is computed at most
// once per Fresh while it is read. Every value comes with the time its
// computation started, which the pages show (统计截至) so staff know how
// fresh the figures are.
//
// Keep, run in the background, makes sure readers of a key in use never
// wait: it refreshes, one at a time, the figures of every key read within
// the idle time once they are MaxAge/2 old, long before they expire, and
// drops the keys not read for the idle time. Without Keep, keys not read
// for MaxAge are dropped as requests arrive. A start-up warm-up is a Get
// whose value nobody renders; it counts as a read.
//
// A Shared belongs to one process: two instances each keep their own and
// compute a key each for its own readers (twice the computations, none
// shared through the database or between them).
type Shared[K comparable, V any] struct {
	fresh, maxAge time.Duration
	timeout       time.Duration // of one computation
	now           func() time.Time

	mu      sync.Mutex
	entries map[K]*sharedEntry[V]
}

type sharedEntry[V any] struct {
	val     V
	at      time.Time // when the computation of val started
	ok      bool      // val is set
	pending *flight[V]
	// read is when the key was last asked for; compute is the computation
	// the last request gave, which Keep runs again.
	read    time.Time
	compute func(context.Context) (V, error)
}

// flight is one computation, awaited by every request that needs it.
type flight[V any] struct {
	done chan struct{}
	val  V
	at   time.Time
	err  error
}

// NewShared makes an empty Shared serving values up to fresh old without
// refreshing them and never older than maxAge; now is the clock.
func NewShared[K comparable, V any](fresh, maxAge time.Duration, now func() time.Time) *Shared[K, V] {
	if now == nil {
		now = time.Now
	}
	return &Shared[K, V]{fresh: fresh, maxAge: maxAge, timeout: 2 * time.Minute, now: now,
		entries: map[K]*sharedEntry[V]{}}
}

// Get returns the figures of key, computed by compute at the time
// returned, as described on Shared. compute runs detached from ctx (other
// requests may wait for it) but keeps its values; ctx bounds only this
// caller's wait.
func (s *Shared[K, V]) Get(ctx context.Context, key K, compute func(context.Context) (V, error)) (V, time.Time, error) {
	now := s.now()
	s.mu.Lock()
	e := s.entries[key]
	if e == nil {
		s.sweep(now)
		e = &sharedEntry[V]{}
		s.entries[key] = e
	}
	e.read, e.compute = now, compute
	if e.ok && now.Sub(e.at) < s.maxAge {
		if now.Sub(e.at) >= s.fresh && e.pending == nil {
			s.start(ctx, key, e, compute)
		}
		val, at := e.val, e.at
		s.mu.Unlock()
		return val, at, nil
	}
	f := e.pending
	if f == nil {
		f = s.start(ctx, key, e, compute)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.val, f.at, f.err
	case <-ctx.Done():
		var zero V
		return zero, time.Time{}, ctx.Err()
	}
}

// start runs one computation of key in the background; s.mu is held.
func (s *Shared[K, V]) start(ctx context.Context, key K, e *sharedEntry[V], compute func(context.Context) (V, error)) *flight[V] {
	f := &flight[V]{done: make(chan struct{}), at: s.now()}
	e.pending = f
	go func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		defer cancel()
		f.val, f.err = computeSafely(cctx, compute)
		s.mu.Lock()
		if f.err == nil && (!e.ok || !f.at.Before(e.at)) {
			e.val, e.at, e.ok = f.val, f.at, true
		}
		e.pending = nil
		s.mu.Unlock()
		close(f.done)
	}()
	return f
}

// computeSafely runs compute and turns a panic into its error: compute
// runs on a goroutine of its own, outside the server's recovery, and the
// requests waiting for it must get an answer.
func computeSafely[V any](ctx context.Context, compute func(context.Context) (V, error)) (val V, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("统计计算异常: %v", v)
		}
	}()
	return compute(ctx)
}

// sweep drops the entries too old to be served that nothing computes;
// s.mu is held.
func (s *Shared[K, V]) sweep(now time.Time) {
	for k, e := range s.entries {
		if e.pending == nil && (!e.ok || now.Sub(e.at) >= s.maxAge) {
			delete(s.entries, k)
		}
	}
}

// Keep refreshes the figures in use until ctx ends: every interval it
// runs tend. A panic in a round is logged and the next round comes as
// usual; a computation's own panic is its error (computeSafely).
func (s *Shared[K, V]) Keep(ctx context.Context, every, idle time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.tendSafely(ctx, idle, log)
		}
	}
}

func (s *Shared[K, V]) tendSafely(ctx context.Context, idle time.Duration, log *slog.Logger) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("shared figures: upkeep panicked", slog.Any("panic", v))
		}
	}()
	s.tend(ctx, idle, log)
}

// tend is one round of Keep: it drops the keys not read for idle, then
// refreshes, oldest first and one at a time (a round asks the database
// for one computation at a time, however many keys are in use), the
// figures of the others that are MaxAge/2 old or missing (the last
// computation failed). A key a request is computing meanwhile is left to
// that computation.
func (s *Shared[K, V]) tend(ctx context.Context, idle time.Duration, log *slog.Logger) {
	type due struct {
		key K
		at  time.Time
	}
	now := s.now()
	var todo []due
	s.mu.Lock()
	for k, e := range s.entries {
		switch {
		case e.pending != nil:
		case now.Sub(e.read) >= idle:
			delete(s.entries, k)
		case e.compute != nil && (!e.ok || now.Sub(e.at) >= s.maxAge/2):
			todo = append(todo, due{k, e.at})
		}
	}
	s.mu.Unlock()
	sort.Slice(todo, func(i, j int) bool { return todo[i].at.Before(todo[j].at) })
	for _, d := range todo {
		s.mu.Lock()
		e := s.entries[d.key]
		if e == nil || e.pending != nil || !e.at.Equal(d.at) {
			s.mu.Unlock() // dropped, or computed by a request meanwhile
			continue
		}
		t0 := time.Now()
		f := s.start(ctx, d.key, e, e.compute)
		s.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return
		}
		if f.err != nil {
			log.Warn("shared figures: refresh failed", slog.String("key", fmt.Sprintf("%+v", d.key)), slog.String("error", f.err.Error()),
				slog.Int64("duration_ms", time.Since(t0).Milliseconds()))
		}
	}
}
