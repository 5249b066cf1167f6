package main

import (
	"context"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/billing"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestDayFixture: the working day's data is a province's — many
// jurisdictions, units and firms, the demo unit's users with a share of
// their own — and every review carries the history the product would
// have written: an audit chain that verifies, a timeline, documents,
// papers with their PDFs' rows and numbers the counters go past, fee
// statements that recompute, deadlines the engine leaves alone. Writing
// it again adds nothing; bare reviews of other steps are given a history,
// and the virtual users' reviews keep their firm and state.
func TestDayFixture(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	var name string
	if err := s.DB.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FINREVIEW_AUDIT_KEY_FILE", testenv.AuditKeyFile(t))
	h := &harness{db: s.DB, dsn: testenv.DSN(t, name)}
	const n = 1500
	if err := h.ensureReviews(ctx, n); err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var v int
		if err := s.DB.QueryRowContext(ctx, q, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	if got := count("SELECT COUNT(*) FROM reviews"); got != n {
		t.Fatalf("%d reviews, want %d", got, n)
	}
	if j := count("SELECT COUNT(DISTINCT jurisdiction_id) FROM reviews"); j < 60 {
		t.Errorf("reviews in %d jurisdictions, want a province's (≥ 60)", j)
	}
	if u := count("SELECT COUNT(DISTINCT unit_org_id) FROM reviews"); u < 300 {
		t.Errorf("reviews of %d units, want many (≥ 300)", u)
	}
	if f := count("SELECT COUNT(DISTINCT firm_id) FROM reviews"); f < 40 {
		t.Errorf("reviews with %d firms, want many (≥ 40)", f)
	}
	demo := count("SELECT COUNT(*) FROM reviews r JOIN users u ON u.org_id = r.unit_org_id WHERE u.username = 'jianshe'")
	if demo < n/100 || demo > n/10 {
		t.Errorf("the demo unit has %d of %d reviews, want a few per cent", demo, n)
	}
	first := count("SELECT COUNT(*) FROM reviews r JOIN users u ON u.org_id = r.firm_id WHERE u.username = 'zhongjie1'")
	if first < n/200 || first > n/10 {
		t.Errorf("the first demo firm has %d of %d reviews, want a share of its city's", first, n)
	}
	if st := count("SELECT COUNT(DISTINCT state) FROM reviews"); st < 15 {
		t.Errorf("%d states, want the whole workflow's", st)
	}

	res, err := audit.Verify(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("audit chains do not verify: %v", res.Problems)
	}
	// An anchor vouches for every review's chain, so serve's first anchor
	// of the day covers only what the day moves.
	if got := count("SELECT COUNT(*) FROM audit_anchor_heads WHERE stream LIKE 'review:%'"); got != n {
		t.Errorf("the anchor vouches for %d review chains, want %d", got, n)
	}
	if bad := count(`SELECT COUNT(*) FROM reviews r WHERE r.state <> 'draft' AND
		(SELECT COUNT(*) FROM review_events e WHERE e.review_id = r.id) NOT BETWEEN 1 AND 30`); bad > 0 {
		t.Errorf("%d reviews past draft without a timeline", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM (SELECT from_state, COALESCE(LAG(to_state) OVER (PARTITION BY review_id ORDER BY id), 'draft') AS prev,
		at, COALESCE(LAG(at) OVER (PARTITION BY review_id ORDER BY id), '2000-01-01') AS prev_at FROM review_events) e
		WHERE from_state <> prev OR at <= prev_at`); bad > 0 {
		t.Errorf("%d timeline events not from their review's state before them, or not after them", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM reviews r WHERE r.state <> COALESCE((SELECT e.to_state FROM review_events e
		WHERE e.review_id = r.id ORDER BY e.id DESC LIMIT 1), 'draft')`); bad > 0 {
		t.Errorf("%d reviews not in the state their timeline ends in", bad)
	}
	if bad := count("SELECT COUNT(*) FROM review_events WHERE at >= ?", time.Now().Truncate(24*time.Hour).Add(-8*time.Hour)); bad > 0 {
		t.Errorf("%d timeline events today or later: the day's own work is the virtual users'", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM reviews r WHERE r.audit_seq <> (SELECT COUNT(*) FROM audit_events a WHERE a.stream = CONCAT('review:', r.id))
		OR r.audit_seq < 2`); bad > 0 {
		t.Errorf("%d reviews whose audit head is not their chain's end", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM reviews r WHERE (SELECT COUNT(*) FROM documents d WHERE d.review_id = r.id AND NOT d.official) NOT BETWEEN 1 AND 6`); bad > 0 {
		t.Errorf("%d reviews without 1–6 uploaded documents", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM papers pp LEFT JOIN documents d ON d.id = pp.document_id
		WHERE d.id IS NULL OR NOT d.official OR d.category <> pp.kind OR d.review_id <> pp.review_id`); bad > 0 {
		t.Errorf("%d papers without their PDF's row: the renderer would make them during the day", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM reviews WHERE state IN ('opinion_sent','signed','concluded','processed','archived')
		AND id NOT IN (SELECT review_id FROM papers WHERE kind = 'opinion_letter')`); bad > 0 {
		t.Errorf("%d reviews past the opinion letter without one", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM papers pp WHERE pp.number > (SELECT last_number FROM paper_counters c
		WHERE c.jurisdiction_id = pp.jurisdiction_id AND c.series = pp.kind AND c.year = pp.year)`); bad > 0 {
		t.Errorf("%d papers past their series' counter: the next paper would take a number twice", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM reviews WHERE state IN ('concluded','processed','archived')
		AND id NOT IN (SELECT review_id FROM fee_statements)`); bad > 0 {
		t.Errorf("%d concluded reviews without a fee statement", bad)
	}
	if got := count("SELECT COUNT(*) FROM deadlines WHERE state = 'pending' AND (due_at < ? OR next_remind_at < ?)", time.Now(), time.Now()); got > 0 {
		t.Errorf("%d pending deadlines already due: the engine would fire them during the day", got)
	}
	if got := count("SELECT COUNT(*) FROM deadlines WHERE state = 'fired'"); got == 0 {
		t.Errorf("no fired deadline")
	}
	if bad := count(`SELECT COUNT(*) FROM deadlines d JOIN reviews r ON r.id = d.review_id WHERE d.state IN ('pending','paused') AND NOT
		((d.kind = 'intake' AND r.state = 'notified') OR (d.kind = 'report' AND r.state IN ('delegated','in_review','reconciling'))
		 OR (d.kind = 'opinion' AND r.state = 'opinion_sent'))`); bad > 0 {
		t.Errorf("%d open deadlines of a state their review left", bad)
	}
	if bad := count(`SELECT COUNT(*) FROM reviews r WHERE r.suspended <> (r.id IN (SELECT review_id FROM suspensions WHERE ended_at IS NULL))`); bad > 0 {
		t.Errorf("%d reviews whose suspension flag and open suspension disagree", bad)
	}

	// What the review page reads loads and checks, for a sample.
	bill := billing.NewService(s, time.Now)
	rows, err := s.DB.QueryContext(ctx, "SELECT id FROM reviews ORDER BY RAND() LIMIT 150")
	if err != nil {
		t.Fatal(err)
	}
	var sample []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		sample = append(sample, id)
	}
	rows.Close()
	for _, id := range sample {
		d, err := s.ReviewDossier(ctx, store.Scope{All: true}, id)
		if err != nil {
			t.Fatalf("dossier of review %d: %v", id, err)
		}
		if d.Delegation != nil {
			if d.Delegation.FirmID != d.Review.FirmID {
				t.Errorf("review %d: delegation to firm %d, review held by %d", id, d.Delegation.FirmID, d.Review.FirmID)
			}
			if len(d.Delegation.Considered) == 0 {
				t.Errorf("review %d: delegation without the firms considered", id)
			}
		}
		if d.Statement != nil {
			st, err := bill.Statement(ctx, id)
			if err != nil {
				t.Fatalf("statement of review %d: %v", id, err)
			}
			if err := st.Verify(); err != nil {
				t.Errorf("statement of review %d does not recompute: %v", id, err)
			}
		}
	}

	// Again: nothing to add.
	before := count("SELECT COUNT(*) FROM audit_events")
	if err := h.ensureReviews(ctx, n); err != nil {
		t.Fatal(err)
	}
	if after := count("SELECT COUNT(*) FROM audit_events"); after != before {
		t.Errorf("a second run wrote %d audit events", after-before)
	}

	// Another step's bare reviews are given a history; the virtual users'
	// keep their firm and state.
	bare, err := h.reviewFixture(ctx, 30, "archived", "settlement", false)
	if err != nil {
		t.Fatal(err)
	}
	own, err := h.reviewFixture(ctx, 20, "in_review", "settlement", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.dayHistory(ctx, own); err != nil {
		t.Fatal(err)
	}
	if err := h.ensureReviews(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got := count("SELECT COUNT(*) FROM reviews"); got != n+50 {
		t.Errorf("%d reviews, want %d", got, n+50)
	}
	if got := count("SELECT COUNT(*) FROM reviews WHERE id BETWEEN ? AND ? AND audit_seq > 0", bare[0], bare[len(bare)-1]); got != len(bare) {
		t.Errorf("%d of %d bare reviews given a history", got, len(bare))
	}
	if got := count(`SELECT COUNT(*) FROM reviews r JOIN delegations g ON g.review_id = r.id AND g.firm_id = r.firm_id
		WHERE r.id BETWEEN ? AND ? AND r.state = 'in_review' AND NOT r.suspended
		AND r.firm_id = (SELECT MIN(org_id) FROM firms) AND r.unit_org_id = (SELECT unit_org_id FROM projects WHERE code = 'LH-2026-001')`,
		own[0], own[len(own)-1]); got != len(own) {
		t.Errorf("%d of %d of the virtual users' reviews kept their state, unit and firm", got, len(own))
	}
	if res, err := audit.Verify(ctx, s); err != nil || !res.OK {
		t.Fatalf("audit chains after the top-up: %v %v", err, res.Problems)
	}
}
