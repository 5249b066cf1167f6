package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestConcludedByGroups: the concluded reviews' sums by year, unit, firm,
// kind and jurisdiction, each group named, within the scope; a review
// audited without an audited amount counts at its submitted amount.
func TestConcludedByGroups(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	var firms []int64
	rows, err := s.DB.QueryContext(ctx, "SELECT org_id FROM firms ORDER BY org_id LIMIT 2")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		firms = append(firms, id)
	}
	rows.Close()
	add := func(project, kind string, firm any, submitted, audited any, concluded time.Time) {
		t.Helper()
		if _, err := s.DB.ExecContext(ctx, `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id, firm_id,
			  submitted_amount, audited_amount, concluded_at, created_at, updated_at)
			SELECT id, ?, 'concluded', jurisdiction_id, unit_org_id, ?, ?, ?, ?, NOW(), NOW() FROM projects WHERE code = ?`,
			kind, firm, submitted, audited, concluded, project); err != nil {
			t.Fatal(err)
		}
	}
	y25, y26 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	add("LH-2026-001", "settlement", firms[0], "1000.00", "900.00", y25)
	add("LH-2026-002", "settlement", firms[0], "2000.00", nil, y26)
	add("LH-2026-003", "budget", nil, "500.00", "450.50", y26)
	add("WY-2026-001", "budget", firms[1], "8000.00", "7000.00", y26)
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id,
		  submitted_amount, created_at, updated_at) SELECT id, 'budget', 'in_review', jurisdiction_id, unit_org_id, 99999, NOW(), NOW()
		FROM projects WHERE code = 'LH-2026-001'`); err != nil {
		t.Fatal(err)
	}
	name := func(query string, args ...any) string {
		t.Helper()
		var n string
		if err := s.DB.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	lhUnit := name("SELECT o.name FROM projects p JOIN organizations o ON o.id = p.unit_org_id WHERE p.code = 'LH-2026-001'")
	wyUnit := name("SELECT o.name FROM projects p JOIN organizations o ON o.id = p.unit_org_id WHERE p.code = 'WY-2026-001'")
	firm0, firm1 := name("SELECT name FROM organizations WHERE id = ?", firms[0]), name("SELECT name FROM organizations WHERE id = ?", firms[1])
	lh := name("SELECT j.name FROM projects p JOIN jurisdictions j ON j.id = p.jurisdiction_id WHERE p.code = 'LH-2026-001'")
	wy := name("SELECT j.name FROM projects p JOIN jurisdictions j ON j.id = p.jurisdiction_id WHERE p.code = 'WY-2026-001'")
	var lhID int64
	if err := s.DB.QueryRowContext(ctx, "SELECT jurisdiction_id FROM projects WHERE code = 'LH-2026-001'").Scan(&lhID); err != nil {
		t.Fatal(err)
	}
	city, own := store.Scope{All: true}, store.Scope{JurisdictionID: lhID}
	tests := []struct {
		scope store.Scope
		by    string
		want  string
	}{
		{city, store.ByYear, "[2025 1 1000 900; 2026 3 10500 9450.5]"},
		{city, store.ByUnit, fmt.Sprintf("[%s 1 8000 7000; %s 3 3500 3350.5]", wyUnit, lhUnit)},
		{city, store.ByFirm, fmt.Sprintf("[%s 1 8000 7000; %s 2 3000 2900; 1 500 450.5]", firm1, firm0)},
		{city, store.ByKind, "[budget 2 8500 7450.5; settlement 2 3000 2900]"},
		{city, store.ByJurisdiction, fmt.Sprintf("[%s 3 3500 3350.5; %s 1 8000 7000]", lh, wy)},
		{own, store.ByYear, "[2025 1 1000 900; 2026 2 2500 2450.5]"},
		{own, store.ByFirm, fmt.Sprintf("[%s 2 3000 2900; 1 500 450.5]", firm0)},
	}
	for _, tt := range tests {
		groups, err := s.ConcludedBy(ctx, tt.scope, tt.by, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := "["
		for i, g := range groups {
			if i > 0 {
				got += "; "
			}
			if g.Key != "" {
				got += g.Key + " "
			}
			got += fmt.Sprintf("%d %s %s", g.Count, g.Submitted, g.Audited)
		}
		got += "]"
		if got != tt.want {
			t.Errorf("by %s (city-wide %v): %s, want %s", tt.by, tt.scope.All, got, tt.want)
		}
	}
}
