package store

import (
	"context"
	"fmt"
	"strings"

	"finreview/workflow"
)

// How review lists are read: counted (up to a bound, for a page's pager),
// or in batches without counting (the to-do list's first page, and the
// Excel export, which reads every matching review).

// order is the list's ORDER BY column and direction for f.Sort and f.Desc
// (newest first by default); ties are broken by r.id, descending.
func (f ReviewFilter) order() (col string, desc bool) {
	switch f.Sort {
	case "amount":
		col = "r.submitted_amount"
	case "updated":
		col = "r.updated_at"
	case "state":
		col = "r.state"
	default:
		col = "r.id"
	}
	return col, f.Desc || f.Sort == ""
}

// listFrom is the FROM of a review list's ids under the condition w: the
// projects are joined only when w reads them (a search, a department's
// scope). Joined without need, the optimizer starts from the few projects
// and sorts every review of theirs for one page: 80–110 ms for the
// unfiltered list of 100,000 reviews, against under a millisecond from the
// reviews' primary key. hint, when given, is an index hint for reviews.
func listFrom(w, hint string) string {
	from := "reviews r"
	if hint != "" {
		from += " " + hint
	}
	if strings.Contains(w, "p.") {
		from += " JOIN projects p ON p.id = r.project_id"
	}
	return from
}

// countReviews counts the reviews matching a review list's condition, up
// to countTo when it is above 0; from reviews through their indexes: the
// optimizer would otherwise start from the few projects and read every
// review of each.
func (q *Queries) countReviews(ctx context.Context, w string, args []any, countTo int) (int, error) {
	from := " FROM reviews r"
	if strings.Contains(w, "p.") {
		from += " STRAIGHT_JOIN projects p ON p.id = r.project_id"
	}
	query := "SELECT COUNT(*)" + from + " WHERE " + w
	if countTo > 0 {
		query = "SELECT COUNT(*) FROM (SELECT 1" + from + " WHERE " + w + " LIMIT ?) t"
		args = append(args[:len(args):len(args)], countTo)
	}
	var n int
	if err := q.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count reviews: %w", err)
	}
	return n, nil
}

// CountReviews counts the reviews the scope sees that f selects.
func (q *Queries) CountReviews(ctx context.Context, sc Scope, f ReviewFilter) (int, error) {
	w, args := f.where(sc)
	return q.countReviews(ctx, w, args, 0)
}

// ReviewsCountedTo is Reviews with the total counted up to countTo only:
// exact below it, countTo when as many or more match. Counting stops
// there, so a page of a list of 100,000 reviews costs what one of 10,000
// does (the whole count read 100,000 index entries, 15–40 ms of the
// database on every page).
func (q *Queries) ReviewsCountedTo(ctx context.Context, sc Scope, f ReviewFilter, countTo int) ([]Review, int, error) {
	return q.reviews(ctx, sc, f, countTo)
}

// ReviewsAfter lists up to f.Limit (20 by default) reviews the scope sees
// that f selects, in the list's order, starting after the review given
// (at the first when nil); f.Offset is not used. The page starts where the
// last one ended (keyset paging) rather than skipping rows, so every batch
// costs the same however far a reader has gone, and nothing is counted.
func (q *Queries) ReviewsAfter(ctx context.Context, sc Scope, f ReviewFilter, after *Review) ([]Review, error) {
	w, args := f.where(sc)
	col, desc := f.order()
	if after != nil {
		var key any
		switch col {
		case "r.submitted_amount":
			key = after.SubmittedAmount
		case "r.updated_at":
			key = after.UpdatedAt
		case "r.state":
			key = after.State
		}
		switch {
		case key == nil && desc:
			w += " AND r.id < ?"
			args = append(args, after.ID)
		case key == nil:
			w += " AND r.id > ?"
			args = append(args, after.ID)
		default:
			cmp := " > "
			if desc {
				cmp = " < "
			}
			w += " AND (" + col + cmp + "? OR (" + col + " = ? AND r.id < ?))"
			args = append(args, key, key, after.ID)
		}
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	// The ids of the batch first, then the names of just those rows, as
	// Reviews does.
	page := "SELECT r.id FROM " + listFrom(w, "") + " WHERE " + w + " ORDER BY " + col + dir + ", r.id DESC LIMIT ?"
	args = append(args, f.Limit)
	if after == nil && col == "r.id" && desc && len(f.States) > 1 {
		page, args = newestOfStates(sc, f)
	}
	query := "SELECT " + reviewColumns + " FROM (" + page + ") pg STRAIGHT_JOIN reviews r ON r.id = pg.id" +
		" JOIN projects p ON p.id = r.project_id JOIN jurisdictions j ON j.id = r.jurisdiction_id" +
		" JOIN organizations u ON u.id = r.unit_org_id LEFT JOIN organizations f ON f.id = r.firm_id" +
		" ORDER BY " + col + dir + ", r.id DESC"
	out, err := queryAll(ctx, q.db, scanReview, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reviews after: %w", err)
	}
	return out, nil
}

// notByID keeps a page of one state from being read by walking the
// primary key: the state's own index holds its reviews in id order.
const notByID = "IGNORE INDEX FOR ORDER BY (PRIMARY)"

// newestOfStates is the ids of the newest f.Limit reviews of a list of
// several states (a to-do list), with their arguments: each state's newest
// from its own index entries, which hold them in id order, then the
// newest of those. Ranged over the states at once, the page read and
// sorted every review in them: 20,000 ids for the review center's to-do
// list of 100,000 reviews, against at most f.Limit a state.
//
// Each state's part keeps the optimizer from walking the whole table
// backwards by id (notByID): for a state whose reviews are mostly old, such
// as concluded, it expected 259 rows and read 28,000.
func newestOfStates(sc Scope, f ReviewFilter) (string, []any) {
	parts := make([]string, 0, len(f.States))
	var args []any
	for _, st := range f.States {
		one := f
		one.States = []workflow.State{st}
		w, a := one.where(sc)
		parts = append(parts, "(SELECT r.id FROM "+listFrom(w, notByID)+" WHERE "+w+" ORDER BY r.id DESC LIMIT ?)")
		args = append(append(args, a...), f.Limit)
	}
	return "SELECT id FROM (" + strings.Join(parts, " UNION ALL ") + ") s ORDER BY id DESC LIMIT ?", append(args, f.Limit)
}
