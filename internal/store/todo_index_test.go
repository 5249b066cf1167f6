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
