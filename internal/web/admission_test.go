package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/testenv"
)

// Requests waiting for a turn get it in the order they came.
func TestAdmissionFirstInFirstOut(t *testing.T) {
	a := make(admission, 1)
	ctx := context.Background()
	if err := a.enter(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.enter(ctx, 10*time.Second); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			a.leave()
		}()
		time.Sleep(50 * time.Millisecond) // let it join the queue before the next one comes
	}
	a.leave()
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("turns went %v, want 0 1 2 3 4 5", order)
		}
	}
	if len(order) != 6 {
		t.Fatalf("%d of 6 got a turn", len(order))
	}
}

// A wait has an end: busy (503) past the bound, the context's error when
// the request goes away; a free turn is taken at once.
func TestAdmissionWaitEnds(t *testing.T) {
	a := make(admission, 2)
	ctx := context.Background()
	for range 2 {
		if err := a.enter(ctx, 0); err != nil {
			t.Fatalf("free turn: %v", err)
		}
	}
	start := time.Now()
	err := a.enter(ctx, 30*time.Millisecond)
	var se *auth.RefusedError
	if !errors.As(err, &se) || se.Status != 503 || se.Reason != "busy" {
		t.Fatalf("full: %v, want 503 busy", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("refused after %v, before the bound", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if err := a.enter(cctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	a.leave()
	if err := a.enter(ctx, 0); err != nil {
		t.Fatalf("after a leave: %v", err)
	}
}

// Only signed-in callers take a turn: with every turn taken, anonymous
// transitions are refused at once (401), while a signed-in caller's waits.
func TestTransitionsWaitTheirTurnAfterSignIn(t *testing.T) {
	s := testenv.DB(t)
	testenv.Demo(t, s)
	authSvc := auth.NewService(s, time.Now)
	a, err := New(Deps{Log: slog.New(slog.DiscardHandler), Auth: authSvc, MaxTransitions: 1, Services: FillServices(s, nil, Services{})})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := s.UserByUsername(ctx, "pingshen")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := authSvc.NewToken(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.admit.enter(ctx, 0); err != nil { // the one turn is taken
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/reviews/1/transitions", "/reviews/1/transitions"} {
		start := time.Now()
		resp, err := a.fiber.Test(httptest.NewRequest("POST", path, strings.NewReader(`{"trigger":"accept"}`)), 2000)
		if err != nil {
			t.Fatalf("anonymous POST %s with no turn free: %v, want an answer at once", path, err)
		}
		if resp.StatusCode != 401 && resp.StatusCode != 302 && resp.StatusCode != 403 {
			t.Errorf("anonymous POST %s: %d, want it refused", path, resp.StatusCode)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("anonymous POST %s took %v", path, d)
		}
	}
	req := httptest.NewRequest("POST", "/api/v1/reviews/1/transitions", strings.NewReader(`{"trigger":"accept"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	if _, err := a.fiber.Test(req, 300); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("signed-in POST with no turn free: %v, want it still waiting", err)
	}
	resp, err := a.fiber.Test(httptest.NewRequest("GET", "/api/v1/reviews/1", nil), 2000)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("GET a review: %v %v, want 401 at once", resp, err)
	}
	a.admit.leave()
}

// The large exports wait their turn: with the one export turn taken, the
// auditor's export and the review list's wait, and each goes ahead as soon
// as the turn is given back; the review list's stream gives its turn back
// when it ends.
func TestExportsWaitTheirTurn(t *testing.T) {
	s := testenv.DB(t)
	testenv.Demo(t, s)
	authSvc := auth.NewService(s, time.Now)
	a, err := New(Deps{Log: slog.New(slog.DiscardHandler), Auth: authSvc, MaxExports: 1, Services: FillServices(s, nil, Services{})})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct{ user, path string }{{"shenji", "/audit/export.xlsx"}, {"pingshen", "/reviews.xlsx"}} {
		u, err := s.UserByUsername(ctx, c.user)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := authSvc.NewSession(ctx, u, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		get := func() *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", c.path, nil)
			req.Header.Set("Cookie", sessionCookie+"="+tok)
			resp, err := a.fiber.Test(req, 5000)
			if err != nil {
				t.Fatalf("%s: %v", c.path, err)
			}
			defer resp.Body.Close()
			rec := httptest.NewRecorder()
			rec.Code = resp.StatusCode
			io.Copy(rec.Body, resp.Body)
			return rec
		}
		if err := a.exports.enter(ctx, 0); err != nil { // the one turn is taken
			t.Fatal(err)
		}
		done := make(chan *httptest.ResponseRecorder, 1)
		go func() { done <- get() }()
		select {
		case rec := <-done:
			t.Fatalf("%s answered %d with no export turn free, want it waiting", c.path, rec.Code)
		case <-time.After(300 * time.Millisecond):
		}
		a.exports.leave()
		if rec := <-done; rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "PK") {
			t.Fatalf("%s after the turn came: %d, %d bytes", c.path, rec.Code, rec.Body.Len())
		}
		if err := a.exports.enter(ctx, time.Second); err != nil {
			t.Fatalf("%s did not give its turn back: %v", c.path, err)
		}
		a.exports.leave()
	}
}

// An export's writer rests as long as the export worked since its last
// block, and does not rest for the time the reader took.
func TestPacedExportRestsAsLongAsItWorked(t *testing.T) {
	slow := writerFunc(func(b []byte) (int, error) { time.Sleep(40 * time.Millisecond); return len(b), nil })
	for _, tc := range []struct {
		name     string
		to       io.Writer
		work     time.Duration
		min, max time.Duration // the second Write's duration, the reader's time included
	}{
		{"a quick reader", io.Discard, 30 * time.Millisecond, 30 * time.Millisecond, 60 * time.Millisecond},
		{"no work between blocks", io.Discard, 0, 0, 10 * time.Millisecond},
		{"a slow reader is not rested again", slow, 0, 40 * time.Millisecond, 70 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &paced{w: tc.to}
			if _, err := w.Write([]byte("a")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(tc.work) // the export's work on its next block
			start := time.Now()
			n, err := w.Write([]byte("bc"))
			took := time.Since(start)
			if err != nil || n != 2 {
				t.Fatalf("Write = %d, %v", n, err)
			}
			if took < tc.min || took > tc.max {
				t.Errorf("second block took %v, want %v–%v", took, tc.min, tc.max)
			}
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
