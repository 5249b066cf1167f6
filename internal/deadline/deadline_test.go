package deadline_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/deadline"
	"finreview/internal/input"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

// fixture is a migrated database with the demo city and helpers to make
// reviews in a given state.
type fixture struct {
	t       *testing.T
	s       *store.Store
	project int64
	unitOrg int64
	firmOrg int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	f := &fixture{t: t, s: s}
	ctx := context.Background()
	u, err := s.UserByUsername(ctx, "jianshe")
	if err != nil {
		t.Fatalf("demo user jianshe: %v", err)
	}
	if err := s.DB.QueryRowContext(ctx, "SELECT id FROM projects WHERE unit_org_id = ? ORDER BY id LIMIT 1", u.OrgID).Scan(&f.project); err != nil {
		t.Fatalf("demo project of jianshe's unit: %v", err)
	}
	f.unitOrg = u.OrgID
	firm, err := s.UserByUsername(ctx, "zhongjie1")
	if err != nil {
		t.Fatalf("demo user zhongjie1: %v", err)
	}
	f.firmOrg = firm.OrgID
	return f
}

// review inserts a review of the fixture's project in state st.
func (f *fixture) review(st workflow.State) int64 {
	f.t.Helper()
	res, err := f.s.DB.Exec(`INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id, submitted_amount, firm_id, created_at, updated_at)
		SELECT id, 'settlement', ?, jurisdiction_id, unit_org_id, 1000000.00, ?, NOW(6), NOW(6) FROM projects WHERE id = ?`,
		string(st), f.firmOrg, f.project)
	if err != nil {
		f.t.Fatalf("insert review: %v", err)
	}
	id, _ := res.LastInsertId()
	return id
}

func (f *fixture) setState(reviewID int64, st workflow.State, suspended bool) {
	f.t.Helper()
	if _, err := f.s.DB.Exec("UPDATE reviews SET state = ?, suspended = ? WHERE id = ?", string(st), suspended, reviewID); err != nil {
		f.t.Fatalf("update review: %v", err)
	}
}

func (f *fixture) schedule(reviewID int64, kind deadline.Kind, from time.Time, n int) store.Deadline {
	f.t.Helper()
	var d store.Deadline
	err := f.s.InTx(context.Background(), func(q *store.Queries) error {
		var err error
		d, err = deadline.Schedule(context.Background(), q, calendar.Default(), reviewID, kind, from, n)
		return err
	})
	if err != nil {
		f.t.Fatalf("Schedule: %v", err)
	}
	return d
}

func (f *fixture) deadline(id int64) store.Deadline {
	f.t.Helper()
	d, err := f.s.Deadline(context.Background(), id)
	if err != nil {
		f.t.Fatalf("load deadline %d: %v", id, err)
	}
	return d
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.s.DB.QueryRow(query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestScheduleDue(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		from     string
		n        int
		due      string
		remind2  string
		flagged  int64 // 0: none
		wantVer  bool
		kind     deadline.Kind
		required bool
	}{
		{name: "DESIGN.md example across 国庆", from: "2025-09-30T10:00:00+08:00", n: 5, due: "2025-10-14T23:59:59+08:00", remind2: "2025-10-13T00:00:00+08:00", kind: deadline.KindOpinion},
		{name: "received on a Saturday", from: "2025-03-15T10:00:00+08:00", n: 1, due: "2025-03-17T23:59:59+08:00", remind2: "2025-03-14T00:00:00+08:00", kind: deadline.KindIntake},
		{name: "received late in the evening UTC is the next civil day", from: "2025-09-29T17:00:00Z", n: 1, due: "2025-10-09T23:59:59+08:00", remind2: "2025-09-30T00:00:00+08:00", kind: deadline.KindReport},
		{name: "a year without data is flagged", from: "2026-12-30T09:00:00+08:00", n: 3, due: "2027-01-04T23:59:59+08:00", remind2: "2027-01-01T00:00:00+08:00", flagged: 2027, kind: deadline.KindOpinion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rid := f.review(workflow.OpinionSent)
			d := f.schedule(rid, tc.kind, at(t, tc.from), tc.n)
			got := f.deadline(d.ID)
			if !got.DueAt.Equal(at(t, tc.due)) {
				t.Errorf("due = %s, want %s", got.DueAt.Format(time.RFC3339), tc.due)
			}
			if got.DueAt.Format(time.RFC3339) != tc.due {
				t.Errorf("due read back in zone %s: %s", got.DueAt.Location(), got.DueAt.Format(time.RFC3339))
			}
			if !got.Remind2At.Valid || !got.Remind2At.Time.Equal(at(t, tc.remind2)) {
				t.Errorf("remind2_at = %v, want %s", got.Remind2At, tc.remind2)
			}
			if !got.NextRemindAt.Valid || !got.NextRemindAt.Time.Equal(got.Remind2At.Time) {
				t.Errorf("next_remind_at = %v, want the 2-day reminder", got.NextRemindAt)
			}
			if want := (sql.NullInt64{Int64: tc.flagged, Valid: tc.flagged != 0}); got.FlaggedYear != want {
				t.Errorf("flagged_year = %v, want %v", got.FlaggedYear, want)
			}
			if got.State != store.DeadlinePending || got.Workdays != tc.n || got.Kind != string(tc.kind) {
				t.Errorf("row = %+v", got)
			}
			if got.CalendarVersion != calendar.Default().Version() {
				t.Errorf("calendar_version = %q", got.CalendarVersion)
			}
		})
	}

	t.Run("a second deadline of the same kind cancels the first", func(t *testing.T) {
		rid := f.review(workflow.OpinionSent)
		first := f.schedule(rid, deadline.KindOpinion, at(t, "2025-09-30T10:00:00+08:00"), 5)
		second := f.schedule(rid, deadline.KindOpinion, at(t, "2025-10-20T10:00:00+08:00"), 5)
		if got := f.deadline(first.ID).State; got != store.DeadlineCancelled {
			t.Errorf("first deadline state = %s, want cancelled", got)
		}
		cur, err := deadline.Current(context.Background(), &f.s.Queries, rid)
		if err != nil || cur.ID != second.ID {
			t.Errorf("Current = %d, %v; want %d", cur.ID, err, second.ID)
		}
	})

	t.Run("invalid input", func(t *testing.T) {
		rid := f.review(workflow.OpinionSent)
		err := f.s.InTx(context.Background(), func(q *store.Queries) error {
			_, err := deadline.Schedule(context.Background(), q, calendar.Default(), rid, deadline.KindOpinion, time.Now(), 0)
			return err
		})
		if !errors.Is(err, calendar.ErrInvalidWorkdays) {
			t.Errorf("0 working days: %v", err)
		}
		err = f.s.InTx(context.Background(), func(q *store.Queries) error {
			_, err := deadline.Schedule(context.Background(), q, calendar.Default(), rid, deadline.Kind("signature"), time.Now(), 5)
			return err
		})
		if err == nil {
			t.Error("unknown kind accepted")
		}
	})
}

