package store

import (
	"context"
	"fmt"
	"strings"
)

// Lists read in batches without counting: the to-do list's first page and
// the review list's Excel export, which reads every matching review.

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

// countReviews counts the reviews matching a review list's condition,
// from reviews through their indexes: the optimizer would otherwise start
// from the few projects and read every review of each.
func (q *Queries) countReviews(ctx context.Context, w string, args []any) (int, error) {
	from := " FROM reviews r"
	if strings.Contains(w, "p.") {
		from += " STRAIGHT_JOIN projects p ON p.id = r.project_id"
	}
	var n int
	if err := q.db.QueryRowContext(ctx, "SELECT COUNT(*)"+from+" WHERE "+w, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count reviews: %w", err)
	}
	return n, nil
}

// CountReviews counts the reviews the scope sees that f selects.
func (q *Queries) CountReviews(ctx context.Context, sc Scope, f ReviewFilter) (int, error) {
	w, args := f.where(sc)
	return q.countReviews(ctx, w, args)
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
	from := "reviews r"
	if strings.Contains(w, "p.") {
		from += " JOIN projects p ON p.id = r.project_id"
	}
	// The ids of the batch first, then the names of just those rows, as
	// Reviews does.
	page := "SELECT r.id FROM " + from + " WHERE " + w + " ORDER BY " + col + dir + ", r.id DESC LIMIT ?"
	query := "SELECT " + reviewColumns + " FROM (" + page + ") pg STRAIGHT_JOIN reviews r ON r.id = pg.id" +
		" JOIN projects p ON p.id = r.project_id JOIN jurisdictions j ON j.id = r.jurisdiction_id" +
		" JOIN organizations u ON u.id = r.unit_org_id LEFT JOIN organizations f ON f.id = r.firm_id" +
		" ORDER BY " + col + dir + ", r.id DESC"
	rows, err := q.db.QueryContext(ctx, query, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("reviews after: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
