package notice_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"finreview/internal/review/notice"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestMain lets the test binary act as a dispatcher process: with
// FINREVIEW_NOTICE_CHILD_DSN set it runs one against that database and
// gateway until it is killed.
func TestMain(m *testing.M) {
	if dsn := os.Getenv("FINREVIEW_NOTICE_CHILD_DSN"); dsn != "" {
		os.Exit(runChild(dsn, os.Getenv("FINREVIEW_NOTICE_CHILD_GATEWAY"), os.Getenv("FINREVIEW_NOTICE_CHILD_NAME")))
	}
	os.Exit(m.Run())
}

func runChild(dsn, gw, name string) int {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	d := notice.NewDispatcher(notice.Options{Store: store.New(db), Instance: name, Interval: 50 * time.Millisecond,
		Log:   slog.New(slog.NewTextHandler(os.Stderr, nil)),
		SMS:   notice.NewGateway(notice.GatewayOptions{URL: gw, Key: "k", Timeout: 2 * time.Second}),
		Batch: 2, SendTimeout: 500 * time.Millisecond, Backoff: 100 * time.Millisecond, Quiet: &notice.Quiet{}})
	d.Run(ctx)
	return 0
}

// A dispatcher killed with SIGKILL in the middle of a send, after the
// gateway took the message but before it answered, loses nothing and
// doubles nothing: once its lease runs out, one of two dispatchers running
// at once sends the message again with the same id, which the gateway
// drops as already delivered. Only that message is ever sent twice.
func TestDispatcherKilledMidSendTwoInstances(t *testing.T) {
	f := newFixture(t)
	f.exec("UPDATE users SET sms_quiet = '' WHERE id = ?", f.user)
	const notices = 30
	f.notify(f.user, notices, "delegated")
	var dbName string
	if err := f.s.DB.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	dsn := testenv.DSN(t, dbName)

	g := newGateway(t)
	g.set(func(g *gateway) { g.delay = 20 * time.Millisecond })
	var (
		mu     sync.Mutex
		first  *exec.Cmd
		killed = make(chan string, 1)
	)
	// The fifth request kills its sender before the gateway answers: the
	// message is taken, the dispatcher never learns it.
	g.set(func(g *gateway) {
		g.onRequest = func(n int, id string) {
			if n != 5 {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if err := first.Process.Signal(syscall.SIGKILL); err != nil {
				t.Errorf("kill: %v", err)
			}
			killed <- id
		}
	})
	start := func(name string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "FINREVIEW_NOTICE_CHILD_DSN="+dsn, "FINREVIEW_NOTICE_CHILD_GATEWAY="+g.URL,
			"FINREVIEW_NOTICE_CHILD_NAME="+name)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	mu.Lock()
	first = start("first")
	mu.Unlock()
	var lostID string
	select {
	case lostID = <-killed:
	case <-time.After(60 * time.Second):
		first.Process.Kill()
		t.Fatal("the first dispatcher never reached its fifth send")
	}
	first.Wait()

	a, b := start("second"), start("third")
	defer func() {
		for _, c := range []*exec.Cmd{a, b} {
			c.Process.Kill()
			c.Wait()
		}
	}()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var left int
		if err := f.s.DB.QueryRow("SELECT COUNT(*) FROM notice_deliveries WHERE state <> 'delivered'").Scan(&left); err != nil {
			t.Fatal(err)
		}
		var total int
		f.s.DB.QueryRow("SELECT COUNT(*) FROM notice_deliveries").Scan(&total)
		if left == 0 && total == notices {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries still not delivered", left, total)
		}
		time.Sleep(100 * time.Millisecond)
	}

	reqs, seen := g.snapshot()
	keys := map[string]bool{}
	rows, err := f.s.DB.Query("SELECT idem_key FROM notice_deliveries")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys[k] = true
	}
	rows.Close()
	for k := range keys {
		if seen[k] != 1 {
			t.Errorf("notice %s reached the phone %d times, want once", k, seen[k])
		}
	}
	if len(seen) != notices {
		t.Errorf("the gateway delivered %d distinct ids, want %d", len(seen), notices)
	}
	sent := map[string]int{}
	for _, r := range reqs {
		sent[r.ID]++
	}
	for id, n := range sent {
		if n > 1 && id != lostID {
			t.Errorf("%s was sent %d times though no sender of it died", id, n)
		}
	}
	if sent[lostID] != 2 {
		t.Errorf("the message cut short was sent %d times, want 2 (once more after the lease)", sent[lostID])
	}
	// The attempts of the killed dispatcher's last claim (the cut send and
	// the one after it in the batch) stay recorded without an outcome.
	var open, others sql.NullInt64
	f.s.DB.QueryRow(`SELECT SUM(instance LIKE 'first#%'), SUM(instance NOT LIKE 'first#%') FROM notice_attempts
		WHERE ended_at IS NULL`).Scan(&open, &others)
	if open.Int64 < 1 || others.Int64 != 0 {
		t.Errorf("attempts without an outcome: %d of the killed dispatcher, %d of others; want ≥ 1 and 0", open.Int64, others.Int64)
	}
}