// insertDue inserts n pending opinion deadlines due at due, spread over reviews.
func (f *fixture) insertDue(reviews []int64, n int, due time.Time) []int64 {
	f.t.Helper()
	var ids []int64
	err := f.s.InTx(context.Background(), func(q *store.Queries) error {
		for i := range n {
			id, err := q.InsertDeadline(context.Background(), store.Deadline{ReviewID: reviews[i%len(reviews)], Kind: string(deadline.KindOpinion),
				StartsAt: due.AddDate(0, 0, -7), DueAt: due, Workdays: 5, State: store.DeadlinePending, CreatedAt: due.AddDate(0, 0, -7),
				Reminded2: true, Reminded1: true})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		f.t.Fatalf("insert deadlines: %v", err)
	}
	return ids
}

// counter counts FireFunc calls per deadline.
type counter struct {
	mu    sync.Mutex
	calls map[int64]int
	fail  map[int64]bool
}

func (c *counter) fire(ctx context.Context, q *store.Queries, d store.Deadline, _ store.Review) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[int64]int{}
	}
	c.calls[d.ID]++
	if c.fail[d.ID] {
		return fmt.Errorf("simulated failure of deadline %d", d.ID)
	}
	return nil
}

// Two engines fire 1,000 due deadlines at once, each through its own
// database node when FINREVIEW_TEST_NODES names a cluster's (node 1 and
// node 2 of a Galera cluster, each taking writes): every deadline fires
// exactly once. A firing counts when its transaction committed: the
// FireFunc writes a notice naming the deadline, and a claim that lost to
// the other engine (a deadlock, or on Galera a failed certification) is
// rolled back with its notice and run again.
func TestEnginesInParallelFireEachDeadlineOnce(t *testing.T) {
	f := newFixture(t)
	var reviews []int64
	for range 100 {
		reviews = append(reviews, f.review(workflow.OpinionSent))
	}
	now := at(t, "2025-10-15T09:00:00+08:00")
	ids := f.insertDue(reviews, 1000, at(t, "2025-10-14T23:59:59+08:00"))
	witness, err := f.s.UserByUsername(context.Background(), "jianshe")
	if err != nil {
		t.Fatal(err)
	}

	c := &counter{}
	fire := func(ctx context.Context, q *store.Queries, d store.Deadline, r store.Review) error {
		if err := c.fire(ctx, q, d, r); err != nil {
			return err
		}
		return q.NotifyUsers(ctx, []int64{witness.ID}, store.Notification{ReviewID: d.ReviewID, Kind: "test_fired",
			Title: fmt.Sprint(d.ID), Body: "fired", CreatedAt: now})
	}
	pools := testenv.NodeStores(t, f.s, 2)
	var engines []*deadline.Engine
	for i := range pools {
		engines = append(engines, deadline.NewEngine(deadline.EngineOptions{Store: pools[i], Now: func() time.Time { return now },
			Instance: fmt.Sprintf("engine-%d", i), Batch: 25, Fire: fire}))
	}
	var wg sync.WaitGroup
	firedBy := make([]int, len(engines))
	errs := make([]error, len(engines))
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				n, err := e.RunOnce(context.Background())
				firedBy[i] += n
				if err != nil {
					errs[i] = err
					return
				}
				var pending int
				if err := pools[i].DB.QueryRow("SELECT COUNT(*) FROM deadlines WHERE state = 'pending'").Scan(&pending); err != nil {
					errs[i] = err
					return
				}
				if pending == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("engine %d: %v", i, err)
		}
	}
	retries := pools[0].Retries() + pools[1].Retries()
	t.Logf("fired by engine 0: %d, engine 1: %d; claims run again after losing to the other: %d", firedBy[0], firedBy[1], retries)
	if got := firedBy[0] + firedBy[1]; got != 1000 {
		t.Errorf("engines report %d + %d = %d fired, want 1000", firedBy[0], firedBy[1], got)
	}
	if firedBy[0] == 0 || firedBy[1] == 0 {
		t.Logf("one engine fired everything (%v); exactly-once still holds", firedBy)
	}
	// Committed firings, per deadline.
	rows, err := f.s.DB.Query("SELECT title, COUNT(*) FROM notifications WHERE kind = 'test_fired' GROUP BY title")
	if err != nil {
		t.Fatal(err)
	}
	committed := map[string]int{}
	for rows.Next() {
		var title string
		var n int
		if err := rows.Scan(&title, &n); err != nil {
			t.Fatal(err)
		}
		committed[title] = n
	}
	rows.Close()
	wrong := 0
	for _, id := range ids {
		if n := committed[fmt.Sprint(id)]; n != 1 {
			if wrong++; wrong <= 10 {
				t.Errorf("deadline %d fired %d times (committed), want exactly once", id, n)
			}
		}
		if c.calls[id] < 1 {
			t.Errorf("FireFunc never saw deadline %d", id)
		}
	}
	if wrong > 0 {
		t.Errorf("%d of 1000 deadlines did not fire exactly once", wrong)
	}
	if n := f.count("SELECT COUNT(*) FROM deadlines WHERE state = 'fired' AND fired_at IS NOT NULL AND fired_by LIKE 'engine-%'"); n != 1000 {
		t.Errorf("%d rows fired with fired_at and fired_by, want 1000", n)
	}
	if n := f.count("SELECT COUNT(*) FROM deadlines WHERE state <> 'fired'"); n != 0 {
		t.Errorf("%d deadlines not fired", n)
	}
	// The unit's users heard about each overdue deadline once.
	if n := f.count("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'deemed_agreed' AND u.username = 'jianshe'"); n != 1000 {
		t.Errorf("jianshe got %d overdue notices, want 1000 (one per deadline)", n)
	}
}

