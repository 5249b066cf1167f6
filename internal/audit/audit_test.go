package audit_test

import (
	"context"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// chain writes five events of one day and an anchor into a fresh database.
func chain(t *testing.T) *store.Store {
	t.Helper()
	s := testenv.DB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		err := s.InTx(ctx, func(q *store.Queries) error {
			_, err := audit.Append(ctx, q, at.Add(time.Duration(i)*time.Minute), audit.Entry{ActorName: "测试", Action: "login",
				ObjectType: "user", ObjectID: "u1", Detail: map[string]int{"i": i}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := audit.Anchor(ctx, s, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestChainVerifiesAndDetectsTampering(t *testing.T) {
	ctx := context.Background()
	s := chain(t)
	res, err := audit.Verify(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Events != 6 {
		t.Fatalf("intact chain: %+v", res)
	}

	tests := []struct {
		name   string
		tamper string
	}{
		{"detail rewritten", "UPDATE audit_events SET detail = '{\"i\":99}' WHERE seq = 3 AND stream LIKE 'day:%'"},
		{"last event removed", "DELETE FROM audit_events WHERE seq = 5 AND stream LIKE 'day:%'"},
		{"actor changed", "UPDATE audit_events SET actor_name = '他人' WHERE seq = 1 AND stream LIKE 'day:%'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := chain(t)
			tx, err := s.DB.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec(tt.tamper); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			res, err := audit.Verify(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.Broken == "" {
				t.Fatalf("tampering not detected: %+v", res)
			}
		})
	}
}
