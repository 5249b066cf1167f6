package report

import (
	"context"
	"fmt"
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
// fresh the figures are. Keys not read for MaxAge are dropped.
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
