package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

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
	addEvent := func(q *store.Queries) error {
		_, err := q.InsertReviewEvent(ctx, ev)
		return err
	}
	cases := []struct {
		name string
		run  func() error
	}{
		{"error after a statement", func() error {
			return s.InTx(ctx, func(q *store.Queries) error {
				if err := addEvent(q); err != nil {
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
				if err := addEvent(q); err != nil {
					return err
				}
				panic("boom")
			})
		}},
		{"context cancelled after a statement", func() error {
			cctx, cancel := context.WithCancel(ctx)
			return s.InTx(cctx, func(q *store.Queries) error {
				if err := addEvent(q); err != nil {
					return err
				}
				cancel()
				_, err := q.ReviewEvents(cctx, r.ID)
				return err
			})
		}},
		{"a failing statement", func() error {
			bad := ev
			bad.ReviewID = r.ID + 1000000 // no such review
			return s.InTx(ctx, func(q *store.Queries) error {
				if err := addEvent(q); err != nil {
					return err
				}
				_, err := q.InsertReviewEvent(ctx, bad)
				return err
			})
		}},
	}
	before := countEvents(t, &s.Queries, r.ID)
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
		if n := countEvents(t, &s.Queries, r.ID); n != before {
			t.Fatalf("%s: %d events, want %d (nothing committed)", c.name, n, before)
		}
	}
	// A transaction that sends nothing commits nothing and fails nothing.
	if err := s.InTx(ctx, func(*store.Queries) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// A rollback to a savepoint undoes the writes since it, notices with their
// stand-in copies among them, and keeps those before it.
func TestRollbackToSavepoint(t *testing.T) {
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
	before := countEvents(t, &s.Queries, r.ID)
	err = s.InTx(ctx, func(q *store.Queries) error {
		if err := q.NotifyUsers(ctx, []int64{a.ID}, notice("一")); err != nil {
			return err
		}
		if err := q.NotifyParties(ctx, store.Parties{Role: "intermediary", OrgID: a.OrgID}, notice("二")); err != nil {
			return err
		}
		if _, err := q.InsertReviewEvent(ctx, submitEvent(r)); err != nil {
			return err
		}
		if err := q.Savepoint(ctx, "later"); err != nil {
			return err
		}
		if err := q.NotifyUsers(ctx, []int64{a.ID}, notice("三")); err != nil {
			return err
		}
		if _, err := q.InsertReviewEvent(ctx, submitEvent(r)); err != nil {
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
	if n := countEvents(t, &s.Queries, r.ID); n != before+1 {
		t.Errorf("%d events committed, want %d", n-before, 1)
	}
	// b is a's stand-in today: a copy of each of a's notices, and its own
	// when b is of a's firm.
	want := "[〔代" + a.DisplayName + "〕一 〔代" + a.DisplayName + "〕二]"
	if b.OrgID == a.OrgID {
		want = "[〔代" + a.DisplayName + "〕一 二 〔代" + a.DisplayName + "〕二]"
	}
	if got := fmt.Sprint(titles(b)); got != want {
		t.Errorf("b's notices %s, want %s", got, want)
	}
}

// A claim transaction reads what others committed since it began (READ
// COMMITTED), so that a claim sees rows freed meanwhile; InTx keeps its
// first snapshot (REPEATABLE READ).
func TestClaimTransactionReadsCommitted(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	if _, err := s.InsertJurisdiction(ctx, store.Jurisdiction{Code: "I1", Name: "隔离区"}, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		run     func(context.Context, func(*store.Queries) error) error
		seesNew bool
	}{
		{"InClaimTx", s.InClaimTx, true},
		{"InTx", s.InTx, false},
	} {
		var first, second int
		name := fmt.Sprintf("新名%d", time.Now().UnixNano())
		err := c.run(ctx, func(q *store.Queries) error {
			read := func() (int, error) {
				var n int
				err := q.Raw().QueryRowContext(ctx, "SELECT COUNT(*) FROM jurisdictions WHERE name = ?", name).Scan(&n)
				return n, err
			}
			var err error
			if first, err = read(); err != nil {
				return err
			}
			if _, err := s.DB.ExecContext(ctx, "UPDATE jurisdictions SET name = ? WHERE code = 'I1'", name); err != nil {
				return err
			}
			second, err = read()
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if first != 0 || (second == 1) != c.seesNew {
			t.Errorf("%s: read %d then %d; want the other connection's commit seen: %v", c.name, first, second, c.seesNew)
		}
	}
}

// LockReview locks the review's row and no row of the tables its names
// come from: another review of the same project, jurisdiction or unit
// must not wait, nor any transition on the calendar's version.
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
	// And in a transaction that locked a review.
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

// A statement whose transaction is aborted while it runs (on Galera, a
// replicated write set that conflicts with it) can send a row built after
// the abort, with NULL where its subqueries' values belong, before its
// error. The store reports the error, which the transaction's retry knows,
// not the row's scan error: once as a lone failure (6 of 40 runs of two
// deadline engines on two nodes ended so), and never as a review with
// empty names.
func TestCutShortStatementReportsItsError(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	// cut(n) fails as an aborted transaction's statement does, at its second row.
	if _, err := s.DB.ExecContext(ctx, `CREATE FUNCTION cut(n INT) RETURNS VARCHAR(10) NOT DETERMINISTIC
		BEGIN IF n = 2 THEN SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found when trying to get lock'; END IF; RETURN NULL; END`); err != nil {
		t.Fatal(err)
	}
	const query = "SELECT cut(n) FROM (SELECT 1 AS n UNION ALL SELECT 2) t ORDER BY n"
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"list", func() error { _, err := store.QueryTexts(ctx, s.DB, query); return err }},
		{"one row", func() error { _, err := store.QueryText(ctx, s.DB, query); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !store.IsDeadlock(err) {
				t.Errorf("got %v, want the statement's own error 1213", err)
			}
		})
	}
	if _, err := store.QueryText(ctx, s.DB, "SELECT 'x' FROM DUAL WHERE 1 = 0"); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("no row: got %v, want sql.ErrNoRows", err)
	}
}
