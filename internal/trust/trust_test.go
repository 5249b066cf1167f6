package trust

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// value is a value with an end of its own, as a session has.
type value struct {
	n    int
	ends time.Time
}

func live(v value, now time.Time) bool { return v.ends.IsZero() || now.Before(v.ends) }

// put stores v as k at now, as a look-up that began at now would.
func put(c *Map[string, value], k string, v value, now time.Time) {
	_, seen, _ := c.Get(k, now)
	c.Put(k, v, seen, now)
}

func TestGetTrustsAValueForAWhile(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    value
		at   time.Duration // after the read
		want bool
	}{
		{"right after the read", value{n: 1}, 0, true},
		{"just before the trust ends", value{n: 1}, 5*time.Second - time.Nanosecond, true},
		{"when the trust ends", value{n: 1}, 5 * time.Second, false},
		{"after the trust", value{n: 1}, time.Minute, false},
		{"before its own end", value{n: 1, ends: t0.Add(2 * time.Second)}, time.Second, true},
		{"at its own end, though trusted", value{n: 1, ends: t0.Add(2 * time.Second)}, 2 * time.Second, false},
		{"ended before it was read", value{n: 1, ends: t0.Add(-time.Second)}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New[string](5*time.Second, 8, live)
			put(c, "k", tc.v, t0)
			got, _, ok := c.Get("k", t0.Add(tc.at))
			if ok != tc.want || (ok && got != tc.v) {
				t.Fatalf("Get = %v, %v; want %v", got, ok, tc.want)
			}
			if !tc.want {
				if _, _, ok := c.Get("k", t0); ok {
					t.Error("a value no longer trusted was kept")
				}
			}
		})
	}
}

func TestAFullMapDropsWhatItNoLongerTrustsFirst(t *testing.T) {
	const trust, max = 5 * time.Second, 3
	for _, tc := range []struct {
		name  string
		fill  []time.Duration // when each of max values was read
		ends  time.Time       // the first value's own end
		at    time.Duration   // when one more is read
		kept  []string        // which of the first max values are still answered for
		extra bool            // whether the new one is kept
	}{
		{"not full: nothing dropped", []time.Duration{0, 1 * time.Second}, time.Time{}, 2 * time.Second, []string{"a", "b"}, true},
		{"full, all trusted: starts afresh", []time.Duration{0, 1 * time.Second, 2 * time.Second}, time.Time{}, 3 * time.Second, nil, true},
		{"full, one no longer trusted: only it dropped", []time.Duration{0, 3 * time.Second, 4 * time.Second}, time.Time{}, 6 * time.Second, []string{"b", "c"}, true},
		{"full, one past its own end: only it dropped", []time.Duration{0, 0, 0}, t0.Add(time.Second), 2 * time.Second, []string{"b", "c"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New[string](trust, max, live)
			for i, at := range tc.fill {
				v := value{n: i}
				if i == 0 {
					v.ends = tc.ends
				}
				put(c, string(rune('a'+i)), v, t0.Add(at))
			}
			now := t0.Add(tc.at)
			put(c, "new", value{n: 99}, now)
			if _, _, ok := c.Get("new", now); ok != tc.extra {
				t.Errorf("the new value kept: %v, want %v", ok, tc.extra)
			}
			var kept []string
			for i := range tc.fill {
				if _, _, ok := c.Get(string(rune('a'+i)), now); ok {
					kept = append(kept, string(rune('a'+i)))
				}
			}
			if !slices.Equal(kept, tc.kept) {
				t.Errorf("kept %v, want %v", kept, tc.kept)
			}
			if n := len(c.m); n > max {
				t.Errorf("%d values held, the bound is %d", n, max)
			}
		})
	}
}

// TestALookUpBegunBeforeAForgetIsNotStored: a look-up that began before a
// forget may have read what was just changed; it is not kept, and the next
// one is.
func TestALookUpBegunBeforeAForgetIsNotStored(t *testing.T) {
	for _, tc := range []struct {
		name   string
		forget func(c *Map[string, value])
	}{
		{"the same key", func(c *Map[string, value]) { c.Forget("k") }},
		{"another key", func(c *Map[string, value]) { c.Forget("other") }},
		{"by a condition", func(c *Map[string, value]) { c.ForgetIf(func(string, value) bool { return false }) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New[string](5*time.Second, 8, live)
			_, seen, ok := c.Get("k", t0)
			if ok {
				t.Fatal("an empty map answered")
			}
			tc.forget(c)
			c.Put("k", value{n: 1}, seen, t0)
			if _, _, ok := c.Get("k", t0); ok {
				t.Fatal("a value read before a forget was kept")
			}
			put(c, "k", value{n: 2}, t0)
			if v, _, ok := c.Get("k", t0); !ok || v.n != 2 {
				t.Fatalf("a value read after the forget: %v, %v", v, ok)
			}
		})
	}
}