func TestEngineFailedFireStaysPending(t *testing.T) {
	f := newFixture(t)
	rid := f.review(workflow.OpinionSent)
	now := at(t, "2025-10-15T09:00:00+08:00")
	ids := f.insertDue([]int64{rid}, 10, at(t, "2025-10-14T23:59:59+08:00"))
	c := &counter{fail: map[int64]bool{ids[2]: true, ids[7]: true}}
	e := deadline.NewEngine(deadline.EngineOptions{Store: f.s, Now: func() time.Time { return now }, Instance: "a", Batch: 4, Fire: c.fire})

	fired, err := e.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if fired != 8 {
		t.Errorf("first pass fired %d, want 8", fired)
	}
	for _, id := range []int64{ids[2], ids[7]} {
		if d := f.deadline(id); d.State != store.DeadlinePending || d.FiredAt.Valid || d.OverdueNotified {
			t.Errorf("failed deadline %d = %s fired_at=%v, want pending and untouched", id, d.State, d.FiredAt)
		}
		if c.calls[id] != 1 {
			t.Errorf("failed deadline %d tried %d times in one pass, want 1", id, c.calls[id])
		}
	}
	if n := f.count("SELECT COUNT(*) FROM notifications WHERE kind = 'deemed_agreed' AND review_id = ?", rid); n != 8 {
		t.Errorf("%d deemed-agreed notices after the first pass, want 8 (none for the failed ones)", n)
	}

	c.fail = nil // the cause is gone: the next pass fires them
	fired, err = e.RunOnce(context.Background())
	if err != nil || fired != 2 {
		t.Fatalf("second pass fired %d, %v; want 2", fired, err)
	}
	for _, id := range ids {
		want := 1
		if id == ids[2] || id == ids[7] {
			want = 2
		}
		if c.calls[id] != want {
			t.Errorf("deadline %d: %d calls, want %d", id, c.calls[id], want)
		}
		if d := f.deadline(id); d.State != store.DeadlineFired || d.FiredBy != "a" {
			t.Errorf("deadline %d = %s by %q", id, d.State, d.FiredBy)
		}
	}
	fired, err = e.RunOnce(context.Background())
	if err != nil || fired != 0 {
		t.Errorf("third pass fired %d, %v; want 0", fired, err)
	}
}

