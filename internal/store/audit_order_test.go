package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestAuditListingsReadTheirIndexInOrder: the audit log, whatever it is
// filtered by (nothing, a period, an action, an actor), reads the newest
// events from an index in its order and sorts nothing: a week's export
// streams from the database as it is written rather than after all its
// events are sorted.
func TestAuditListingsReadTheirIndexInOrder(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	// 20,000 events over four weeks, out of id order as imports and
	// clusters write them: a small table is read whole whatever the order.
	const n = 20000
	for first := 0; first < n; first += 2000 {
		var b strings.Builder
		var args []any
		b.WriteString("INSERT INTO audit_events (stream, seq, at, actor_id, actor_name, action, object_type, object_id, detail, prev_hash, hash) VALUES ")
		for i := first; i < first+2000; i++ {
			if i > first {
				b.WriteString(",")
			}
			b.WriteString("('day:x', ?, ?, NULL, '甲', ?, 'user', 'x', '{}', '', '')")
			args = append(args, i+1, start.Add(time.Duration((i*7919)%n)*2*time.Minute), []string{"login", "create_user", "grant_role"}[i%3])
		}
		if _, err := s.DB.ExecContext(ctx, b.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DB.ExecContext(ctx, "ANALYZE TABLE audit_events"); err != nil {
		t.Fatal(err)
	}
	// A page is 50 events, an export of a day some 700.
	for _, tc := range []struct {
		name  string
		f     store.AuditEventsFilter
		limit int
	}{
		{"everything", store.AuditEventsFilter{}, 50},
		{"a period", store.AuditEventsFilter{From: start.Add(24 * time.Hour), To: start.Add(48 * time.Hour)}, 100000},
		{"an action", store.AuditEventsFilter{Action: "login"}, 50},
		{"an actor", store.AuditEventsFilter{ActorID: 1}, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query, args := store.AuditExportQuery(tc.f, tc.limit)
			var (
				id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
				rows                                                          sql.NullInt64
			)
			if err := s.DB.QueryRowContext(ctx, "EXPLAIN "+query, args...).
				Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(extra.String, "filesort") || key.String == "" {
				t.Errorf("read as %s of %q (%s), want an index read in order", typ.String, key.String, extra.String)
			}
		})
	}
	events, _, err := s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(events); i++ {
		if events[i].At.After(events[i-1].At) {
			t.Fatalf("event %d at %v listed after one at %v", events[i].ID, events[i].At, events[i-1].At)
		}
	}
}
