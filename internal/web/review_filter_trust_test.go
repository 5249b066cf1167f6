package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"finreview/internal/auth"
)

// filterLists matches the statements that read the review list's
// filters: the organizations of a kind and the jurisdictions.
var filterLists = regexp.MustCompile(`\bFROM organizations\b|\bFROM jurisdictions\b`)

// TestReviewListFilterStatements: within auth.OrgTrust of the last read,
// the review list sends no statement for its unit, firm and jurisdiction
// selects (it read every unit and firm and the jurisdictions on every
// request before); after it, one statement per organization kind, the
// jurisdictions being trusted for auth.NameTrust.
func TestReviewListFilterStatements(t *testing.T) {
	app, _, sent, later, cookie := costApp(t, "pingshen")
	lists := func(stmts []string) []string {
		var out []string
		for _, q := range stmts {
			if filterLists.MatchString(q) {
				out = append(out, q)
			}
		}
		return out
	}
	costGet(t, app, sent, cookie, "/reviews")
	body, stmts := costGet(t, app, sent, cookie, "/reviews?unit=1")
	if !strings.Contains(body, `>临河区民政局</option>`) || !strings.Contains(body, `name="firm"`) {
		t.Fatal("the list offers no unit or firm select")
	}
	if l := lists(stmts); len(l) > 0 {
		t.Errorf("within the trust the list read its filters again:\n%s", strings.Join(l, "\n"))
	}
	later(auth.OrgTrust)
	_, stmts = costGet(t, app, sent, cookie, "/reviews")
	l := lists(stmts)
	t.Logf("after OrgTrust: %d statements, %d of them the filters':\n%s", len(stmts), len(l), strings.Join(l, "\n"))
	if len(l) != 2 {
		t.Errorf("after OrgTrust the filters cost %d statements, want 2 (units, firms)", len(l))
	}
	for _, q := range l {
		if !strings.HasPrefix(q, "SELECT id, name, jurisdiction_id FROM organizations WHERE kind = ?") {
			t.Errorf("the filters read %s", q)
		}
	}
}

var unitOptions = regexp.MustCompile(`(?s)<select id="f-unit" name="unit">(.*?)</select>`)

// unitSelect is the unit select's options on a review list page.
func unitSelect(page string) string {
	if m := unitOptions.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// TestReviewListFilterScope: a review center bound to one jurisdiction
// is offered that jurisdiction's units alone, one with the city grant
// every unit, from the same trusted list.
func TestReviewListFilterScope(t *testing.T) {
	e := newImportEnv(t) // has pingshen_wuyuan, a center of 五原县
	for _, tc := range []struct {
		who        string
		want, not  []string
		jurisdicts int
	}{
		{"pingshen", []string{"临河区民政局", "五原县民政局"}, nil, 2},
		{"pingshen_wuyuan", []string{"五原县民政局"}, []string{"临河区民政局", "杭锦后旗民政局"}, 0},
		{"pingshen", []string{"临河区民政局", "五原县民政局"}, nil, 2},
	} {
		_, body := e.get(e.as(tc.who), "/reviews")
		units := unitSelect(string(body))
		for _, name := range tc.want {
			if !strings.Contains(units, ">"+name+"</option>") {
				t.Errorf("%s is not offered %s", tc.who, name)
			}
		}
		for _, name := range tc.not {
			if strings.Contains(units, ">"+name+"</option>") {
				t.Errorf("%s is offered %s, of another jurisdiction", tc.who, name)
			}
		}
		if has := strings.Contains(string(body), `name="jurisdiction"`); has != (tc.jurisdicts > 0) {
			t.Errorf("%s: jurisdiction select shown %v", tc.who, has)
		}
	}
}

// TestImportedUnitsShowInTheReviewListAtOnce: units imported on this
// instance are offered by the review list's filter at once, though it
// had read the list just before, and are gone at once when the import
// is undone.
func TestImportedUnitsShowInTheReviewListAtOnce(t *testing.T) {
	e := newImportEnv(t)
	s := e.as("pingshen")
	offered := func() bool {
		t.Helper()
		_, body := e.get(s, "/reviews")
		return strings.Contains(unitSelect(string(body)), ">临河区教育局</option>")
	}
	if offered() {
		t.Fatal("a unit not yet imported is offered")
	}
	file := xlsxBytes(t, "单位", []any{"所属区划", "单位名称", "单位类型"}, []any{"临河区", "临河区教育局", "建设单位"})
	if code, page := e.upload(s, "organizations", "check", file); code != 200 || !strings.Contains(page, "检查通过") {
		t.Fatalf("check = %d", code)
	}
	if offered() {
		t.Error("a unit only checked is offered")
	}
	if code, page := e.upload(s, "organizations", "import", file); code != 200 || !strings.Contains(page, "导入完成") {
		t.Fatalf("import = %d", code)
	}
	if !offered() {
		t.Error("an imported unit is not offered at once")
	}
	var id int64
	if err := e.s.DB.QueryRow("SELECT id FROM imports").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.post(s, fmt.Sprintf("/imports/%d/undo", id), map[string][]string{}); resp.StatusCode != 303 {
		t.Fatalf("undo = %d", resp.StatusCode)
	}
	if offered() {
		t.Error("the unit of an undone import is still offered")
	}
}