func TestForget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		forget func(c *Map[string, value])
		kept   []string
	}{
		{"one key", func(c *Map[string, value]) { c.Forget("a") }, []string{"b", "c"}},
		{"a key it does not hold", func(c *Map[string, value]) { c.Forget("x") }, []string{"a", "b", "c"}},
		{"by value", func(c *Map[string, value]) { c.ForgetIf(func(_ string, v value) bool { return v.n == 7 }) }, []string{"c"}},
		{"by key", func(c *Map[string, value]) { c.ForgetIf(func(k string, _ value) bool { return k != "b" }) }, []string{"b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New[string](5*time.Second, 8, live)
			put(c, "a", value{n: 7}, t0)
			put(c, "b", value{n: 7}, t0)
			put(c, "c", value{n: 8}, t0)
			tc.forget(c)
			var kept []string
			for _, k := range []string{"a", "b", "c"} {
				if _, _, ok := c.Get(k, t0); ok {
					kept = append(kept, k)
				}
			}
			if !slices.Equal(kept, tc.kept) {
				t.Errorf("kept %v, want %v", kept, tc.kept)
			}
		})
	}
}

// TestUpdateKeepsTheValueNoLonger: an updated value (a touched session)
// is trusted until the time it was read, however late its new end.
func TestUpdateKeepsTheValueNoLonger(t *testing.T) {
	c := New[string](5*time.Second, 8, live)
	put(c, "k", value{n: 1, ends: t0.Add(time.Second)}, t0)
	c.Update("k", func(v value) value { v.n, v.ends = 2, t0.Add(time.Hour); return v })
	c.Update("absent", func(v value) value { t.Error("an absent key was updated"); return v })
	if v, _, ok := c.Get("k", t0.Add(2*time.Second)); !ok || v.n != 2 {
		t.Fatalf("the updated value: %v, %v; want it with its new end", v, ok)
	}
	if _, _, ok := c.Get("k", t0.Add(5*time.Second)); ok {
		t.Fatal("an update made the value trusted longer")
	}
	if _, _, ok := c.Get("absent", t0); ok {
		t.Fatal("an update stored an absent key")
	}
}

func TestLoad(t *testing.T) {
	errRead := errors.New("read failed")
	for _, tc := range []struct {
		name      string
		reads     []error       // what each read returns, in turn
		at        time.Duration // when the second Load is
		wantReads int
		wantErr   error
	}{
		{"trusted: read once", []error{nil}, time.Second, 1, nil},
		{"after the trust: read again", []error{nil, nil}, 5 * time.Second, 2, nil},
		{"a failed read is not kept", []error{errRead, nil}, 0, 2, nil},
		{"a failed read is returned", []error{nil, errRead}, time.Minute, 2, errRead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New[string, int](5*time.Second, 8, nil)
			reads := 0
			read := func() (int, error) {
				err := tc.reads[reads]
				reads++
				return reads, err
			}
			_, _ = c.Load("k", t0, read)
			v, err := c.Load("k", t0.Add(tc.at), read)
			if reads != tc.wantReads || !errors.Is(err, tc.wantErr) {
				t.Fatalf("%d reads, %v; want %d, %v", reads, err, tc.wantReads, tc.wantErr)
			}
			if err != nil && v != 0 {
				t.Errorf("a failed read answered %d", v)
			}
		})
	}
}

// TestLoadBegunBeforeAForget: the read of a Load that a forget overtakes
// is answered, not kept.
func TestLoadBegunBeforeAForget(t *testing.T) {
	c := New[string, int](5*time.Second, 8, nil)
	v, err := c.Load("k", t0, func() (int, error) { c.Forget("k"); return 1, nil })
	if err != nil || v != 1 {
		t.Fatalf("Load = %d, %v", v, err)
	}
	if _, _, ok := c.Get("k", t0); ok {
		t.Fatal("a value read before a forget was kept")
	}
}

// TestConcurrentUse is for the race detector: look-ups, updates and
// forgets from many goroutines, over a map bound to less than they use.
func TestConcurrentUse(t *testing.T) {
	c := New[int](time.Second, 16, live)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k, now := (g*500+i)%40, t0.Add(time.Duration(i)*time.Millisecond)
				v, err := c.Load(k, now, func() (value, error) { return value{n: k}, nil })
				if err != nil || v.n != k {
					t.Errorf("Load(%d) = %v, %v", k, v, err)
					return
				}
				switch i % 7 {
				case 0:
					c.Forget(k)
				case 3:
					c.ForgetIf(func(h int, _ value) bool { return h%5 == g%5 })
				case 5:
					c.Update(k, func(v value) value { v.ends = now.Add(time.Second); return v })
				}
			}
		}()
	}
	wg.Wait()
	if n := len(c.m); n > 16 {
		t.Fatalf("%d values held, the bound is 16", n)
	}
}