func TestEngineCancelsOrPausesInsteadOfFiring(t *testing.T) {
	f := newFixture(t)
	now := at(t, "2025-10-15T09:00:00+08:00")
	due := at(t, "2025-10-14T23:59:59+08:00")
	moved := f.review(workflow.OpinionSent)
	suspended := f.review(workflow.OpinionSent)
	report := f.review(workflow.InReview)
	ids := append(f.insertDue([]int64{moved, suspended}, 2, due), 0)
	f.setState(moved, workflow.Signed, false)
	f.setState(suspended, workflow.OpinionSent, true)
	var rd store.Deadline
	_ = f.s.InTx(context.Background(), func(q *store.Queries) error {
		var err error
		rd, err = deadline.Schedule(context.Background(), q, calendar.Default(), report, deadline.KindReport, at(t, "2025-09-01T09:00:00+08:00"), 10)
		return err
	})
	ids[2] = rd.ID

	c := &counter{}
	e := deadline.NewEngine(deadline.EngineOptions{Store: f.s, Now: func() time.Time { return now }, Instance: "a", Fire: c.fire})
	fired, err := e.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fired != 1 {
		t.Errorf("fired %d, want 1 (the report deadline only)", fired)
	}
	tests := []struct {
		name  string
		id    int64
		state string
		calls int
	}{
		{"review moved on is cancelled, not fired", ids[0], store.DeadlineCancelled, 0},
		{"suspended review is paused, not fired", ids[1], store.DeadlinePaused, 0},
		{"report deadline of a review still in review fires", ids[2], store.DeadlineFired, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := f.deadline(tc.id)
			if d.State != tc.state || c.calls[tc.id] != tc.calls {
				t.Errorf("state %s with %d fire calls, want %s with %d", d.State, c.calls[tc.id], tc.state, tc.calls)
			}
			if tc.state == store.DeadlineCancelled && (!d.EndedAt.Valid || d.FiredAt.Valid) {
				t.Errorf("cancelled row: ended_at %v fired_at %v", d.EndedAt, d.FiredAt)
			}
		})
	}
	// The firm's users were told the report is overdue.
	if n := f.count(`SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.kind = 'deadline_overdue' AND n.review_id = ? AND u.username = 'zhongjie1'`, report); n != 1 {
		t.Errorf("zhongjie1 got %d overdue notices for the report, want 1", n)
	}
}

