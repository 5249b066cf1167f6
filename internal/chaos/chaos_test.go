package chaos

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestServerChaos builds the server once and runs the process-level
// failure scenarios against it, each on its own database and bucket.
func TestServerChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real server processes")
	}
	bin := buildServer(t)
	t.Run("kill -9 during transitions uploads and deadline firing", func(t *testing.T) { killNine(t, bin) })
	t.Run("two servers against one database", func(t *testing.T) { twoServers(t, bin) })
	t.Run("object store stopped and started", func(t *testing.T) { objectStoreOutage(t, bin) })
	t.Run("database restarted under load", func(t *testing.T) { databaseRestart(t, bin) })
}

var projectCodes = []string{"LH-2026-001", "LH-2026-002", "LH-2026-003", "LH-2026-004", "LH-2026-005", "LH-2026-006",
	"LH-2026-007", "LH-2026-008", "LH-2026-009", "LH-2026-010", "LH-2026-011", "LH-2026-012"}

// pushOpinionDeadlines makes every pending opinion deadline due a minute ago.
func (w *world) pushOpinionDeadlines() {
	_, _ = w.s.DB.Exec("UPDATE deadlines SET due_at = NOW(6) - INTERVAL 1 MINUTE WHERE kind = 'opinion' AND state = 'pending' AND due_at > NOW(6)")
}

func killNine(t *testing.T, bin string) {
	w := newWorld(t, bin)
	addr := freeAddr(t)
	sv := w.start("chaos-1", addr)
	c := newClient(t, func() string { return "http://" + addr })
	ids := w.createReviews(c, projectCodes)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var uploads, refused atomic.Int64
	firedKill := false
	// Four drivers move the reviews toward opinion_sent.
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				done := true
				for i := g; i < len(ids); i += 4 {
					if _, ok := w.drive(c, ids[i], "deemed_agreed"); !ok {
						done = false
					}
				}
				if done {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	// One uploader sends 1 MB documents all along.
	upCtx, stopUploads := context.WithCancel(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; upCtx.Err() == nil && i < 400; i++ {
			status, v, err := c.upload("jianshe", ids[i%len(ids)], "supplement", 1<<20)
			switch {
			case err != nil:
				time.Sleep(50 * time.Millisecond)
			case status == 201:
				uploads.Add(1)
			case status >= 500:
				t.Errorf("upload: %d %v", status, v)
			default:
				if refused.Add(1) == 1 {
					t.Logf("first refused upload: %d %v", status, v)
				}
			}
		}
	}()
	// Opinion deadlines fall due as soon as they exist.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			w.pushOpinionDeadlines()
			time.Sleep(100 * time.Millisecond)
		}
	}()

	// Kill in the middle of it all, restarting each time, until the
	// deadline engine has begun deeming opinions agreed (so one kill lands
	// while deadlines fire), at most eight times.
	for round := 2; round <= 9; round++ {
		fired := w.count("SELECT COUNT(*) FROM review_events WHERE trig = 'deem_agreed'")
		if fired > 0 && fired < len(ids) && round > 4 {
			time.Sleep(50 * time.Millisecond)
		} else if fired == len(ids) {
			break
		} else {
			time.Sleep(300 * time.Millisecond)
		}
		if sv.panics() {
			t.Errorf("server panicked:\n%s", sv.output())
		}
		sv.kill()
		t.Logf("killed after %d uploads; states %v", uploads.Load(), w.states(ids))
		if fired > 0 && fired < len(ids) && round > 4 {
			firedKill = true
		}
		sv = w.start("chaos-"+strconv.Itoa(round), addr)
	}

	// After the last restart everything must finish: every due deadline fires.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && w.count("SELECT COUNT(*) FROM reviews WHERE state <> 'deemed_agreed'") > 0 {
		time.Sleep(200 * time.Millisecond)
	}
	stopUploads()
	cancel()
	wg.Wait()
	if sv.panics() {
		t.Errorf("server panicked:\n%s", sv.output())
	}
	sv.kill()

	if n := w.count("SELECT COUNT(*) FROM reviews WHERE state <> 'deemed_agreed'"); n != 0 {
		t.Errorf("%d reviews never reached deemed_agreed: %v", n, w.states(ids))
	}
	if n := w.count("SELECT COUNT(*) FROM deadlines WHERE state = 'pending' AND kind = 'opinion' AND due_at < NOW(6)"); n != 0 {
		t.Errorf("%d due opinion deadlines never fired", n)
	}
	if n := w.count("SELECT COUNT(*) FROM review_events WHERE trig = 'deem_agreed'"); n != len(ids) {
		t.Errorf("%d deem_agreed events for %d reviews", n, len(ids))
	}
	t.Logf("a kill landed while deadlines were firing: %v", firedKill)
	if uploads.Load() == 0 {
		t.Error("no upload succeeded")
	}
	t.Logf("%d uploads stored, %d refused", uploads.Load(), refused.Load())
	w.checkInvariants()
}

