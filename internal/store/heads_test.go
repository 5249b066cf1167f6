package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/migrations"
)

// Migration 0014 moves the heads of review chains from audit_heads onto
// the review rows: a chain written before it verifies after it, and goes
// on from the head it moved.
func TestReviewAuditHeadsMigrate(t *testing.T) {
	ctx := context.Background()
	dsn, db, s2, r := sideStoreBefore(t, "0014")

	// Two events of the review's chain and a day event, written as before
	// 0014: the heads in audit_heads.
	stream := audit.Stream(r.ID, time.Now())
	at := time.Now().Truncate(time.Microsecond)
	prev := ""
	for seq := int64(1); seq <= 2; seq++ {
		e := store.AuditEvent{Stream: stream, Seq: seq, At: at, PrevHash: prev, AuditEntry: store.AuditEntry[string]{
			ActorName: "测试", Action: "submit", ReviewID: r.ID, ObjectType: "review", ObjectID: "x", Detail: "{}"}}
		e.Hash = audit.Hash(e)
		if _, err := db.Exec(`INSERT INTO audit_events (stream, seq, at, actor_name, action, review_id, object_type, object_id, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Stream, e.Seq, e.At, e.ActorName, e.Action, e.ReviewID, e.ObjectType, e.ObjectID,
			e.Detail, e.PrevHash, e.Hash); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
	if _, err := db.Exec("INSERT INTO audit_heads (stream, seq, hash) VALUES (?, 2, ?)", stream, prev); err != nil {
		t.Fatal(err)
	}
	if err := s2.InTx(ctx, func(q *store.Queries) error {
		_, err := audit.Append(ctx, q, at, audit.Entry{ActorName: "测试", Action: "login"})
		return err
	}); err != nil {
		t.Fatal(err)
	}

	if _, err := store.Migrate(ctx, dsn, migrations.FS); err != nil {
		t.Fatal(err)
	}
	var seq int64
	var hash string
	if err := db.QueryRow("SELECT audit_seq, audit_hash FROM reviews WHERE id = ?", r.ID).Scan(&seq, &hash); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.QueryRow("SELECT COUNT(*) FROM audit_heads WHERE stream LIKE 'review:%'").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if seq != 2 || hash != prev || left != 0 {
		t.Fatalf("after 0014: head %d %q (want 2 %q), %d review heads left in audit_heads", seq, hash, prev, left)
	}
	// Appended without and with the review locked first, the chain goes on.
	for _, lock := range []bool{false, true} {
		if err := s2.InTx(ctx, func(q *store.Queries) error {
			if lock {
				if _, err := q.LockReview(ctx, r.ID); err != nil {
					return err
				}
			}
			_, err := audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: "nudge", ReviewID: r.ID})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := audit.Verify(ctx, s2)
	if err != nil || !res.OK || res.Events != 5 {
		t.Fatalf("verify after 0014: %+v, %v", res, err)
	}
	// A tampered head on the review row is seen.
	if _, err := db.Exec("UPDATE reviews SET audit_hash = REPEAT('0', 64) WHERE id = ?", r.ID); err != nil {
		t.Fatal(err)
	}
	if res, err := audit.Verify(ctx, s2); err != nil || res.OK {
		t.Fatalf("verify with a tampered review head: %+v, %v", res, err)
	}
}

// An append undone by a rollback to a savepoint does not stay the head:
// the next append chains from the head before it, whether the undone
// writes had reached the server or not.
func TestReviewAuditHeadAfterSavepointRollback(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	for _, sent := range []bool{false, true} {
		err := s.InTx(ctx, func(q *store.Queries) error {
			if _, err := q.LockReview(ctx, r.ID); err != nil {
				return err
			}
			if err := q.Savepoint(ctx, "undo"); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: "undone", ReviewID: r.ID}); err != nil {
				return err
			}
			if sent {
				if _, err := q.ReviewEvents(ctx, r.ID); err != nil {
					return err
				}
			}
			if err := q.RollbackToSavepoint(ctx, "undo"); err != nil {
				return err
			}
			_, err := audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: "kept", ReviewID: r.ID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := audit.Verify(ctx, s); err != nil || !res.OK {
			t.Fatalf("sent=%v: verify %+v, %v", sent, res, err)
		}
	}
}

// The review's UPDATE carries the move of its audit head: after two
// appends and the update in one transaction, the head is the second
// append's and the chain verifies.
func TestReviewUpdateCarriesAuditHead(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	var last store.AuditEvent
	err := s.InTx(ctx, func(q *store.Queries) error {
		locked, err := q.LockReview(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, action := range []string{"first", "second"} {
			if last, err = audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: action, ReviewID: r.ID}); err != nil {
				return err
			}
		}
		return q.UpdateReview(ctx, r.ID, locked.Version, locked.Change(), time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	var hash string
	if err := s.DB.QueryRow("SELECT audit_seq, audit_hash FROM reviews WHERE id = ?", r.ID).Scan(&seq, &hash); err != nil {
		t.Fatal(err)
	}
	if seq != last.Seq || hash != last.Hash {
		t.Fatalf("head %d %s, want %d %s", seq, hash, last.Seq, last.Hash)
	}
	if res, err := audit.Verify(ctx, s); err != nil || !res.OK {
		t.Fatalf("verify: %+v, %v", res, err)
	}
}

// A review's audit events are found through its stream: the listing
// filtered by review holds its events alone, newest first, counted
// exactly, with the other filters applied on top; LastAuditAction finds
// the latest of an action.
func TestAuditEventsOfReview(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	otherID, err := s.InsertReview(ctx, store.Review{ProjectID: r.ProjectID, Kind: "budget", JurisdictionID: r.JurisdictionID,
		UnitOrgID: r.UnitOrgID, SubmittedAmount: r.SubmittedAmount})
	if err != nil {
		t.Fatal(err)
	}
	other := store.Review{ID: otherID}
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	appendAt := func(id int64, at time.Time, action string, actor int64) {
		t.Helper()
		err := s.InTx(ctx, func(q *store.Queries) error {
			locked, err := q.LockReview(ctx, id)
			if err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, at, audit.Entry{ActorID: actor, ActorName: "测试", Action: action, ReviewID: id}); err != nil {
				return err
			}
			return q.UpdateReview(ctx, id, locked.Version, locked.Change(), at)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var actor int64
	if err := s.DB.QueryRow("SELECT id FROM users WHERE username = 'pingshen'").Scan(&actor); err != nil {
		t.Fatal(err)
	}
	appendAt(r.ID, base, "nudge", 0)
	appendAt(other.ID, base.Add(time.Minute), "nudge", 0)
	appendAt(r.ID, base.Add(2*time.Minute), "submit", actor)
	appendAt(r.ID, base.Add(3*time.Minute), "nudge", actor)
	appendAt(other.ID, base.Add(4*time.Minute), "nudge", 0)

	events, n, err := s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{ReviewID: r.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		if e.ReviewID != r.ID {
			t.Fatalf("event %+v of another review", e)
		}
		got = append(got, e.Action)
	}
	if n != 3 || strings.Join(got, ",") != "nudge,submit,nudge" || events[0].Seq != 3 {
		t.Fatalf("review events %v (total %d), first seq %d; want nudge,submit,nudge of 3, newest first", got, n, events[0].Seq)
	}
	if page, n, err := s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{ReviewID: r.ID, Limit: 1, Offset: 1}); err != nil || n != 3 || len(page) != 1 || page[0].Action != "submit" {
		t.Fatalf("second page %+v (total %d), %v; want submit of 3", page, n, err)
	}
	if mine, n, err := s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{ReviewID: r.ID, ActorID: actor, Action: "nudge", Limit: 10}); err != nil || n != 1 || len(mine) != 1 || mine[0].Seq != 3 {
		t.Fatalf("review, actor and action %+v (total %d), %v; want the third event alone", mine, n, err)
	}
	last, err := s.LastAuditAction(ctx, r.ID, "nudge")
	if err != nil || !last.Equal(base.Add(3*time.Minute)) {
		t.Fatalf("last nudge %v, %v; want %v", last, err, base.Add(3*time.Minute))
	}
	if _, err := s.LastAuditAction(ctx, r.ID, "archive"); err != store.ErrNotFound {
		t.Fatalf("last archive: %v, want ErrNotFound", err)
	}
}
