package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"finreview/internal/testenv"
)

// A time sent as an argument reaches the server to the microsecond, as
// DATETIME(6) columns hold it, and a bound on an indexed time column is
// then read as a range of the index: with nine fractional digits MariaDB
// reads every entry of the index's first part instead.
func TestTimeBoundsReadTheirIndexRange(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 11, 39, 25, 991932578, time.FixedZone("CST", 8*3600))
	var text string
	if err := s.DB.QueryRowContext(ctx, "SELECT CAST(? AS CHAR)", at).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if want := "2026-12-07 11:39:25.991932"; text != want {
		t.Errorf("a time is sent as %q, want %q", text, want)
	}
	for _, tc := range []struct{ name, query, key string }{
		{"deadlines due", "EXPLAIN SELECT d.id FROM deadlines d WHERE d.state = 'pending' AND d.due_at < ? ORDER BY d.due_at, d.id LIMIT 100",
			"idx_deadlines_due"},
		{"reminders due", "EXPLAIN SELECT d.id FROM deadlines d WHERE d.state = 'pending' AND d.next_remind_at <= ? ORDER BY d.next_remind_at, d.id LIMIT 100",
			"idx_deadlines_remind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var (
				id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
				rows                                                          sql.NullInt64
			)
			if err := s.DB.QueryRowContext(ctx, tc.query, at).
				Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra); err != nil {
				t.Fatal(err)
			}
			if typ.String != "range" || key.String != tc.key {
				t.Errorf("read as %s of %q (%s), want a range of %s", typ.String, key.String, extra.String, tc.key)
			}
		})
	}
}