func TestPauseResumeKeepsRemainingWorkdays(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		from      string // receipt
		n         int
		pause     string
		left      int64
		resume    string
		wantDue   string
		remaining int64
	}{
		// Due 2025-10-10; on 2025-09-29 the working days after it are 09-30, 10-09, 10-10.
		{"3 left across the National Day week", "2025-09-26T10:00:00+08:00", 5, "2025-09-29T15:00:00+08:00", 3,
			"2025-10-09T09:00:00+08:00", "2025-10-13T23:59:59+08:00", 3}, // 10-10, 10-11 (调休上班), 10-13
		{"4 left across the National Day week", "2025-09-25T10:00:00+08:00", 7, "2025-09-29T15:00:00+08:00", 4,
			"2025-10-09T09:00:00+08:00", "2025-10-14T23:59:59+08:00", 4},
		{"pause and resume on the same day change nothing", "2025-09-30T10:00:00+08:00", 5, "2025-10-09T10:00:00+08:00", 4,
			"2025-10-09T16:00:00+08:00", "2025-10-14T23:59:59+08:00", 4},
		{"paused on the due day is due at the end of the resume day", "2025-09-30T10:00:00+08:00", 5, "2025-10-14T10:00:00+08:00", 0,
			"2025-10-20T09:00:00+08:00", "2025-10-20T23:59:59+08:00", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rid := f.review(workflow.OpinionSent)
			d := f.schedule(rid, deadline.KindOpinion, at(t, tc.from), tc.n)
			ctx := context.Background()
			cal := calendar.Default()
			if err := f.s.InTx(ctx, func(q *store.Queries) error { return deadline.Pause(ctx, q, cal, rid, at(t, tc.pause)) }); err != nil {
				t.Fatal(err)
			}
			p := f.deadline(d.ID)
			if p.State != store.DeadlinePaused || p.RemainingWorkdays != (sql.NullInt64{Int64: tc.left, Valid: true}) || p.NextRemindAt.Valid {
				t.Fatalf("paused row: state %s remaining %v next_remind %v, want paused with %d", p.State, p.RemainingWorkdays, p.NextRemindAt, tc.left)
			}
			// A paused deadline neither fires nor reminds, however late.
			e := deadline.NewEngine(deadline.EngineOptions{Store: f.s, Now: func() time.Time { return at(t, "2025-12-31T09:00:00+08:00") }, Instance: "a"})
			if _, err := e.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if got := f.deadline(d.ID).State; got != store.DeadlinePaused {
				t.Fatalf("after an engine pass the paused deadline is %s", got)
			}
			if _, err := deadline.Current(ctx, &f.s.Queries, rid); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Current of a paused review = %v, want ErrNotFound", err)
			}
			if err := f.s.InTx(ctx, func(q *store.Queries) error { return deadline.Resume(ctx, q, cal, rid, at(t, tc.resume)) }); err != nil {
				t.Fatal(err)
			}
			r := f.deadline(d.ID)
			if r.State != store.DeadlinePending || r.DueAt.Format(time.RFC3339) != tc.wantDue {
				t.Errorf("resumed: state %s due %s, want pending due %s", r.State, r.DueAt.Format(time.RFC3339), tc.wantDue)
			}
			if r.Count() != int(tc.remaining) || !r.StartsAt.Equal(at(t, tc.resume)) {
				t.Errorf("resumed count %d from %s", r.Count(), r.StartsAt)
			}
			if r.Reminded2 || r.Reminded1 || !r.NextRemindAt.Valid {
				t.Errorf("resumed reminders not re-armed: %+v", r)
			}
		})
	}
}

func TestRemindersOnceEach(t *testing.T) {
	f := newFixture(t)
	rid := f.review(workflow.OpinionSent)
	d := f.schedule(rid, deadline.KindOpinion, at(t, "2025-09-30T10:00:00+08:00"), 5) // due 2025-10-14
	notices := func() []string {
		rows, err := f.s.DB.Query(`SELECT n.kind, n.title FROM notifications n JOIN users u ON u.id = n.user_id
			WHERE u.username = 'jianshe' AND n.review_id = ? ORDER BY n.id`, rid)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var k, title string
			if err := rows.Scan(&k, &title); err != nil {
				t.Fatal(err)
			}
			out = append(out, k+":"+title)
		}
		return out
	}
	steps := []struct {
		now   string
		want  int
		last  string
		state string
	}{
		{"2025-10-10T09:00:00+08:00", 0, "", store.DeadlinePending},
		{"2025-10-12T23:00:00+08:00", 0, "", store.DeadlinePending}, // Sunday: 2 working days left, reminder due Monday
		{"2025-10-13T08:00:00+08:00", 1, "剩余2个工作日", store.DeadlinePending},
		{"2025-10-13T17:00:00+08:00", 1, "剩余2个工作日", store.DeadlinePending},
		{"2025-10-14T08:30:00+08:00", 2, "剩余1个工作日", store.DeadlinePending},
		{"2025-10-14T23:59:59+08:00", 2, "剩余1个工作日", store.DeadlinePending},
		{"2025-10-15T00:00:00+08:00", 3, "视同同意", store.DeadlineFired},
		{"2025-10-16T00:00:00+08:00", 3, "视同同意", store.DeadlineFired},
	}
	for _, st := range steps {
		t.Run("at "+st.now, func(t *testing.T) {
			e := deadline.NewEngine(deadline.EngineOptions{Store: f.s, Now: func() time.Time { return at(t, st.now) }, Instance: "a"})
			if _, err := e.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := notices()
			if len(got) != st.want {
				t.Fatalf("notices = %q, want %d", got, st.want)
			}
			if st.want > 0 && !strings.Contains(got[len(got)-1], st.last) {
				t.Errorf("last notice %q does not say %q", got[len(got)-1], st.last)
			}
			if s := f.deadline(d.ID).State; s != st.state {
				t.Errorf("state = %s, want %s", s, st.state)
			}
		})
	}
	r := f.deadline(d.ID)
	if !r.Reminded2 || !r.Reminded1 || !r.OverdueNotified || r.NextRemindAt.Valid {
		t.Errorf("flags after all: %+v", r)
	}
}

