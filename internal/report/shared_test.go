package report

import (
	"context"
	"errors"
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
