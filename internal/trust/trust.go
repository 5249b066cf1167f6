// Package trust keeps values an instance read from the database, each
// trusted for a while after it was read, so that what every request needs
// (a session, a bearer token, the security policy, the page header's
// unread count) is not read again on every request.
//
// A Map can be told to forget: a change made on this instance (a
// sign-out, a new policy, notices marked read) takes effect here at once.
// A look-up that began before a forget does not store what it read, which
// may be what was just changed: Get hands out a Seen, and Put stores
// nothing when a forget came after it. A Map holds at most its bound; a
// full Map first drops what it no longer trusts, then starts afresh.
//
// A value may also have an end of its own (a session's): the live
// function given to New decides whether it still holds at a time, on
// every Get and when a full Map makes room.
package trust

import (
	"sync"
	"time"
)

// Map is a bounded map of values, each trusted until a time, that can be
// told to forget. It is safe for concurrent use.
type Map[K comparable, V any] struct {
	trust time.Duration
	max   int
	live  func(V, time.Time) bool

	mu sync.Mutex
	m  map[K]entry[V]
	// forgets counts the forgets, for Seen.
	forgets uint64
}

type entry[V any] struct {
	v     V
	until time.Time // trusted until: read at + the Map's trust
}

// Seen is what a look-up saw of the forgets when it began (Get); Put
// compares it with the forgets when it ends.
type Seen uint64

// New is a Map that trusts a value for trust after it was read and holds
// at most max of them (at least 1). live, when not nil, tells whether a
// value has not reached an end of its own at a time.
func New[K comparable, V any](trust time.Duration, max int, live func(V, time.Time) bool) *Map[K, V] {
	return &Map[K, V]{trust: trust, max: max, live: live}
}

// holds reports whether e is still trusted at now.
func (c *Map[K, V]) holds(e entry[V], now time.Time) bool {
	return now.Before(e.until) && (c.live == nil || c.live(e.v, now))
}

// Get returns the value of k when it was read less than the Map's trust
// before now and is live. The Seen goes to Put after a miss.
func (c *Map[K, V]) Get(k K, now time.Time) (V, Seen, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := Seen(c.forgets)
	e, ok := c.m[k]
	if !ok {
		var zero V
		return zero, seen, false
	}
	if !c.holds(e, now) {
		delete(c.m, k)
		var zero V
		return zero, seen, false
	}
	return e.v, seen, true
}

// Put trusts v, read from the database at now, as the value of k, unless
// something was forgotten since the look-up began (seen, from Get).
func (c *Map[K, V]) Put(k K, v V, seen Seen, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if Seen(c.forgets) != seen {
		return
	}
	if c.m == nil {
		c.m = map[K]entry[V]{}
	}
	if len(c.m) >= c.max {
		for h, e := range c.m {
			if !c.holds(e, now) {
				delete(c.m, h)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = entry[V]{v: v, until: now.Add(c.trust)}
}

// Load returns the value of k as Get does, and otherwise reads it at now
// and keeps it as Put does. An error of read is returned as it is, and
// nothing is kept.
func (c *Map[K, V]) Load(k K, now time.Time, read func() (V, error)) (V, error) {
	v, seen, ok := c.Get(k, now)
	if ok {
		return v, nil
	}
	v, err := read()
	if err != nil {
		var zero V
		return zero, err
	}
	c.Put(k, v, seen, now)
	return v, nil
}

// Update replaces the value of k, if the Map still has one, by what f
// makes of it, without trusting it any longer.
func (c *Map[K, V]) Update(k K, f func(V) V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		e.v = f(e.v)
		c.m[k] = e
	}
}

// Forget drops the value of k.
func (c *Map[K, V]) Forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgets++
	delete(c.m, k)
}

// ForgetIf drops every value for which f is true.
func (c *Map[K, V]) ForgetIf(f func(K, V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgets++
	for k, e := range c.m {
		if f(k, e.v) {
			delete(c.m, k)
		}
	}
}