func TestFormatDue(t *testing.T) {
	cal := calendar.Default()
	due := at(t, "2025-10-14T23:59:59+08:00")
	tests := []struct {
		name, now, text, class string
	}{
		{"far ahead", "2025-09-30T12:00:00+08:00", "2025-10-14(剩余6个工作日)", ""},
		{"three left", "2025-10-10T12:00:00+08:00", "2025-10-14(剩余4个工作日)", ""},
		{"two left is soon", "2025-10-13T12:00:00+08:00", "2025-10-14(剩余2个工作日)", deadline.ClassSoon},
		{"due day", "2025-10-14T12:00:00+08:00", "2025-10-14(剩余1个工作日)", deadline.ClassSoon},
		{"two working days late", "2025-10-16T12:00:00+08:00", "逾期2个工作日", deadline.ClassOverdue},
		{"late on the Saturday after", "2025-10-18T12:00:00+08:00", "逾期3个工作日", deadline.ClassOverdue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, class := deadline.FormatDue(cal, due, at(t, tc.now))
			if text != tc.text || class != tc.class {
				t.Errorf("FormatDue = %q, %q; want %q, %q", text, class, tc.text, tc.class)
			}
		})
	}
}

// dueText is the description Dues gives review id alone.
func dueText(t *testing.T, q *store.Queries, id int64, now time.Time) (text, class string) {
	t.Helper()
	dues, err := deadline.Dues(context.Background(), q, []int64{id}, now)
	if err != nil {
		t.Fatal(err)
	}
	return dues[id].Text, dues[id].Class
}

