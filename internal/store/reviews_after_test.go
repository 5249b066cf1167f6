package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

// TestReviewsAfterPagesLikeTheList: reading a list in batches, each after
// the last row of the one before, gives the rows of the list in its order,
// for every sort and direction, ties included, within the scope; a count
// up to a bound is exact below it and the bound above.
func TestReviewsAfterPagesLikeTheList(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	states := []string{"draft", "submitted", "in_review", "concluded"}
	for i := range 23 {
		project := "LH-2026-001"
		if i%4 == 3 {
			project = "WY-2026-001" // another jurisdiction
		}
		// Amounts and update times repeat, so ties are broken by id.
		if _, err := s.DB.ExecContext(ctx, `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id,
			  submitted_amount, created_at, updated_at)
			SELECT id, 'settlement', ?, jurisdiction_id, unit_org_id, ?, ?, ? FROM projects WHERE code = ?`,
			states[i%len(states)], fmt.Sprintf("%d.50", 1000*(i%5)), base, base.Add(time.Duration(i%3)*time.Hour), project); err != nil {
			t.Fatal(err)
		}
	}
	var jurisdiction int64
	if err := s.DB.QueryRowContext(ctx, "SELECT jurisdiction_id FROM projects WHERE code = 'LH-2026-001'").Scan(&jurisdiction); err != nil {
		t.Fatal(err)
	}
	scopes := map[string]store.Scope{"city": {All: true}, "jurisdiction": {JurisdictionID: jurisdiction}}
	for name, sc := range scopes {
		for _, sort := range []string{"", "created", "amount", "updated", "state"} {
			for _, desc := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s sort %q desc %v", name, sort, desc), func(t *testing.T) {
					f := store.ReviewFilter{Sort: sort, Desc: desc, Limit: 1000}
					all, total, err := s.Reviews(ctx, sc, f)
					if err != nil {
						t.Fatal(err)
					}
					if n, err := s.CountReviews(ctx, sc, f); err != nil || n != total || total != len(all) {
						t.Fatalf("count %d (%v), list total %d, rows %d", n, err, total, len(all))
					}
					for _, countTo := range []int{total - 1, total, total + 1} {
						f.Limit = 3
						rows, n, err := s.ReviewsCountedTo(ctx, sc, f, countTo)
						if err != nil || n != min(total, countTo) || len(rows) != 3 || rows[0].ID != all[0].ID {
							t.Fatalf("counted to %d: %d of %d (%v), %d rows", countTo, n, total, err, len(rows))
						}
					}
					f.Limit = 4
					var got []int64
					var after *store.Review
					for range 20 {
						batch, err := s.ReviewsAfter(ctx, sc, f, after)
						if err != nil {
							t.Fatal(err)
						}
						for _, r := range batch {
							got = append(got, r.ID)
						}
						if len(batch) < f.Limit {
							break
						}
						after = &batch[len(batch)-1]
					}
					var want []int64
					for _, r := range all {
						want = append(want, r.ID)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("in batches %v\nthe list   %v", got, want)
					}
				})
			}
		}
	}
}

// TestReportSumsReadIndexesOnly: the dashboard's and the bulletin's sums
// read index entries alone ("Using index"), never the review rows.
func TestReportSumsReadIndexesOnly(t *testing.T) {
	s := testenv.DB(t)
	queries := map[string]string{
		"counts by state and kind": `SELECT r.state, r.kind, r.suspended, COUNT(*) FROM reviews r WHERE r.jurisdiction_id = 2
			GROUP BY r.state, r.kind, r.suspended`,
		"concluded in a period": `SELECT r.kind, r.jurisdiction_id, COUNT(*), SUM(r.submitted_amount),
			SUM(COALESCE(r.audited_amount, r.submitted_amount)), SUM(r.import_id IS NOT NULL) FROM reviews r
			WHERE r.concluded_at >= '2026-01-01' AND r.concluded_at < '2026-02-01' GROUP BY r.kind, r.jurisdiction_id`,
		"concluded by unit": `SELECT r.unit_org_id, COUNT(*), SUM(r.submitted_amount), SUM(r.audited_amount) FROM reviews r
			WHERE r.jurisdiction_id = 2 AND r.concluded_at IS NOT NULL GROUP BY r.unit_org_id`,
		"submitted in a period": `SELECT r.kind, COUNT(*), SUM(r.submitted_amount) FROM reviews r
			WHERE r.submitted_at >= '2026-01-01' AND r.submitted_at < '2026-02-01' GROUP BY r.kind`,
	}
	for name, query := range queries {
		var (
			id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
			rows                                                          sql.NullInt64
		)
		// FORCE nothing: an empty table lets the optimizer pick any index, so
		// the check is that one index holds every column the sum reads.
		if err := s.DB.QueryRowContext(context.Background(), "EXPLAIN "+query).
			Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(extra.String, "Using index") {
			t.Errorf("%s reads the review rows (key %q, %q)", name, key.String, extra.String)
		}
	}
}

