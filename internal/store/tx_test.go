package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// InTxThen commits with then's first query: then sees the committed
// writes, a write that fails stops the COMMIT behind it, and an error of
// then's own, after the commit, leaves the transaction committed.
func TestInTxThen(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	ev := submitEvent(r)
	count := func() int { return countEvents(t, &s.Queries, r.ID) }
	before := count()

	var d store.ReviewDossier
	var derr error
	err := s.InTxThen(ctx, func(q *store.Queries) error {
		return q.AddReviewEvent(ctx, ev) // travels with the COMMIT and then's reads
	}, func(q *store.Queries) {
		d, derr = q.ReviewDossier(ctx, store.Scope{All: true}, r.ID)
	})
	if err != nil || derr != nil {
		t.Fatalf("InTxThen: %v, then: %v", err, derr)
	}
	if len(d.Events) != before+1 || count() != before+1 {
		t.Fatalf("then read %d events, the pool %d; want %d", len(d.Events), count(), before+1)
	}

	bad := ev
	bad.ReviewID = r.ID + 1000000
	err = s.InTxThen(ctx, func(q *store.Queries) error {
		if err := q.AddReviewEvent(ctx, ev); err != nil {
			return err
		}
		return q.AddReviewEvent(ctx, bad)
	}, func(q *store.Queries) {
		d, derr = q.ReviewDossier(ctx, store.Scope{All: true}, r.ID)
	})
	// On Galera the write is sent at once and fails fn itself (tx.go):
	// then never runs.
	if err == nil || (derr == nil && !onGalera(t, s)) {
		t.Fatalf("a failing write: InTxThen %v, then %v; want both to fail", err, derr)
	}
	if n := count(); n != before+1 {
		t.Fatalf("after a failing write: %d events, want %d", n, before+1)
	}

	err = s.InTxThen(ctx, func(q *store.Queries) error {
		return q.AddReviewEvent(ctx, ev)
	}, func(q *store.Queries) {
		_, derr = q.ReviewDossier(ctx, store.Scope{All: true}, r.ID+1000000)
	})
	if err != nil || !errors.Is(derr, store.ErrNotFound) {
		t.Fatalf("then's own error: InTxThen %v, then %v", err, derr)
	}
	if n := count(); n != before+2 {
		t.Fatalf("after then's own error: %d events, want %d", n, before+2)
	}

	// then that sends nothing: fn's writes still commit.
	if err := s.InTxThen(ctx, func(q *store.Queries) error { return q.AddReviewEvent(ctx, ev) }, func(*store.Queries) {}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != before+3 {
		t.Fatalf("then without statements: %d events, want %d", n, before+3)
	}
}

// A transaction that ends in an error, a panic or a cancelled context
// gives its connection back with no transaction open. With one connection
// in the pool, the next statement runs on that same connection.
func TestTransactionLeavesConnectionClean(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	s.DB.SetMaxOpenConns(1)
	ctx := context.Background()
	ev := submitEvent(r)
	boom := errors.New("boom")
	cases := []struct {
		name string
		run  func() error
	}{
		{"error after a statement", func() error {
			return s.InTx(ctx, func(q *store.Queries) error {
				if err := q.AddReviewEvent(ctx, ev); err != nil {
					return err
				}
				if _, err := q.ReviewEvents(ctx, r.ID); err != nil {
					return err
				}
				return boom
			})
		}},
		{"panic after a statement", func() (err error) {
			defer func() {
				if recover() != nil {
					err = boom
				}
			}()
			return s.InTx(ctx, func(q *store.Queries) error {
				if _, err := q.ReviewEvents(ctx, r.ID); err != nil {
					return err
				}
				if err := q.AddReviewEvent(ctx, ev); err != nil {
					return err
				}
				panic("boom")
			})
		}},
		{"context cancelled after a statement", func() error {
			cctx, cancel := context.WithCancel(ctx)
			return s.InTx(cctx, func(q *store.Queries) error {
				if err := q.AddReviewEvent(ctx, ev); err != nil {
					return err
				}
				if _, err := q.ReviewEvents(cctx, r.ID); err != nil {
					return err
				}
				cancel()
				_, err := q.ReviewEvents(cctx, r.ID)
				return err
			})
		}},
	}
	before, err := s.ReviewEvents(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if err := c.run(); err == nil {
			t.Fatalf("%s: no error", c.name)
		}
		var open int
		if err := s.DB.QueryRowContext(ctx, "SELECT @@in_transaction").Scan(&open); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if open != 0 {
			t.Fatalf("%s: the pooled connection still has a transaction open", c.name)
		}
		after, err := s.ReviewEvents(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("%s: %d events, want %d (nothing committed)", c.name, len(after), len(before))
		}
	}
	// A transaction that sends nothing commits nothing and fails nothing.
	if err := s.InTx(ctx, func(*store.Queries) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// A transaction that remembers users reads each recipient list once: a
// user added meanwhile by another connection shows only in a transaction
// that does not remember.
func TestRememberUsers(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	for i, remember := range []bool{false, true} {
		var first, second []int64
		var firstByRole, secondByRole []store.User
		err := s.InClaimTx(ctx, func(q *store.Queries) error {
			if remember {
				q.RememberUsers()
			}
			var err error
			if first, err = q.OrgUserIDs(ctx, r.UnitOrgID); err != nil {
				return err
			}
			if firstByRole, err = q.UsersByRole(ctx, "construction_unit", r.UnitOrgID); err != nil {
				return err
			}
			if _, err := s.InsertUser(ctx, store.User{Username: fmt.Sprintf("memo%d", i), DisplayName: "新用户", PasswordHash: "x",
				Role: "construction_unit", OrgID: r.UnitOrgID, JurisdictionID: r.JurisdictionID, Active: true, CreatedAt: time.Now()}); err != nil {
				return err
			}
			if second, err = q.OrgUserIDs(ctx, r.UnitOrgID); err != nil {
				return err
			}
			secondByRole, err = q.UsersByRole(ctx, "construction_unit", r.UnitOrgID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		grew := len(second) == len(first)+1 && len(secondByRole) == len(firstByRole)+1
		same := len(second) == len(first) && len(secondByRole) == len(firstByRole)
		if remember && !same || !remember && !grew {
			t.Fatalf("remember=%v: ids %d then %d, users %d then %d", remember, len(first), len(second), len(firstByRole), len(secondByRole))
		}
	}
}

// Notices deferred one after another go in as one statement, each with its
// stand-in copies and in order; a rollback to a savepoint between them
// undoes only the later ones.
func TestDeferredNoticesJoin(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	users, err := s.UsersByRole(ctx, "intermediary", 0)
	if err != nil || len(users) < 2 {
		t.Fatalf("firm users: %d, %v", len(users), err)
	}
	a, b := users[0], users[1]
	now := time.Now()
	day := now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	if _, err := s.InsertStandIn(ctx, store.StandIn{UserID: a.ID, StandInID: b.ID, StartsOn: day, EndsOn: day, Reason: "出差", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	titles := func(u store.User) []string {
		t.Helper()
		ns, _, err := s.Notifications(ctx, u.ID, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := len(ns) - 1; i >= 0; i-- { // oldest first
			out = append(out, ns[i].Title)
		}
		return out
	}
	notice := func(title string) store.Notification {
		return store.Notification{ReviewID: r.ID, Kind: "transition", Title: title, Body: "正文", CreatedAt: now}
	}
	err = s.InTx(ctx, func(q *store.Queries) error {
		if err := q.NotifyUsers(ctx, []int64{a.ID}, notice("一")); err != nil {
			return err
		}
		if err := q.NotifyUsers(ctx, []int64{a.ID, b.ID}, notice("二")); err != nil {
			return err
		}
		if err := q.Savepoint(ctx, "later"); err != nil {
			return err
		}
		if err := q.NotifyUsers(ctx, []int64{a.ID}, notice("三")); err != nil {
			return err
		}
		return q.RollbackToSavepoint(ctx, "later")
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(titles(a)); got != "[一 二]" {
		t.Errorf("a's notices %s, want [一 二]", got)
	}
	if got := fmt.Sprint(titles(b)); got != "[〔代"+a.DisplayName+"〕一 二 〔代"+a.DisplayName+"〕二]" {
		t.Errorf("b's notices %s", got)
	}
}
