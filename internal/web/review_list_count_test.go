package web_test

import (
	"strings"
	"testing"
)

// TestReviewListCountIsBounded: a review list of more than 10,000 reviews
// says 共 10000 条以上 (its count stops there), and one below says its
// exact total.
func TestReviewListCountIsBounded(t *testing.T) {
	e := newPagesEnv(t, false)
	if _, err := e.s.DB.ExecContext(t.Context(), `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id,
		  submitted_amount, created_at, updated_at)
		SELECT p.id, IF(s.seq <= 10005, 'settlement', 'budget'), 'submitted', p.jurisdiction_id, p.unit_org_id, 1000, NOW(), NOW()
		FROM seq_1_to_10012 s JOIN projects p ON p.code = 'LH-2026-001'`); err != nil {
		t.Fatal(err)
	}
	s := e.as("pingshen")
	_, body := e.get(s, "/reviews")
	if page := string(body); !strings.Contains(page, "共 10000 条以上") || !strings.Contains(page, "第 1 页") {
		t.Fatalf("a list of 10,012 reviews does not say 共 10000 条以上")
	}
	_, body = e.get(s, "/reviews?kind=budget")
	if page := string(body); !strings.Contains(page, "共 7 条</span>") || !strings.Contains(page, "第 1 / 1 页") {
		t.Fatalf("a list of 7 reviews does not say 共 7 条")
	}
}
