package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"finreview/internal/testenv"
)

// A unit's to-do count can read its to-do states' index entries instead
// of every review of the unit.
func TestUnitTodoCountHasIndex(t *testing.T) {
	s := testenv.DB(t)
	var (
		id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
		rows                                                          sql.NullInt64
	)
	err := s.DB.QueryRowContext(context.Background(), `EXPLAIN SELECT COUNT(*) FROM reviews r
		WHERE r.unit_org_id = 5 AND r.state IN ('draft','opinion_sent','returned') AND r.suspended = 0`).
		Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(possible.String, "idx_reviews_unit_state") {
		t.Fatalf("possible keys %q: no index on (unit_org_id, state, suspended)", possible.String)
	}
}

// The first page of a unit's or a firm's review list, newest first, reads
// its entries in index order: nothing is sorted, however many reviews the
// unit or firm has.
func TestOwnListNewestFirstNeedsNoSort(t *testing.T) {
	s := testenv.DB(t)
	for _, tt := range []struct{ name, where string }{
		{"unit", "r.unit_org_id = 5"},
		{"firm", "r.firm_id = 7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
				rows                                                          sql.NullInt64
			)
			err := s.DB.QueryRowContext(context.Background(), "EXPLAIN SELECT r.id FROM reviews r WHERE "+tt.where+
				" ORDER BY r.id DESC, r.id DESC LIMIT 20").
				Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(extra.String, "filesort") {
				t.Fatalf("key %q, extra %q: the page sorts the %s's reviews", key.String, extra.String, tt.name)
			}
		})
	}
}

// A user's latest transitions (已办) are read from the user's own events
// in id order, nothing sorted, whichever table the optimizer would rather
// start from.
func TestLatestActionsReadTheUsersEventsInOrder(t *testing.T) {
	s := testenv.DB(t)
	rows, err := s.DB.QueryContext(context.Background(), `EXPLAIN SELECT e.id
		FROM review_events e STRAIGHT_JOIN reviews r ON r.id = e.review_id STRAIGHT_JOIN projects p ON p.id = r.project_id
		WHERE e.actor_id = 5 ORDER BY e.id DESC LIMIT 20`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	first := true
	for rows.Next() {
		var (
			id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
			n                                                             sql.NullInt64
		)
		if err := rows.Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &n, &extra); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(extra.String, "filesort") || strings.Contains(extra.String, "temporary") {
			t.Fatalf("table %s, key %q, extra %q: the latest actions are sorted", table.String, key.String, extra.String)
		}
		if first && (table.String != "e" || key.String != "idx_review_events_actor") {
			t.Fatalf("the plan starts from table %s by key %q, want the user's events by idx_review_events_actor", table.String, key.String)
		}
		first = false
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
