package store_test

import (
	"context"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/migrations"
)

// Migration 0016 gives the papers issued before it their issuer's name,
// and papers without an issuer the system's; the papers read them.
func TestPaperIssuerNameMigrates(t *testing.T) {
	ctx := context.Background()
	dsn, db, side, r := sideStoreBefore(t, "0016")
	var issuer int64
	var name string
	if err := db.QueryRow("SELECT id, display_name FROM users WHERE username = 'pingshen'").Scan(&issuer, &name); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC)
	insert := func(number int, by any) int64 {
		t.Helper()
		res, err := db.Exec(`INSERT INTO papers (review_id, kind, jurisdiction_id, year, number, doc_number, issued_by, issued_at)
			VALUES (?, 'notice', ?, 2026, ?, ?, ?, ?)`, r.ID, r.JurisdictionID, number, "测〔2026〕"+string(rune('0'+number))+"号", by, at)
		if err != nil {
			t.Fatal(err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	byUser, bySystem := insert(1, issuer), insert(2, nil)

	if _, err := store.Migrate(ctx, dsn, migrations.FS); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{byUser: name, bySystem: "系统"} {
		p, err := side.Paper(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.IssuedByName != want {
			t.Errorf("paper %d issued by %q after 0016, want %q", id, p.IssuedByName, want)
		}
	}
}
