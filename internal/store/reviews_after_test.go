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

// TestBulletinPeriodsHaveIndexes: the bulletin's sums of a period read the
// reviews concluded, or first submitted, in it through an index.
func TestBulletinPeriodsHaveIndexes(t *testing.T) {
	s := testenv.DB(t)
	for column, index := range map[string]string{"concluded_at": "idx_reviews_concluded", "submitted_at": "idx_reviews_submitted"} {
		var (
			id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
			rows                                                          sql.NullInt64
		)
		err := s.DB.QueryRowContext(context.Background(), `EXPLAIN SELECT r.kind, COUNT(*) FROM reviews r
			WHERE r.`+column+` >= '2026-01-01' AND r.`+column+` < '2026-02-01' GROUP BY r.kind`).
			Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(possible.String, index) {
			t.Errorf("possible keys %q for a period of %s: no %s", possible.String, column, index)
		}
	}
}
