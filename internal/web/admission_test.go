package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
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
	var se *statusErr
	if !errors.As(err, &se) || se.status != 503 || se.code != "busy" {
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

func TestTransitionPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/v1/reviews/12/transitions": true,
		"/reviews/12/transitions":        true,
		"/api/v1/reviews/12":             false,
		"/api/v1/reviews/12/documents":   false,
		"/reviews/x/transitions":         false,
		"/api/v2/reviews/12/transitions": false,
	} {
		if got := transitionPath.MatchString(path); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}

// The app queues transitions, from the API and from pages, before it even
// signs the caller in; other requests pass.
func TestTransitionsWaitTheirTurn(t *testing.T) {
	a, err := New(Deps{Log: slog.New(slog.DiscardHandler), MaxTransitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.admit.enter(context.Background(), 0); err != nil { // the one turn is taken
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/reviews/1/transitions", "/reviews/1/transitions"} {
		_, err := a.fiber.Test(httptest.NewRequest("POST", path, nil), 300)
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("POST %s with no turn free: %v, want it still waiting", path, err)
		}
	}
	resp, err := a.fiber.Test(httptest.NewRequest("GET", "/api/v1/reviews/1", nil), 2000)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("GET a review: %v %v, want 401 at once", resp, err)
	}
	a.admit.leave()
	resp, err = a.fiber.Test(httptest.NewRequest("POST", "/api/v1/reviews/1/transitions", nil), 2000)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("POST a transition with a turn free: %v %v, want 401", resp, err)
	}
}
