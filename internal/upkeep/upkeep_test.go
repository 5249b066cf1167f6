package upkeep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

func anchors(t *testing.T, s *store.Store) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRow("SELECT COUNT(*) FROM audit_events WHERE stream = 'anchor'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAnchorOncePerDayAcrossInstances: eight instances ticking at once,
// again and again, record one anchor a day.
func TestAnchorOncePerDayAcrossInstances(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	day := time.Date(2026, 12, 6, 0, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for d := 0; d < 2; d++ {
		now := day.AddDate(0, 0, d)
		var wg sync.WaitGroup
		var anchored atomic.Int32
		for i := 0; i < 8; i++ {
			r := New(Options{Store: s, Instance: fmt.Sprintf("app-%d", i), Now: func() time.Time { return now }})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < 3; k++ {
					ok, err := r.AnchorDay(ctx, now.Add(time.Duration(k)*time.Minute))
					if err != nil {
						t.Error(err)
					}
					if ok {
						anchored.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if got := anchored.Load(); got != 1 {
			t.Errorf("day %d: %d instances anchored, want 1", d, got)
		}
		if got := anchors(t, s); got != d+1 {
			t.Errorf("after day %d: %d anchor events, want %d", d, got, d+1)
		}
	}
}

// TestStaleClaimIsTakenOver: an instance that died after claiming leaves
// the day to another, which anchors unless the anchor is already there.
func TestStaleClaimIsTakenOver(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.FixedZone("CST", 8*3600))
	if _, err := s.DB.Exec("INSERT INTO daily_jobs (job, day, instance, state, claimed_at) VALUES (?, '2026-12-06', 'dead', 'running', ?)",
		AnchorJob, now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	fresh := New(Options{Store: s, Instance: "a"})
	if ok, err := fresh.AnchorDay(ctx, now.Add(-90*time.Minute)); err != nil || ok {
		t.Fatalf("a fresh claim was taken over: %v %v", ok, err)
	}
	if ok, err := New(Options{Store: s, Instance: "b"}).AnchorDay(ctx, now); err != nil || !ok {
		t.Fatalf("stale claim not taken over: %v %v", ok, err)
	}
	if n := anchors(t, s); n != 1 {
		t.Fatalf("%d anchors, want 1", n)
	}
	// Died after anchoring, before finishing: the take-over does not anchor again.
	if _, err := s.DB.Exec("UPDATE daily_jobs SET state = 'running', claimed_at = ? WHERE job = ?", now.Add(-2*time.Hour), AnchorJob); err != nil {
		t.Fatal(err)
	}
	if ok, err := New(Options{Store: s, Instance: "c"}).AnchorDay(ctx, now); err != nil || ok {
		t.Fatalf("anchored twice: %v %v", ok, err)
	}
	if n := anchors(t, s); n != 1 {
		t.Fatalf("%d anchors, want 1", n)
	}
}

func TestPurgeRemovesOnlyExpiredSessionsAndTokens(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	now := time.Now()
	testenv.Demo(t, s)
	var uid int64
	if err := s.DB.QueryRow("SELECT id FROM users WHERE username = 'admin'").Scan(&uid); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec("DELETE FROM sessions"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec("DELETE FROM api_tokens"); err != nil {
		t.Fatal(err)
	}
	for i, exp := range []time.Time{now.Add(-time.Minute), now.Add(time.Hour)} {
		if err := s.InsertSession(ctx, store.Session{ID: fmt.Sprintf("%064d", i), UserID: uid, CSRFToken: fmt.Sprintf("%064d", i),
			CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: exp}, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.InsertAPIToken(ctx, fmt.Sprintf("%064d", i), uid, now.Add(-2*time.Hour), exp); err != nil {
			t.Fatal(err)
		}
	}
	New(Options{Store: s, Now: func() time.Time { return now }}).Tick(ctx)
	var sessions, tokens int
	_ = s.DB.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&sessions)
	_ = s.DB.QueryRow("SELECT COUNT(*) FROM api_tokens").Scan(&tokens)
	if sessions != 1 || tokens != 1 {
		t.Errorf("after purge: %d sessions, %d tokens; want the live one of each", sessions, tokens)
	}
}

// TestAJobThatPanicsDoesNotStopTheLoop.
func TestAJobThatPanicsDoesNotStopTheLoop(t *testing.T) {
	r := New(Options{Interval: 5 * time.Millisecond})
	var ran atomic.Int32
	r.jobs = []job{
		{"bad", func(context.Context, time.Time) error { panic("poison row") }},
		{"good", func(context.Context, time.Time) error { ran.Add(1); return nil }},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r.Run(ctx)
	if ran.Load() < 3 {
		t.Errorf("the good job ran %d times beside a panicking one", ran.Load())
	}
}

// TestNothingDeletesAuditOrAccessLogs keeps audit events and document
// access logs out of every DELETE, TRUNCATE and DROP in the application.
func TestNothingDeletesAuditOrAccessLogs(t *testing.T) {
	re := regexp.MustCompile("(?is)(DELETE\\s+(\\w+\\s+)?FROM|TRUNCATE(\\s+TABLE)?|DROP\\s+TABLE(\\s+IF\\s+EXISTS)?)\\s+`?(audit_events|document_access)\\b")
	root := filepath.Join("..", "..")
	var checked int
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() && (fi.Name() == "var" || fi.Name() == "bin" || strings.HasPrefix(fi.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if fi.IsDir() || strings.HasSuffix(p, "_test.go") || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".sql")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		if m := re.Find(b); m != nil {
			t.Errorf("%s: %q deletes audit or access records, which are kept at least %d days", p, m, RetainAuditDays)
		}
		return nil
	})
	if err != nil || checked < 50 {
		t.Fatalf("walked %d files: %v", checked, err)
	}
}
