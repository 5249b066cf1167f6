package report

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a test clock moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestSharedComputesABurstOnce: requests arriving together for a key
// nobody computed yet wait for one computation and all get its figures.
func TestSharedComputesABurstOnce(t *testing.T) {
	s := NewShared[string, int](time.Minute, 5*time.Minute, nil)
	var runs atomic.Int32
	release := make(chan struct{})
	compute := func(context.Context) (int, error) {
		runs.Add(1)
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	got := make([]int, 20)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := s.Get(context.Background(), "scope", compute)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them all queue on the one flight
	close(release)
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Fatalf("%d computations for one burst, want 1", n)
	}
	for i, v := range got {
		if v != 42 {
			t.Fatalf("request %d got %d", i, v)
		}
	}
}

// TestSharedFreshness: figures are served as they are while fresh; after
// Fresh the old figures are served while one refresh runs; nothing older
// than MaxAge is ever served; each key has its own figures.
func TestSharedFreshness(t *testing.T) {
	c := &clock{t: time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)}
	s := NewShared[string, int](time.Minute, 5*time.Minute, c.now)
	ctx := context.Background()
	var runs atomic.Int32
	compute := func(context.Context) (int, error) { return int(runs.Add(1)), nil }
	get := func(key string) (int, time.Time) {
		t.Helper()
		v, at, err := s.Get(ctx, key, compute)
		if err != nil {
			t.Fatal(err)
		}
		return v, at
	}
	start := c.now()
	if v, at := get("a"); v != 1 || !at.Equal(start) {
		t.Fatalf("first read = %d at %v, want 1 at %v", v, at, start)
	}
	c.add(59 * time.Second)
	if v, _ := get("a"); v != 1 || runs.Load() != 1 {
		t.Fatalf("fresh figures recomputed: %d, %d runs", v, runs.Load())
	}
	if v, _ := get("b"); v != 2 {
		t.Fatalf("another key got %d, want its own computation (2)", v)
	}
	c.add(2 * time.Second) // a is 61 s old
	if v, at := get("a"); v != 1 || !at.Equal(start) {
		t.Fatalf("stale read = %d at %v, want the old figures while they refresh", v, at)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, at := get("a")
		if v != 1 {
			if v != 3 || !at.Equal(c.now()) {
				t.Fatalf("refreshed read = %d at %v, want 3 at %v", v, at, c.now())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refresh never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := runs.Load(); n != 3 {
		t.Fatalf("%d computations, want 3 (a, b, one refresh of a)", n)
	}
	// Unread for longer than MaxAge: the next read waits for new figures.
	c.add(5*time.Minute + time.Second)
	now := c.now()
	if v, at := get("a"); v != 4 || !at.Equal(now) {
		t.Fatalf("read after MaxAge = %d at %v, want new figures (4) at %v", v, at, now)
	}
}

// TestSharedErrors: a failed computation reaches the requests that waited
// for it, and the next request tries again.
func TestSharedErrors(t *testing.T) {
	s := NewShared[string, int](time.Minute, 5*time.Minute, nil)
	boom := errors.New("database down")
	if _, _, err := s.Get(context.Background(), "a", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	v, _, err := s.Get(context.Background(), "a", func(context.Context) (int, error) { return 7, nil })
	if err != nil || v != 7 {
		t.Fatalf("after a failure: %d, %v", v, err)
	}
}

// TestSharedSurvivesAPanic: a computation that panics on its own goroutine
// answers its waiting request with an error, and the key is computed
// again afterwards.
func TestSharedSurvivesAPanic(t *testing.T) {
	s := NewShared[string, int](time.Minute, 5*time.Minute, nil)
	if _, _, err := s.Get(context.Background(), "a", func(context.Context) (int, error) { panic("nil map") }); err == nil {
		t.Fatal("a panicking computation answered no error")
	}
	v, _, err := s.Get(context.Background(), "a", func(context.Context) (int, error) { return 7, nil })
	if err != nil || v != 7 {
		t.Fatalf("after a panic: %d, %v", v, err)
	}
}

// counter is a computation that counts its calls and returns the count.
type counter struct{ runs atomic.Int32 }

func (c *counter) compute(context.Context) (int, error) { return int(c.runs.Add(1)), nil }

// lockedBuffer collects a logger's output for a test reading it meanwhile.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// settle waits for the computations under way (refreshes a read started).
func (s *Shared[K, V]) settle() {
	s.mu.Lock()
	var fs []*flight[V]
	for _, e := range s.entries {
		if e.pending != nil {
			fs = append(fs, e.pending)
		}
	}
	s.mu.Unlock()
	for _, f := range fs {
		<-f.done
	}
}

// TestSharedTend: one round of Keep, on a hand-moved clock with the
// service's durations. Each step moves the clock by after, then reads the
// key (get: want is the value served) or runs a round (tend: want is the
// number of computations so far).
func TestSharedTend(t *testing.T) {
	type step struct {
		after time.Duration
		do    string // "get" or "tend"
		want  int
	}
	half := FiguresMaxAge / 2
	cases := []struct {
		name  string
		steps []step
	}{
		{"young figures are left as they are", []step{
			{0, "get", 1}, {half - time.Second, "tend", 1}, {0, "get", 1},
		}},
		{"figures half MaxAge old are refreshed though nobody reads them", []step{
			{0, "get", 1}, {half, "tend", 2}, {half, "tend", 3}, {half, "tend", 4},
		}},
		{"so a reader long after the first figures would have expired does not wait", []step{
			// Without the rounds this read, 7.5 min after the only
			// computation, would wait for a new one (5).
			{0, "get", 1}, {half, "tend", 2}, {half, "tend", 3}, {half, "tend", 4}, {0, "get", 4},
		}},
		{"a key not read for the idle time is dropped and no longer refreshed", []step{
			{0, "get", 1}, {FiguresIdle - time.Second, "tend", 2}, {time.Second, "tend", 2},
			{half, "tend", 2}, {0, "get", 3},
		}},
		{"each read keeps the key for another idle time", []step{
			{0, "get", 1}, {FiguresIdle - time.Second, "tend", 2}, {0, "get", 2}, {FiguresIdle - time.Second, "tend", 3},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)}
			s := NewShared[string, int](FiguresFresh, FiguresMaxAge, c.now)
			var n counter
			for i, st := range tc.steps {
				c.add(st.after)
				switch st.do {
				case "get":
					v, _, err := s.Get(context.Background(), "scope", n.compute)
					if err != nil {
						t.Fatal(err)
					}
					s.settle() // a stale read's refresh would count in the next step
					if v != st.want {
						t.Fatalf("step %d: read %d, want %d", i, v, st.want)
					}
				case "tend":
					s.tend(context.Background(), FiguresIdle, discardLog())
					if got := int(n.runs.Load()); got != st.want {
						t.Fatalf("step %d: %d computations after the round, want %d", i, got, st.want)
					}
				}
			}
		})
	}
}

// TestSharedTendRetriesAFailure: a round tries again the figures whose
// computation failed, and logs the failure.
func TestSharedTendRetriesAFailure(t *testing.T) {
	c := &clock{t: time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)}
	s := NewShared[string, int](FiguresFresh, FiguresMaxAge, c.now)
	fail := true
	compute := func(context.Context) (int, error) {
		if fail {
			return 0, errors.New("database down")
		}
		return 7, nil
	}
	if _, _, err := s.Get(context.Background(), "scope", compute); err == nil {
		t.Fatal("no error")
	}
	var logs lockedBuffer
	s.tend(context.Background(), FiguresIdle, slog.New(slog.NewTextHandler(&logs, nil)))
	if !strings.Contains(logs.String(), "database down") {
		t.Fatalf("the failed refresh was not logged: %q", logs.String())
	}
	fail = false
	s.tend(context.Background(), FiguresIdle, discardLog())
	v, _, err := s.Get(context.Background(), "scope", func(context.Context) (int, error) {
		t.Error("the reader computed: the round did not")
		return 0, nil
	})
	if err != nil || v != 7 {
		t.Fatalf("after the round: %d, %v", v, err)
	}
}