func (w *world) states(ids []int64) map[string]int {
	out := map[string]int{}
	for _, id := range ids {
		out[w.state(id)]++
	}
	return out
}

// twoServers runs two processes on one database: conflicting transitions
// sent to both at once are won by exactly one, and deadlines fire once.
func twoServers(t *testing.T, bin string) {
	w := newWorld(t, bin)
	a := w.start("twin-a", "")
	b := w.start("twin-b", "")
	ca := newClient(t, func() string { return "http://" + a.addr })
	cb := newClient(t, func() string { return "http://" + b.addr })
	ids := w.createReviews(ca, projectCodes[:8])
	// Sign-ins at once on both servers: each appends to the same audit
	// stream of the day and must be serialised, not deadlocked into a 500.
	var signins sync.WaitGroup
	for i := range 16 {
		signins.Add(1)
		go func() {
			defer signins.Done()
			c := []*client{ca, cb}[i%2]
			user := []string{"pingshen", "caizheng", "jianshe", "admin"}[i%4]
			if _, err := c.token(user); err != nil {
				t.Errorf("concurrent sign-in: %v", err)
			}
		}()
	}
	signins.Wait()
	if t.Failed() {
		t.Logf("server logs:\n%s\n%s", a.output(), b.output())
	}

	steps := []struct{ user, trigger, want string }{
		{"jianshe", "submit", "submitted"},
		{"caizheng", "issue_notice", "notified"},
		{"pingshen", "accept", "accepted"},
		{"pingshen", "delegate", "delegated"},
	}
	for _, st := range steps {
		for i, id := range ids {
			withVersion := i%2 == 0
			var version any
			if withVersion {
				version = w.count("SELECT version FROM reviews WHERE id = ?", id)
			}
			body := map[string]any{"trigger": st.trigger}
			if withVersion {
				body["version"] = version
			}
			path := "/api/v1/reviews/" + strconv.FormatInt(id, 10) + "/transitions"
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for k, c := range []*client{ca, cb} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, v, err := c.call("POST", path, st.user, body)
					if err != nil {
						t.Errorf("%s: %v", st.trigger, err)
					}
					if status != 200 && status != 409 {
						t.Errorf("%s on %d: %d %v", st.trigger, id, status, v)
					}
					statuses[k] = status
				}()
			}
			wg.Wait()
			won := 0
			for _, s := range statuses {
				if s == 200 {
					won++
				}
			}
			if won != 1 {
				t.Errorf("%s on review %d (version given: %v): statuses %v, want exactly one 200", st.trigger, id, withVersion, statuses)
			}
			if got := w.state(id); got != st.want {
				t.Errorf("review %d after %s: %s, want %s", id, st.trigger, got, st.want)
			}
			if n := w.count("SELECT COUNT(*) FROM review_events WHERE review_id = ? AND trig = ?", id, st.trigger); n != 1 {
				t.Errorf("review %d has %d %s events, want 1", id, n, st.trigger)
			}
		}
	}
	// Both engines run; each opinion deadline fires once.
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		done := true
		for i, id := range ids {
			c := ca
			if i%2 == 1 {
				c = cb
			}
			if _, ok := w.drive(c, id, "deemed_agreed"); !ok {
				done = false
			}
		}
		w.pushOpinionDeadlines()
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := w.states(ids); st["deemed_agreed"] != len(ids) {
		t.Errorf("states %v, want all deemed_agreed", st)
	}
	var firedBy string
	_ = w.s.DB.QueryRow("SELECT GROUP_CONCAT(DISTINCT fired_by) FROM deadlines WHERE kind = 'opinion' AND state = 'fired'").Scan(&firedBy)
	t.Logf("opinion deadlines fired by %s", firedBy)
	for _, sv := range []*server{a, b} {
		if sv.panics() {
			t.Errorf("%s panicked:\n%s", sv.name, sv.output())
		}
		sv.kill()
	}
	w.checkInvariants()
}
