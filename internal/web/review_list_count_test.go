package web_test

import (
	"strings"
	"testing"
)

// TestReviewListCountIsBounded: a page of the review list counts at most
// 1,000 reviews past its first row, so a longer list says 共 N 条以上 and
// offers the next page, a page near its end says the exact total, and a
// short list says its exact total.
func TestReviewListCountIsBounded(t *testing.T) {
	e := newPagesEnv(t, false)
	if _, err := e.s.DB.ExecContext(t.Context(), `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id,
		  submitted_amount, created_at, updated_at)
		SELECT p.id, IF(s.seq <= 1205, 'settlement', 'budget'), 'submitted', p.jurisdiction_id, p.unit_org_id, 1000, NOW(), NOW()
		FROM seq_1_to_1212 s JOIN projects p ON p.code = 'LH-2026-001'`); err != nil {
		t.Fatal(err)
	}
	var all int64
	if err := e.s.DB.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM reviews").Scan(&all); err != nil {
		t.Fatal(err)
	}
	s := e.as("pingshen")
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"/reviews", []string{"共 1000 条以上", "第 1 页", "下一页"}},
		{"/reviews?page=10&size=20", []string{"共 1180 条以上", "第 10 页", "下一页"}},
		{"/reviews?page=60&size=20", []string{"共 " + itoa(all) + " 条</span>", "第 60 / " + itoa((all+19)/20) + " 页"}},
		{"/reviews?kind=budget", []string{"共 7 条</span>", "第 1 / 1 页"}},
	} {
		_, body := e.get(s, tt.query)
		for _, w := range tt.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s of %d reviews does not say %q", tt.query, all, w)
			}
		}
	}
}