// TestSharedWarmUp: figures computed at start-up serve the first reader,
// who does not compute them.
func TestSharedWarmUp(t *testing.T) {
	c := &clock{t: time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)}
	s := NewShared[string, int](FiguresFresh, FiguresMaxAge, c.now)
	if _, _, err := s.Get(context.Background(), "deployment", func(context.Context) (int, error) { return 42, nil }); err != nil {
		t.Fatal(err)
	}
	c.add(10 * time.Second)
	v, at, err := s.Get(context.Background(), "deployment", func(context.Context) (int, error) {
		t.Error("the first reader computed the figures")
		return 0, nil
	})
	if err != nil || v != 42 || !at.Equal(c.now().Add(-10*time.Second)) {
		t.Fatalf("first read: %d at %v, %v; want the warm-up's 42", v, at, err)
	}
}

// panicClock is a clock that panics once when armed.
type panicClock struct {
	clock
	armed atomic.Bool
}

func (c *panicClock) now() time.Time {
	if c.armed.CompareAndSwap(true, false) {
		panic("clock broken")
	}
	return c.clock.now()
}

// TestSharedKeepSurvivesPanics: the loop goes on after a round that
// panicked (here in the clock) and after a refresh that panicked, and it
// stops with its context.
func TestSharedKeepSurvivesPanics(t *testing.T) {
	c := &panicClock{clock: clock{t: time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)}}
	s := NewShared[string, int](FiguresFresh, FiguresMaxAge, c.now)
	var runs atomic.Int32
	compute := func(context.Context) (int, error) {
		n := runs.Add(1)
		if n == 3 {
			panic("nil map")
		}
		return int(n), nil
	}
	if _, _, err := s.Get(context.Background(), "scope", compute); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		s.Keep(ctx, time.Millisecond, FiguresIdle, slog.New(slog.NewTextHandler(&logs, nil)))
		close(stopped)
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s never happened; log:\n%s", what, logs.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	value := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.entries["scope"].val
	}
	c.armed.Store(true)
	c.add(FiguresMaxAge / 2)
	waitFor("a refresh after the round that panicked", func() bool { return value() == 2 })
	if !strings.Contains(logs.String(), "clock broken") {
		t.Fatalf("the round's panic was not logged:\n%s", logs.String())
	}
	c.add(FiguresMaxAge / 2) // the next refresh panics (3), the one after succeeds (4)
	waitFor("a refresh after the refresh that panicked", func() bool { return value() == 4 })
	if !strings.Contains(logs.String(), "nil map") {
		t.Fatalf("the refresh's panic was not logged:\n%s", logs.String())
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Keep did not stop with its context")
	}
}