// TestStateListsNeedNoSort: a page of one state's reviews, newest first,
// of every review or of one unit's, is read in index order: no sort of all
// of the state's reviews.
func TestStateListsNeedNoSort(t *testing.T) {
	s := testenv.DB(t)
	for index, query := range map[string]string{
		"idx_reviews_state":      `SELECT r.id FROM reviews r FORCE INDEX (idx_reviews_state) WHERE r.state IN ('in_review')`,
		"idx_reviews_unit_state": `SELECT r.id FROM reviews r FORCE INDEX (idx_reviews_unit_state) WHERE r.unit_org_id = 5 AND r.state IN ('in_review')`,
	} {
		var (
			id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
			rows                                                          sql.NullInt64
		)
		if err := s.DB.QueryRowContext(context.Background(), "EXPLAIN "+query+" ORDER BY r.id DESC LIMIT 20 OFFSET 380").
			Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra); err != nil {
			t.Fatal(err)
		}
		if key.String != index || strings.Contains(extra.String, "filesort") {
			t.Errorf("%s: key %q, %q: the page sorts the state's reviews", index, key.String, extra.String)
		}
	}
}

// TestNewestOfSeveralStates: the first page of a list of several states
// (a to-do list), read state by state from each state's index, is the
// list's first page, for every scope, page length and suspended filter.
func TestNewestOfSeveralStates(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	states := []string{"draft", "submitted", "in_review", "concluded", "returned"}
	for i := range 40 {
		project := "LH-2026-001"
		if i%4 == 3 {
			project = "WY-2026-001" // another jurisdiction
		}
		if _, err := s.DB.ExecContext(ctx, `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id,
			  submitted_amount, suspended, created_at, updated_at)
			SELECT id, 'settlement', ?, jurisdiction_id, unit_org_id, 1000, ?, NOW(), NOW() FROM projects WHERE code = ?`,
			states[(i*7)%len(states)], i%5 == 0, project); err != nil {
			t.Fatal(err)
		}
	}
	var jurisdiction, unit int64
	if err := s.DB.QueryRowContext(ctx, "SELECT jurisdiction_id, unit_org_id FROM projects WHERE code = 'LH-2026-001'").Scan(&jurisdiction, &unit); err != nil {
		t.Fatal(err)
	}
	notSuspended := false
	scopes := map[string]store.Scope{"city": {All: true}, "jurisdiction": {JurisdictionID: jurisdiction}, "unit": {UnitID: unit}}
	for name, sc := range scopes {
		for _, limit := range []int{1, 3, 7, 50} {
			for _, suspended := range []*bool{nil, &notSuspended} {
				f := store.ReviewFilter{States: []workflow.State{"draft", "in_review", "returned"}, Suspended: suspended, Limit: limit}
				want, _, err := s.Reviews(ctx, sc, f)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.ReviewsAfter(ctx, sc, f, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 || len(got) != len(want) {
					t.Fatalf("%s, %d a page, suspended %v: %d reviews, want %d", name, limit, suspended, len(got), len(want))
				}
				for i := range want {
					if got[i].ID != want[i].ID {
						t.Fatalf("%s, %d a page: review %d is %d, want %d", name, limit, i, got[i].ID, want[i].ID)
					}
				}
			}
		}
	}
}
