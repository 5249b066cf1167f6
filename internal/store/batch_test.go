package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

// A batch's writes are sent at the end of the transaction: unseen inside
// it until then, committed with it. Audit chains built in a batch, several
// links of one review among them, verify; a rollback to a savepoint forgets
// what was collected since it, a Flush included, and a stale review
// version fails the transaction with ErrStale and commits nothing.
func TestBatch(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	a := seedReview(t, s)
	b := sameProjectReview(t, s, a)
	users, err := s.UsersByRole(ctx, "construction_unit", a.UnitOrgID)
	if err != nil || len(users) == 0 {
		t.Fatalf("unit users: %d, %v", len(users), err)
	}
	notices := func() int {
		t.Helper()
		_, n, err := s.Notifications(ctx, users[0].ID, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// fire writes what a transition writes: its event, an audit link, the
	// review's row and a notice to the unit.
	fire := func(q *store.Queries, r store.Review, round int) error {
		now := time.Now()
		if _, err := q.InsertReviewEvent(ctx, submitEvent(r)); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, q, now, audit.Entry{ActorName: "测试", Action: "submit", ReviewID: r.ID,
			ObjectType: "review", Detail: map[string]int{"round": round}}); err != nil {
			return err
		}
		ch := r.Change()
		ch.Round = round
		if err := q.UpdateReview(ctx, r.ID, r.Version, ch, now); err != nil {
			return err
		}
		return q.NotifyParties(ctx, store.Parties{OrgID: r.UnitOrgID}, store.Notification{ReviewID: r.ID, Kind: "transition",
			Title: "批量", Body: "正文", CreatedAt: now})
	}
	eventsBefore, noticesBefore := countEvents(t, &s.Queries, a.ID), notices()

	err = s.InTx(ctx, func(q *store.Queries) error {
		w := q.StartBatch()
		ra, err := q.LockReview(ctx, a.ID)
		if err != nil {
			return err
		}
		rb, err := q.LockReview(ctx, b.ID)
		if err != nil {
			return err
		}
		if err := fire(q, ra, 2); err != nil {
			return err
		}
		if n := countEvents(t, q, a.ID); n != eventsBefore {
			t.Errorf("before Flush the transaction reads %d events, want %d", n, eventsBefore)
		}
		// A second link of a's chain before the Flush: it follows the first.
		if _, err := audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: "note", ReviewID: a.ID, ObjectType: "review"}); err != nil {
			return err
		}
		if err := q.UpdateReview(ctx, a.ID, ra.Version+1, ra.Change(), time.Now()); err == nil {
			t.Error("a second update of one review between flushes was accepted")
		}
		// Collected after a savepoint, then rolled back: gone.
		if err := q.Savepoint(ctx, "b"); err != nil {
			return err
		}
		if err := fire(q, rb, 9); err != nil {
			return err
		}
		if err := q.RollbackToSavepoint(ctx, "b"); err != nil {
			return err
		}
		if err := w.Flush(ctx); err != nil {
			return err
		}
		if n := countEvents(t, q, a.ID); n != eventsBefore+1 {
			t.Errorf("after Flush the transaction reads %d events, want %d", n, eventsBefore+1)
		}
		// After the Flush, a read again and a third link: the chain goes on
		// from the flushed head. b is fired for good, and sent at commit.
		ra, err = q.LockReview(ctx, a.ID)
		if err != nil {
			return err
		}
		if err := fire(q, ra, 3); err != nil {
			return err
		}
		return fire(q, rb, 4)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		r      store.Review
		round  int
		events int
	}{{a, 3, 2}, {b, 4, 1}} {
		got, err := s.Review(ctx, store.Scope{All: true}, c.r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Round != c.round || got.Version != c.r.Version+c.events {
			t.Errorf("review %d: round %d version %d, want round %d version %d", c.r.ID, got.Round, got.Version, c.round, c.r.Version+c.events)
		}
		if n := countEvents(t, &s.Queries, c.r.ID) - eventsBefore; n != c.events {
			t.Errorf("review %d: %d events committed, want %d", c.r.ID, n, c.events)
		}
	}
	if n := notices() - noticesBefore; n != 3 {
		t.Errorf("%d notices to the unit, want 3", n)
	}
	heads, err := s.AuditHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h := heads[store.ReviewStream(a.ID)]; h.Seq != 3 {
		t.Errorf("a's chain has %d links, want 3", h.Seq)
	}
	if res, err := audit.Verify(ctx, s); err != nil || !res.OK {
		t.Fatalf("audit chains: %v %+v", err, res)
	}

	// A rollback to a savepoint set before a Flush undoes what the Flush
	// sent and forgets what was collected since; the chain goes on from
	// the head as the database holds it again.
	before, beforeA := countEvents(t, &s.Queries, b.ID), countEvents(t, &s.Queries, a.ID)
	err = s.InTx(ctx, func(q *store.Queries) error {
		w := q.StartBatch()
		rb, err := q.LockReview(ctx, b.ID)
		if err != nil {
			return err
		}
		ra, err := q.LockReview(ctx, a.ID)
		if err != nil {
			return err
		}
		if err := q.Savepoint(ctx, "early"); err != nil {
			return err
		}
		if err := fire(q, rb, 7); err != nil {
			return err
		}
		if err := w.Flush(ctx); err != nil {
			return err
		}
		if err := fire(q, ra, 7); err != nil {
			return err
		}
		if err := q.RollbackToSavepoint(ctx, "early"); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: "note", ReviewID: b.ID, ObjectType: "review"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, na := countEvents(t, &s.Queries, b.ID), countEvents(t, &s.Queries, a.ID); n != before || na != beforeA {
		t.Errorf("after the rollback: %d and %d events, want %d and %d", n, na, before, beforeA)
	}
	if got, err := s.Review(ctx, store.Scope{All: true}, b.ID); err != nil || got.Round != 4 {
		t.Errorf("b after the rollback: round %d (%v), want 4", got.Round, err)
	}
	if res, err := audit.Verify(ctx, s); err != nil || !res.OK {
		t.Fatalf("audit chains after the rollback: %v %+v", err, res)
	}

	// A stale version: nothing of the transaction is committed.
	before = countEvents(t, &s.Queries, b.ID)
	err = s.InTx(ctx, func(q *store.Queries) error {
		q.StartBatch()
		rb, err := q.LockReview(ctx, b.ID)
		if err != nil {
			return err
		}
		rb.Version-- // as read before another transition
		return fire(q, rb, 5)
	})
	if !errors.Is(err, store.ErrStale) {
		t.Fatalf("a stale update in a batch: %v, want ErrStale", err)
	}
	if n := countEvents(t, &s.Queries, b.ID); n != before {
		t.Errorf("after a stale batch: %d events, want %d", n, before)
	}
	if res, err := audit.Verify(ctx, s); err != nil || !res.OK {
		t.Fatalf("audit chains after a stale batch: %v %+v", err, res)
	}
}

// A batch keeps every row of many reviews in a few statements: two
// hundred firings' writes all arrive, each review at its own version.
func TestBatchManyRows(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	base := seedReview(t, s)
	var ids []int64
	for range 200 {
		ids = append(ids, sameProjectReview(t, s, base).ID)
	}
	err := s.InTx(ctx, func(q *store.Queries) error {
		q.StartBatch()
		locked, err := q.LockDeadlineReviews(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			r := locked[id]
			ch := r.Change()
			ch.State = workflow.Submitted
			ch.Outcome = strings.Repeat("正", 1+int(id%3))
			if _, err := audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: "submit", ReviewID: id, ObjectType: "review"}); err != nil {
				return err
			}
			if err := q.UpdateReview(ctx, id, r.Version, ch, time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		r, err := s.Review(ctx, store.Scope{All: true}, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != workflow.Submitted || r.Version != 2 || r.Outcome != strings.Repeat("正", 1+int(id%3)) {
			t.Fatalf("review %d: %s version %d outcome %q", id, r.State, r.Version, r.Outcome)
		}
	}
	if res, err := audit.Verify(ctx, s); err != nil || !res.OK {
		t.Fatalf("audit chains: %v %+v", err, res)
	}
}

// sameProjectReview adds a draft review of base's project.
func sameProjectReview(t *testing.T, s *store.Store, base store.Review) store.Review {
	t.Helper()
	ctx := context.Background()
	id, err := s.InsertReview(ctx, store.Review{ProjectID: base.ProjectID, Kind: base.Kind, JurisdictionID: base.JurisdictionID,
		UnitOrgID: base.UnitOrgID, SubmittedAmount: base.SubmittedAmount})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Review(ctx, store.Scope{All: true}, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