func TestDueTextAndOverdue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	opinion := f.review(workflow.OpinionSent)
	f.schedule(opinion, deadline.KindOpinion, at(t, "2025-09-30T10:00:00+08:00"), 5)
	report := f.review(workflow.InReview)
	f.schedule(report, deadline.KindReport, at(t, "2025-09-01T10:00:00+08:00"), 10) // due 2025-09-15
	none := f.review(workflow.Accepted)
	now := at(t, "2025-10-13T10:00:00+08:00")

	if text, class := dueText(t, &f.s.Queries, opinion, now); text != "2025-10-14(剩余2个工作日)" || class != deadline.ClassSoon {
		t.Errorf("DueText(opinion) = %q, %q", text, class)
	}
	if text, class := dueText(t, &f.s.Queries, none, now); text != "" || class != "" {
		t.Errorf("DueText(no deadline) = %q, %q", text, class)
	}
	// The report deadline fires; the review still waits on the firm.
	e := deadline.NewEngine(deadline.EngineOptions{Store: f.s, Now: func() time.Time { return now }, Instance: "a"})
	if _, err := e.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// 09-15 due; 09-16..09-30 (11), 10-09, 10-10, 10-11, 10-13 = 16 working days late.
	if text, class := dueText(t, &f.s.Queries, report, now); text != "逾期16个工作日" || class != deadline.ClassOverdue {
		t.Errorf("DueText(fired report) = %q, %q", text, class)
	}
	// A page of reviews is described in one call, each as it is alone.
	page, err := deadline.Dues(ctx, &f.s.Queries, []int64{opinion, none, report}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[opinion].Text != "2025-10-14(剩余2个工作日)" || page[report].Text != "逾期16个工作日" || page[none].Text != "" {
		t.Errorf("Dues of the page = %+v", page)
	}

	rows, err := deadline.Overdue(ctx, f.s, store.Scope{All: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ReviewID != report || rows[0].DaysOverdue != 16 || rows[0].Kind != deadline.KindReport || rows[0].FirmName == "" || rows[0].Responsible != rows[0].FirmName {
		t.Fatalf("Overdue = %+v, want the report review 16 working days late", rows)
	}
	if rows, err := deadline.Overdue(ctx, f.s, store.Scope{None: true}, now); err != nil || len(rows) != 0 {
		t.Errorf("Overdue with an empty scope = %d rows, %v", len(rows), err)
	}
	// Once the firm submits, the review no longer waits: it leaves the list.
	f.setState(report, workflow.CenterCheck, false)
	if rows, err := deadline.Overdue(ctx, f.s, store.Scope{All: true}, now); err != nil || len(rows) != 0 {
		t.Errorf("Overdue after the report = %d rows, %v", len(rows), err)
	}
	// Paused deadlines say so.
	if err := f.s.InTx(ctx, func(q *store.Queries) error { return deadline.Pause(ctx, q, calendar.Default(), opinion, now) }); err != nil {
		t.Fatal(err)
	}
	if text, class := dueText(t, &f.s.Queries, opinion, now); text != "暂停计时(剩余1个工作日)" || class != deadline.ClassPaused {
		t.Errorf("DueText(paused) = %q, %q", text, class)
	}
}

func TestCalendarImportMovesFlaggedDeadlines(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rid := f.review(workflow.OpinionSent)
	d := f.schedule(rid, deadline.KindOpinion, at(t, "2026-12-30T09:00:00+08:00"), 3) // 12-31, 2027-01-01, 01-04 as plain Mon–Fri
	untouched := f.review(workflow.OpinionSent)
	u := f.schedule(untouched, deadline.KindOpinion, at(t, "2025-09-30T10:00:00+08:00"), 5)
	if d.FlaggedYear.Int64 != 2027 {
		t.Fatalf("flagged_year = %v", d.FlaggedYear)
	}
	days, err := calendar.ParseCSV(strings.NewReader("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n"))
	if err != nil {
		t.Fatal(err)
	}

	plan, err := deadline.PlanImport(ctx, &f.s.Queries, days)
	if err != nil {
		t.Fatalf("PlanImport: %v", err)
	}
	if len(plan.Changes) != 2 || plan.Changes[0].Date.String() != "2027-01-01" || !plan.Changes[0].WorkdayChanged() ||
		plan.Changes[0].After.Label() != "放假(元旦)" || plan.Changes[1].After.Label() != "调休上班(春节调休)" {
		t.Errorf("changes = %+v", plan.Changes)
	}
	if len(plan.Moves) != 1 || plan.Moves[0].DeadlineID != d.ID || plan.Moves[0].NewDue.Format(time.RFC3339) != "2027-01-05T23:59:59+08:00" ||
		plan.Moves[0].NewFlagged.Valid {
		t.Fatalf("moves = %+v, want deadline %d to 2027-01-05, unflagged", plan.Moves, d.ID)
	}
	if got := f.deadline(d.ID); !got.DueAt.Equal(d.DueAt) {
		t.Fatal("the preview wrote the deadline")
	}
	if n := f.count("SELECT COUNT(*) FROM calendar_days"); n != 0 {
		t.Fatalf("the preview wrote %d calendar rows", n)
	}

	admin, err := f.s.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	var applied deadline.CalendarEdit
	if err := f.s.InTx(ctx, func(q *store.Queries) error {
		applied, err = deadline.ApplyImport(ctx, q, days, auth.FromUser(admin), at(t, "2026-12-30T15:00:00+08:00"))
		return err
	}); err != nil {
		t.Fatalf("ApplyImport: %v", err)
	}
	if len(applied.Moves) != 1 || applied.Moves[0].DeadlineID != d.ID {
		t.Errorf("applied moves = %+v", applied.Moves)
	}
	got := f.deadline(d.ID)
	if got.DueAt.Format(time.RFC3339) != "2027-01-05T23:59:59+08:00" || got.FlaggedYear.Valid {
		t.Errorf("after import: due %s flagged %v", got.DueAt.Format(time.RFC3339), got.FlaggedYear)
	}
	if got := f.deadline(u.ID); !got.DueAt.Equal(u.DueAt) {
		t.Error("a 2025 deadline moved")
	}
	if n := f.count("SELECT COUNT(*) FROM calendar_days WHERE YEAR(day) = 2027"); n != 2 {
		t.Errorf("%d 2027 rows stored, want 2", n)
	}
	if n := f.count("SELECT COUNT(*) FROM audit_events WHERE action = 'deadline_recompute' AND review_id = ? AND detail LIKE '%导入节假日数据%'", rid); n != 1 {
		t.Errorf("%d recompute audit events with the reason, want 1", n)
	}
	if n := f.count("SELECT COUNT(*) FROM audit_events WHERE action = 'calendar_import' AND actor_id = ?", admin.ID); n != 1 {
		t.Errorf("%d calendar_import audit events, want 1", n)
	}
	cal, err := deadline.LoadCalendar(ctx, &f.s.Queries)
	if err != nil || !cal.HasYear(2027) || cal.IsWorkday(calendar.NewDate(2027, time.January, 1)) {
		t.Errorf("LoadCalendar does not see the imported year: %v", err)
	}

	t.Run("a single day and its removal move the deadline back and forth", func(t *testing.T) {
		var edit deadline.CalendarEdit
		err := f.s.InTx(ctx, func(q *store.Queries) error {
			edit, err = deadline.SetDay(ctx, q, calendar.Day{Date: calendar.NewDate(2027, time.January, 4), Kind: calendar.Holiday, Name: "元旦"}, auth.FromUser(admin), time.Now())
			return err
		})
		if err != nil || len(edit.Moves) != 1 || edit.Moves[0].NewDue.Format("2006-01-02") != "2027-01-06" {
			t.Fatalf("SetDay: %v, moves %+v", err, edit.Moves)
		}
		err = f.s.InTx(ctx, func(q *store.Queries) error {
			edit, err = deadline.DeleteDay(ctx, q, calendar.NewDate(2027, time.January, 4), auth.FromUser(admin), time.Now())
			return err
		})
		if err != nil || len(edit.Moves) != 1 || edit.Moves[0].NewDue.Format("2006-01-02") != "2027-01-05" {
			t.Fatalf("DeleteDay: %v, moves %+v", err, edit.Moves)
		}
		err = f.s.InTx(ctx, func(q *store.Queries) error {
			_, err := deadline.DeleteDay(ctx, q, calendar.NewDate(2027, time.January, 4), auth.FromUser(admin), time.Now())
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting a missing day: %v", err)
		}
	})
}

func TestValidateDay(t *testing.T) {
	tests := []struct {
		name  string
		day   calendar.Day
		field string
	}{
		{"holiday", calendar.Day{Date: calendar.NewDate(2027, time.January, 1), Kind: calendar.Holiday, Name: "元旦"}, ""},
		{"make-up Saturday", calendar.Day{Date: calendar.NewDate(2027, time.February, 6), Kind: calendar.Workday, Name: "春节调休"}, ""},
		{"workday on a Friday", calendar.Day{Date: calendar.NewDate(2027, time.January, 1), Kind: calendar.Workday, Name: "x"}, "kind"},
		{"unknown kind", calendar.Day{Date: calendar.NewDate(2027, time.January, 1), Kind: "rest", Name: "x"}, "kind"},
		{"no name", calendar.Day{Date: calendar.NewDate(2027, time.January, 1), Kind: calendar.Holiday}, "name"},
		{"no date", calendar.Day{Kind: calendar.Holiday, Name: "x"}, "date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := deadline.ValidateDay(tc.day)
			var fe *input.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("ValidateDay: %v", err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field() != tc.field):
				t.Errorf("ValidateDay = %v, want a %s field error", err, tc.field)
			}
		})
	}
}

func TestMissingYearBanner(t *testing.T) {
	cal := calendar.Default()
	tests := []struct {
		name, now string
		want      []string
	}{
		{"2025 and 2026 covered", "2025-06-01T12:00:00+08:00", nil},
		{"2027 missing next year", "2026-06-01T12:00:00+08:00", []string{"2027 年"}},
		{"both missing", "2027-06-01T12:00:00+08:00", []string{"2027 年", "2028 年"}},
		{"new year's eve in UTC is already the next year here", "2025-12-31T17:00:00Z", []string{"2027 年"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := deadline.MissingYearBanner(cal, at(t, tc.now))
			if len(tc.want) == 0 && got != "" {
				t.Errorf("banner = %q, want none", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("banner %q does not name %s", got, w)
				}
			}
		})
	}
}

// Each deadline fires on the review as it is after the claim's earlier
// firings: a fire that writes the review with the version it was handed
// would fail on a stale copy.
func TestEngineFiresOnTheReviewAsItIsNow(t *testing.T) {
	f := newFixture(t)
	rid := f.review(workflow.OpinionSent)
	other := f.review(workflow.OpinionSent)
	now := at(t, "2025-10-15T09:00:00+08:00")
	f.insertDue([]int64{rid, other}, 10, at(t, "2025-10-14T23:59:59+08:00"))
	seen := map[int64][]int{}
	write := func(ctx context.Context, q *store.Queries, d store.Deadline, r store.Review) error {
		seen[r.ID] = append(seen[r.ID], r.Version)
		return q.UpdateReview(ctx, r.ID, r.Version, r.Change(), now)
	}
	e := deadline.NewEngine(deadline.EngineOptions{Store: f.s, Now: func() time.Time { return now }, Instance: "a", Batch: 20, Fire: write})
	fired, err := e.RunOnce(context.Background())
	if err != nil || fired != 10 {
		t.Fatalf("fired %d, %v; want 10", fired, err)
	}
	for id, versions := range seen {
		for i := 1; i < len(versions); i++ {
			if versions[i] != versions[i-1]+1 {
				t.Fatalf("review %d handed versions %v, want each firing to see the last one's write", id, versions)
			}
		}
	}
}

// A list reads a review's deadlines but the cancelled ones (most of a
// province's), and describes the review as before.
func TestDuesPassOverCancelledDeadlines(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.review(workflow.InReview)
	old := f.schedule(id, deadline.KindReport, at(t, "2025-08-01T10:00:00+08:00"), 10)
	f.schedule(id, deadline.KindReport, at(t, "2025-10-09T10:00:00+08:00"), 10) // due 2025-10-22
	if _, err := f.s.DB.ExecContext(ctx, "UPDATE deadlines SET state = 'cancelled' WHERE id = ?", old.ID); err != nil {
		t.Fatal(err)
	}
	sets, err := f.s.DeadlinesOfReviews(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	if ds := sets[id].Deadlines; len(ds) != 1 || ds[0].ID == old.ID || ds[0].State != store.DeadlinePending {
		t.Fatalf("deadlines read = %+v, want the pending one alone", ds)
	}
	if text, class := dueText(t, &f.s.Queries, id, at(t, "2025-10-13T10:00:00+08:00")); text != "2025-10-22(剩余8个工作日)" || class != "" {
		t.Errorf("Dues = %q, %q; want the pending deadline's", text, class)
	}
}
