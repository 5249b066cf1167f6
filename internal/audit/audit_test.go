package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
	day0     = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
)

const dayStream = "day:2026-11-23"

func appendEvents(t *testing.T, s *store.Store, from, n int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < from+n; i++ {
		err := s.InTx(ctx, func(q *store.Queries) error {
			_, err := audit.Append(ctx, q, day0.Add(time.Duration(i)*time.Minute), audit.Entry{ActorName: "测试", Action: "login",
				ObjectType: "user", ObjectID: "u1", Detail: map[string]int{"i": i}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// chain writes five events of one day and an anchor into a fresh database
// whose store holds the anchor key.
func chain(t *testing.T) *store.Store {
	t.Helper()
	s := testenv.DB(t)
	s.SetAuditKey(testKey)
	appendEvents(t, s, 0, 5)
	if err := audit.Anchor(context.Background(), s, day0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return s
}

func exec(t *testing.T, s *store.Store, query string, args ...any) {
	t.Helper()
	if _, err := s.DB.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

// recompute rewrites the detail of the day stream's event seq and
// recomputes the chain from there and its stored head, as an attacker with
// database access can.
func recompute(t *testing.T, s *store.Store, seq int64, detail string) string {
	t.Helper()
	events, err := s.StreamEvents(context.Background(), dayStream)
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, e := range events {
		if e.Seq == seq {
			e.Detail = detail
		}
		if e.Seq >= seq {
			e.PrevHash = prev
			e.Hash = audit.Hash(e)
			exec(t, s, "UPDATE audit_events SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?", e.Detail, e.PrevHash, e.Hash, e.ID)
		}
		prev = e.Hash
	}
	exec(t, s, "UPDATE audit_heads SET hash = ? WHERE stream = ?", prev, dayStream)
	return prev
}

func verify(t *testing.T, s *store.Store) audit.Result {
	t.Helper()
	res, err := audit.Verify(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestChainVerifiesAndDetectsTampering(t *testing.T) {
	ctx := context.Background()
	s := chain(t)
	if res := verify(t, s); !res.OK || res.Events != 6 {
		t.Fatalf("intact chain: %+v", res)
	}
	// The chain goes on after an anchor, and the next anchor vouches for it.
	appendEvents(t, s, 5, 2)
	if res := verify(t, s); !res.OK || res.Events != 8 {
		t.Fatalf("chain grown after the anchor: %+v", res)
	}
	if err := audit.Anchor(ctx, s, day0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if res := verify(t, s); !res.OK || res.Events != 9 {
		t.Fatalf("second anchor: %+v", res)
	}

	tests := []struct {
		name   string
		tamper func(t *testing.T, s *store.Store)
		want   string
	}{
		{"detail rewritten", func(t *testing.T, s *store.Store) {
			exec(t, s, "UPDATE audit_events SET detail = '{\"i\":99}' WHERE seq = 3 AND stream = ?", dayStream)
		}, "哈希链断裂"},
		{"last event removed", func(t *testing.T, s *store.Store) {
			exec(t, s, "DELETE FROM audit_events WHERE seq = 5 AND stream = ?", dayStream)
		}, "不一致"},
		{"actor changed", func(t *testing.T, s *store.Store) {
			exec(t, s, "UPDATE audit_events SET actor_name = '他人' WHERE seq = 1 AND stream = ?", dayStream)
		}, "哈希链断裂"},
		{"chain recomputed with its head", func(t *testing.T, s *store.Store) {
			recompute(t, s, 3, `{"i":99}`)
		}, "链被重算"},
		{"tail cut and head moved back", func(t *testing.T, s *store.Store) {
			var hash string
			if err := s.DB.QueryRow("SELECT hash FROM audit_events WHERE stream = ? AND seq = 3", dayStream).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			exec(t, s, "DELETE FROM audit_events WHERE stream = ? AND seq > 3", dayStream)
			exec(t, s, "UPDATE audit_heads SET seq = 3, hash = ? WHERE stream = ?", hash, dayStream)
		}, "链尾被截断"},
		{"a day's stream deleted with its head", func(t *testing.T, s *store.Store) {
			exec(t, s, "DELETE FROM audit_events WHERE stream = ?", dayStream)
			exec(t, s, "DELETE FROM audit_heads WHERE stream = ?", dayStream)
		}, "已不存在"},
		{"anchor rewritten to match a recomputed chain", func(t *testing.T, s *store.Store) {
			head := recompute(t, s, 3, `{"i":99}`)
			exec(t, s, "UPDATE audit_anchor_heads SET hash = ? WHERE stream = ?", head, dayStream)
		}, "校验码不符"},
		{"anchor forged without the key", func(t *testing.T, s *store.Store) {
			recompute(t, s, 3, `{"i":99}`)
			forger := store.New(s.DB)
			forger.SetAuditKey(otherKey)
			if err := audit.Anchor(ctx, forger, day0.Add(3*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}, "校验码不符"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := chain(t)
			tt.tamper(t, s)
			res := verify(t, s)
			if res.OK || !strings.Contains(strings.Join(res.Problems, "\n"), tt.want) {
				t.Fatalf("tampering not detected (want %q): %+v", tt.want, res)
			}
		})
	}
}

// TestAnchorNeedsTheKey: no anchor without a key, and anchors that cannot
// be checked do not pass.
func TestAnchorNeedsTheKey(t *testing.T) {
	ctx := context.Background()
	s := chain(t)
	keyless := store.New(s.DB)
	if err := audit.Anchor(ctx, keyless, day0.Add(2*time.Hour)); err != audit.ErrNoKey {
		t.Fatalf("anchor without a key: %v", err)
	}
	if res := verify(t, keyless); res.OK {
		t.Fatalf("anchors verified without the key: %+v", res)
	}
}

// TestLoadKey: a missing key file is created once, with a random key only
// its owner reads; a short key is refused.
func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "var", "audit.key")
	k1, err := audit.LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := audit.LoadKey(path)
	if err != nil || string(k1) != string(k2) || len(k1) < 32 {
		t.Fatalf("second load: %v, same %v, %d bytes", err, string(k1) == string(k2), len(k1))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("too short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.LoadKey(short); err == nil {
		t.Fatal("a short key was accepted")
	}
}

// TestRecordAppendsToTheChain: an event recorded in a transaction of its
// own joins its day's chain, which still verifies.
func TestRecordAppendsToTheChain(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	appendEvents(t, s, 0, 2)
	if err := audit.Record(ctx, s, day0.Add(time.Hour), audit.Entry{ActorID: 7, ActorName: "张三", Action: "download",
		ObjectType: "fee_statement", ObjectID: "12", Detail: map[string]string{"format": "pdf"}}); err != nil {
		t.Fatal(err)
	}
	events, err := s.StreamEvents(ctx, dayStream)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events in the day's stream, want 3", len(events))
	}
	e := events[2]
	if e.Seq != 3 || e.ActorID != 7 || e.ActorName != "张三" || e.Action != "download" || e.ObjectID != "12" ||
		e.Detail != `{"format":"pdf"}` || e.PrevHash != events[1].Hash || e.Hash != audit.Hash(e) {
		t.Fatalf("recorded event %+v does not continue the chain after %+v", e, events[1])
	}
}
