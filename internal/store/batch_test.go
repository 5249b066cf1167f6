package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// Deferred writes travel with the next statement: they are there for the
// transaction's later reads, committed with it, gone with its rollback, and
// a failing one fails the transaction.
func TestDeferredWrites(t *testing.T) {
	s := testenv.DB(t)
	galera := onGalera(t, s)
	r := seedReview(t, s)
	ctx := context.Background()
	count := func(q *store.Queries) int { return countEvents(t, q, r.ID) }
	ev := submitEvent(r)
	before := count(&s.Queries)

	err := s.InTx(ctx, func(q *store.Queries) error {
		if err := q.AddReviewEvent(ctx, ev); err != nil {
			return err
		}
		if err := q.AddReviewEvent(ctx, ev); err != nil {
			return err
		}
		if n := count(q); n != before+2 {
			t.Errorf("inside the transaction: %d events, want %d", n, before+2)
		}
		return q.AddReviewEvent(ctx, ev) // sent only at commit
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(&s.Queries); n != before+3 {
		t.Fatalf("after commit: %d events, want %d", n, before+3)
	}

	boom := errors.New("boom")
	err = s.InTx(ctx, func(q *store.Queries) error {
		if err := q.AddReviewEvent(ctx, ev); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if n := count(&s.Queries); n != before+3 {
		t.Fatalf("after rollback: %d events, want %d", n, before+3)
	}

	// A deferred write that fails (no such review) fails the statement it
	// travels with, and the transaction with it.
	bad := ev
	bad.ReviewID = r.ID + 1000000
	err = s.InTx(ctx, func(q *store.Queries) error {
		if err := q.AddReviewEvent(ctx, ev); err != nil {
			return err
		}
		if err := q.AddReviewEvent(ctx, bad); err != nil {
			return err
		}
		_, err := q.Review(ctx, store.Scope{All: true}, r.ID)
		return err
	})
	if err == nil {
		t.Fatal("a failing deferred write went unnoticed")
	}
	if n := count(&s.Queries); n != before+3 {
		t.Fatalf("after the failed transaction: %d events, want %d", n, before+3)
	}

	// Savepoints: writes deferred after one are undone with it.
	err = s.InTx(ctx, func(q *store.Queries) error {
		if err := q.AddReviewEvent(ctx, ev); err != nil {
			return err
		}
		if err := q.Savepoint(ctx, "sp"); err != nil {
			return err
		}
		// On Galera the write is sent at once and fails there (tx.go);
		// rolling back to the savepoint undoes it all the same.
		if err := q.AddReviewEvent(ctx, bad); err != nil && !galera {
			return err
		}
		return q.RollbackToSavepoint(ctx, "sp")
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(&s.Queries); n != before+4 {
		t.Fatalf("after the savepoint: %d events, want %d", n, before+4)
	}
	// Once the savepoint has been sent, rolling back to it undoes what was
	// sent after it.
	err = s.InTx(ctx, func(q *store.Queries) error {
		if err := q.Savepoint(ctx, "sp"); err != nil {
			return err
		}
		if err := q.AddReviewEvent(ctx, ev); err != nil {
			return err
		}
		if n := count(q); n != before+5 { // sends the savepoint and the event
			t.Errorf("after the savepoint inside: %d events, want %d", n, before+5)
		}
		// On Galera the write is sent at once and fails there (tx.go);
		// rolling back to the savepoint undoes it all the same.
		if err := q.AddReviewEvent(ctx, bad); err != nil && !galera {
			return err
		}
		return q.RollbackToSavepoint(ctx, "sp")
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(&s.Queries); n != before+4 {
		t.Fatalf("after rolling back a sent savepoint: %d events, want %d", n, before+4)
	}
}

// LockReview locks the review's row and no row of the tables its names
// and the calendar version come from: another review of the same project,
// jurisdiction or unit must not wait, nor any transition on the calendar's
// version.
func TestLockReviewLocksTheReviewAlone(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	tryLock := func(query string, id int64) error {
		t.Helper()
		tx, err := s.DB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var got int64
		return tx.QueryRowContext(ctx, query+" FOR UPDATE NOWAIT", id).Scan(&got)
	}
	err := s.InTx(ctx, func(q *store.Queries) error {
		locked, err := q.LockReview(ctx, r.ID)
		if err != nil {
			return err
		}
		if locked.ProjectName == "" || locked.JurisdictionName == "" || locked.UnitName == "" || locked.ProjectCode != r.ProjectCode {
			t.Errorf("names not read: %+v", locked)
		}
		if err := tryLock("SELECT id FROM reviews WHERE id = ?", r.ID); err == nil {
			t.Error("the review's row was not locked")
		}
		for _, c := range []struct {
			query string
			id    int64
		}{
			{"SELECT id FROM projects WHERE id = ?", r.ProjectID},
			{"SELECT id FROM jurisdictions WHERE id = ?", r.JurisdictionID},
			{"SELECT id FROM organizations WHERE id = ?", r.UnitOrgID},
			{"SELECT id FROM calendar_version WHERE id = ?", 1}, // one row every transition reads
		} {
			if err := tryLock(c.query, c.id); err != nil {
				t.Errorf("%s (%d) is locked too: %v", c.query, c.id, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The calendar is kept per process and read again only when its version
// moved: an edit committed anywhere shows at once, and an edit rolled back
// is never kept.
func TestCalendarCache(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	day := calendar.NewDate(2026, time.June, 10) // a Wednesday
	workday := func(q *store.Queries) bool {
		t.Helper()
		cal, err := q.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return cal.IsWorkday(day)
	}
	if !workday(&s.Queries) {
		t.Fatal("2026-06-10 should be a working day")
	}
	holiday := store.CalendarDay{Date: day, Kind: calendar.Holiday, Name: "测试假日", CreatedAt: time.Now()}

	// Edited in a transaction that fails: seen inside, never kept.
	boom := errors.New("boom")
	err := s.InTx(ctx, func(q *store.Queries) error {
		if err := q.UpsertCalendarDay(ctx, holiday); err != nil {
			return err
		}
		if workday(q) {
			t.Error("the editing transaction does not see its own edit")
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if !workday(&s.Queries) {
		t.Fatal("a rolled-back edit was kept")
	}
	// The next committed edit takes the version number the rolled-back one
	// had: what that one showed must not come back with it.
	otherDay := store.CalendarDay{Date: calendar.NewDate(2026, time.June, 11), Kind: calendar.Holiday, Name: "另一测试假日", CreatedAt: time.Now()}
	if err := s.UpsertCalendarDay(ctx, otherDay); err != nil {
		t.Fatal(err)
	}
	if !workday(&s.Queries) {
		t.Fatal("a rolled-back edit came back under the next version")
	}

	// Committed by another connection (another server, say): seen at once.
	other := store.New(s.DB)
	if err := other.UpsertCalendarDay(ctx, holiday); err != nil {
		t.Fatal(err)
	}
	if workday(&s.Queries) {
		t.Fatal("a committed edit was not seen")
	}
	// And in a transaction that locked a review (the version read with the lock).
	r := seedReview(t, s)
	if err := s.InTx(ctx, func(q *store.Queries) error {
		if _, err := q.LockReview(ctx, r.ID); err != nil {
			return err
		}
		if workday(q) {
			t.Error("a transaction after the edit sees the old calendar")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := other.DeleteCalendarDay(ctx, day); err != nil {
		t.Fatal(err)
	}
	if !workday(&s.Queries) {
		t.Fatal("a committed deletion was not seen")
	}
}

// A transaction that defers its review UPDATEs (the deadline engine's
// claims) commits them with their events when each review is at the
// version its last UPDATE set, and commits nothing, with ErrStale, when
// one is not. A rollback to the latest savepoint forgets the UPDATEs it
// undoes, whether the savepoint had been sent or not.
func TestDeferredReviewUpdates(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	type step func(q *store.Queries, r store.Review) error
	update := func(version int) step { // UPDATE from r's version plus version
		return func(q *store.Queries, r store.Review) error {
			ch := r.Change()
			ch.Round = r.Round + version + 1
			return q.UpdateReview(ctx, r.ID, r.Version+version, ch, time.Now())
		}
	}
	event := func(q *store.Queries, r store.Review) error { return q.AddReviewEvent(ctx, submitEvent(r)) }
	read := func(q *store.Queries, r store.Review) error {
		_, err := q.Review(ctx, store.Scope{All: true}, r.ID)
		return err
	}
	savepoint := func(q *store.Queries, r store.Review) error { return q.Savepoint(ctx, "firing") }
	rollback := func(q *store.Queries, r store.Review) error { return q.RollbackToSavepoint(ctx, "firing") }
	savepointB := func(q *store.Queries, r store.Review) error { return q.Savepoint(ctx, "next") }
	cases := []struct {
		name    string
		steps   []step
		stale   bool
		version int // the review's version after, relative to before
		events  int
	}{
		{"one update", []step{event, update(0)}, false, 1, 1},
		{"two updates, each from the last", []step{event, update(0), read, event, update(1)}, false, 2, 2},
		{"two updates, unsent", []step{update(0), update(1)}, false, 2, 0},
		{"stale update", []step{event, update(1)}, true, 0, 0},
		{"stale update already sent", []step{event, update(1), read, event}, true, 0, 0},
		{"stale update after a good one", []step{update(0), read, update(0)}, true, 0, 0},
		{"stale update undone, savepoint unsent", []step{event, update(0), savepoint, update(3), rollback}, false, 1, 1},
		{"stale update undone, savepoint sent", []step{event, update(0), savepoint, read, update(3), read, rollback}, false, 1, 1},
		{"good update undone after a sent savepoint", []step{savepoint, read, event, update(0), read, rollback, event}, false, 0, 1},
		{"savepoints one after another, the stale one undone", []step{savepoint, update(0), read, savepoint, update(0), read, rollback}, false, 1, 0},
		{"stale update before a savepoint, kept by a rollback to it", []step{update(5), read, savepoint, read, rollback}, true, 0, 0},
		{"stale update before an unsent savepoint, kept by a rollback to it", []step{update(5), read, savepoint, rollback}, true, 0, 0},
		// Rolling back past a later savepoint keeps the stale UPDATE counted
		// before it: the commit refuses rather than trust it.
		{"stale update undone past a later savepoint", []step{savepoint, update(5), read, savepointB, read, rollback}, true, 0, 0},
	}
	base := seedReview(t, s)
	galera := onGalera(t, s)
	for _, tc := range cases {
		if galera && strings.Contains(tc.name, "stale") {
			// On Galera a review UPDATE is sent at once (tx.go): a stale
			// one fails there, whatever comes after it.
			tc.stale, tc.version, tc.events = true, 0, 0
		}
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.InsertReview(ctx, store.Review{ProjectID: base.ProjectID, Kind: base.Kind, JurisdictionID: base.JurisdictionID,
				UnitOrgID: base.UnitOrgID, SubmittedAmount: base.SubmittedAmount})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Review(ctx, store.Scope{All: true}, id)
			if err != nil {
				t.Fatal(err)
			}
			before := countEvents(t, &s.Queries, r.ID)
			err = s.InTx(ctx, func(q *store.Queries) error {
				q.DeferReviewUpdates()
				locked, err := q.LockReview(ctx, r.ID)
				if err != nil {
					return err
				}
				for _, st := range tc.steps {
					if err := st(q, locked); err != nil {
						return err
					}
				}
				return nil
			})
			if tc.stale != errors.Is(err, store.ErrStale) || (!tc.stale && err != nil) {
				t.Fatalf("commit: %v, want stale %v", err, tc.stale)
			}
			after, err := s.Review(ctx, store.Scope{All: true}, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Version != r.Version+tc.version {
				t.Errorf("version %d, want %d", after.Version, r.Version+tc.version)
			}
			if n := countEvents(t, &s.Queries, r.ID) - before; n != tc.events {
				t.Errorf("%d events committed, want %d", n, tc.events)
			}
		})
	}
}
