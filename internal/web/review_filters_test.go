package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReviewListFiltersKeepTheirChoice: the review list's selects mark
// the state, kind, jurisdiction, unit and firm the query chose and no
// other option; a construction unit is offered no unit or firm select.
func TestReviewListFiltersKeepTheirChoice(t *testing.T) {
	e := newPagesEnv(t, false)
	var unit, firm, jur int64
	if err := e.s.DB.QueryRowContext(t.Context(), `SELECT o.id, o.jurisdiction_id FROM organizations o WHERE o.kind = 'construction_unit' ORDER BY o.id DESC LIMIT 1`).Scan(&unit, &jur); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DB.QueryRowContext(t.Context(), `SELECT id FROM organizations WHERE kind = 'firm' ORDER BY id DESC LIMIT 1`).Scan(&firm); err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	_, body := e.get(e.as("pingshen"), "/reviews?state=in_review&kind=budget&jurisdiction="+id(jur)+"&unit="+id(unit)+"&firm="+id(firm))
	page := string(body)
	for _, want := range []string{`<option value="in_review" selected>`, `<option value="budget" selected>`,
		`<option value="` + id(unit) + `" selected>`, `<option value="` + id(firm) + `" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the list does not mark %s", want)
		}
	}
	if n := len(regexp.MustCompile(` selected>`).FindAllString(page, -1)); n != 5 {
		t.Errorf("%d options marked, want 5 (state, kind, jurisdiction, unit, firm)", n)
	}
	_, body = e.get(e.as("jianshe"), "/reviews")
	if page := string(body); strings.Contains(page, `name="unit"`) || strings.Contains(page, `name="firm"`) || strings.Contains(page, " selected>") {
		t.Errorf("a construction unit's list offers unit or firm selects, or marks an option")
	}
}
