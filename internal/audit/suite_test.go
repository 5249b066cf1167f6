package audit_test

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"finreview/internal/audit"
	"finreview/internal/cryptosuite"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestSM3ChainVerifiesAndDetectsTampering: an installation that chose 国密
// chains its audit trail with SM3 (GB/T 32905) and keys its anchors with
// HMAC-SM3; verification follows the recorded suite, and a tampered event,
// or a chain recomputed with SHA-256, fails.
func TestSM3ChainVerifiesAndDetectsTampering(t *testing.T) {
	ctx := context.Background()
	gm := func(t *testing.T) *store.Store {
		s := testenv.DB(t)
		if err := s.RecordSuite(ctx, cryptosuite.GM); err != nil {
			t.Fatal(err)
		}
		s.SetAuditKey(testKey)
		appendEvents(t, s, 0, 5)
		if err := audit.Anchor(ctx, s, day0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := gm(t)
	events, err := s.StreamEvents(ctx, dayStream)
	if err != nil || len(events) != 5 {
		t.Fatalf("events %d, %v", len(events), err)
	}
	// The first link, hashed here with SM3 directly.
	e := events[0]
	h := sm3.New()
	for _, f := range []string{e.PrevHash, e.Stream, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(e.ActorID, 10), e.ActorName, e.Action, strconv.FormatInt(e.ReviewID, 10), e.ObjectType, e.ObjectID, e.Detail} {
		h.Write([]byte(strconv.Itoa(len(f)) + ":" + f))
	}
	if want := hex.EncodeToString(h.Sum(nil)); e.Hash != want || e.Hash == audit.Hash(e) {
		t.Fatalf("first event's hash %s, want its SM3 %s", e.Hash, want)
	}
	if res := verify(t, s); !res.OK || res.Algorithm != "sm3" || res.Events != 6 {
		t.Fatalf("intact SM3 chain: %+v", res)
	}
	// The same chain checked as SHA-256 does not pass: the check follows
	// the recorded suite, not a guess.
	intl := store.New(s.DB)
	intl.SetAuditKey(testKey)
	if res := verify(t, intl); res.OK {
		t.Fatal("an SM3 chain verified as SHA-256")
	}

	for _, tt := range []struct {
		name   string
		tamper func(t *testing.T, s *store.Store)
		want   string
	}{
		{"detail rewritten", func(t *testing.T, s *store.Store) {
			exec(t, s, "UPDATE audit_events SET detail = '{\"i\":99}' WHERE seq = 3 AND stream = ?", dayStream)
		}, "哈希链断裂"},
		{"chain recomputed with SHA-256", func(t *testing.T, s *store.Store) {
			recompute(t, s, 3, `{"i":99}`) // recompute hashes with SHA-256
		}, "哈希链断裂"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := gm(t)
			tt.tamper(t, s)
			res := verify(t, s)
			if res.OK || !strings.Contains(strings.Join(res.Problems, "\n"), tt.want) {
				t.Fatalf("tampering not detected (want %q): %+v", tt.want, res)
			}
		})
	}
}

// TestSuiteRecordedOnceAndMismatchRefused: the first start records the
// configured suite; a later start with the other one is refused with a
// Chinese message naming both; 国密 cannot be chosen for a database whose
// trail is already chained with SHA-256.
func TestSuiteRecordedOnceAndMismatchRefused(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	if err := s.RecordSuite(ctx, cryptosuite.GM); err != nil {
		t.Fatal(err)
	}
	if got, err := s.RecordedSuite(ctx); err != nil || got != cryptosuite.GM || s.Suite() != cryptosuite.GM {
		t.Fatalf("recorded %q, %v; running %q", got, err, s.Suite())
	}
	if err := store.New(s.DB).RecordSuite(ctx, cryptosuite.GM); err != nil {
		t.Fatalf("a later start with the same suite: %v", err)
	}
	err := store.New(s.DB).RecordSuite(ctx, cryptosuite.Intl)
	if err == nil || !strings.Contains(err.Error(), "密码算法配置不符") || !strings.Contains(err.Error(), "改回 gm") {
		t.Fatalf("a mismatch: %v", err)
	}

	old := testenv.DB(t)
	appendEvents(t, old, 0, 1) // a trail from before the choice existed
	err = old.RecordSuite(ctx, cryptosuite.GM)
	if err == nil || !strings.Contains(err.Error(), "已有按 SHA-256 链接的审计记录") {
		t.Fatalf("国密 over a SHA-256 trail: %v", err)
	}
	if _, err := old.RecordedSuite(ctx); err != store.ErrNotFound {
		t.Fatalf("a refused choice was recorded: %v", err)
	}
}
