package web_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/store"
)

// TestProjectCreationStaysInScope: a project is registered only for a
// unit within the caller's scope (role and row scope), and a taken code
// discloses nothing of projects the caller may not see.
func TestProjectCreationStaysInScope(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	unit := func(name string) string {
		o, err := e.s.OrganizationByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(o.ID, 10)
	}
	linheCivil, linheHousing, wuyuanCivil := unit("临河区民政局"), unit("临河区住房和城乡建设局"), unit("五原县民政局")
	// A finance section of 五原县 without the city grant.
	wuyuan, err := e.s.JurisdictionByName(ctx, "五原县")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("Demo@2026")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.InsertUser(ctx, store.User{Username: "caizheng_wy", DisplayName: "五原财政", PasswordHash: hash,
		Role: string(auth.FinanceSection), JurisdictionID: wuyuan.ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	n := 0
	project := func(unitID, jurisdiction string) map[string]any {
		n++
		return map[string]any{"code": "SCOPE-" + strconv.Itoa(n), "name": "范围测试项目", "jurisdiction": jurisdiction,
			"funding_source": "general_budget", "category": "capital", "approved_estimate": "1000.00", "unit_org_id": unitID}
	}
	tests := []struct {
		name, user string
		body       map[string]any
		status     int
		field      string
	}{
		{"department for a unit under it", "zhuguan", project(linheCivil, "临河区"), 201, ""},
		{"department for a unit under it elsewhere", "zhuguan", project(wuyuanCivil, "五原县"), 201, ""},
		{"department for a unit not under it", "zhuguan", project(linheHousing, "临河区"), 422, "unit_org_id"},
		{"department for a unit not under it, no jurisdiction", "zhuguan", project(linheHousing, ""), 422, "unit_org_id"},
		{"county section in its county", "caizheng_wy", project(wuyuanCivil, "五原县"), 201, ""},
		{"county section in another county", "caizheng_wy", project(linheCivil, "临河区"), 422, "unit_org_id"},
		{"county section naming its own county for another's unit", "caizheng_wy", project(linheCivil, "五原县"), 422, "unit_org_id"},
		{"city section anywhere", "caizheng", project(linheHousing, "临河区"), 201, ""},
		{"contractor", "shigong", project(linheCivil, "临河区"), 403, ""},
		{"firm", "zhongjie1", project(linheCivil, "临河区"), 403, ""},
		{"review center", "pingshen", project(linheCivil, "临河区"), 403, ""},
		{"expert", "zhuanjia", project(linheCivil, "临河区"), 403, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, v := e.as(tc.user, "POST", "/api/v1/projects", tc.body)
			if status != tc.status || (tc.field != "" && v["field"] != tc.field) {
				t.Fatalf("%s: %d %v, want %d on %q", tc.user, status, v, tc.status, tc.field)
			}
		})
	}

	t.Run("a unit registers only for itself", func(t *testing.T) {
		status, v := e.as("jianshe", "POST", "/api/v1/projects", project(wuyuanCivil, ""))
		if status != 201 || v["unit_id"] != linheCivil {
			t.Fatalf("%d %v, want a project of 临河区民政局", status, v)
		}
	})

	t.Run("a taken code of another unit discloses nothing", func(t *testing.T) {
		body := project(wuyuanCivil, "")
		body["code"] = "LH-2026-001" // 临河区民政局's
		status, v := e.as("jianshe2", "POST", "/api/v1/projects", body)
		msg, _ := v["error"].(string)
		if status != 422 || v["field"] != "code" || strings.Contains(msg, "LH-2026") || strings.Contains(msg, "临河") {
			t.Fatalf("%d %v", status, v)
		}
		// Its own unit's code is named with its project.
		status, v = e.as("jianshe", "POST", "/api/v1/projects", body)
		msg, _ = v["error"].(string)
		if status != 422 || v["field"] != "code" || !strings.Contains(msg, "临河区社区综合服务设施建设项目") {
			t.Fatalf("%d %v", status, v)
		}
	})

	t.Run("the form offers only the units in scope", func(t *testing.T) {
		c, _ := login(t, e.app, "zhuguan", "Demo@2026")
		req := httptest.NewRequest("GET", "/projects/new", nil)
		req.AddCookie(c)
		resp, body := do(t, e.app, req)
		if resp.StatusCode != 200 || !strings.Contains(body, "临河区民政局") || strings.Contains(body, "临河区住房和城乡建设局") {
			t.Fatalf("%d: the department's form must list its units only", resp.StatusCode)
		}
	})
}

// TestProjectPageListsItsOwnReviews: a project's page lists the reviews
// of that project, all of them, however many reviews other projects whose
// codes contain its code have.
func TestProjectPageListsItsOwnReviews(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	newProject := func(code, name string) string {
		status, v := e.as("jianshe", "POST", "/api/v1/projects", map[string]any{"code": code, "name": name,
			"funding_source": "general_budget", "category": "capital", "approved_estimate": "1000.00"})
		if status != 201 {
			t.Fatalf("project %s: %d %v", code, status, v)
		}
		return v["id"].(string)
	}
	newReview := func(projectID, kind string) store.Review {
		status, v := e.as("jianshe", "POST", "/api/v1/reviews", map[string]any{"project_id": projectID, "kind": kind, "submitted_amount": "900.00"})
		if status != 201 {
			t.Fatalf("review of %s: %d %v", projectID, status, v)
		}
		id, _ := strconv.ParseInt(v["id"].(string), 10, 64)
		r, err := e.s.Review(ctx, store.Scope{All: true}, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	short := newProject("OWN-7", "短编号项目")
	long := newProject("OWN-77", "长编号项目")
	newReview(short, "budget")
	// Newer than the budget review, the other project's reviews come
	// first in a list of every review whose project's code holds OWN-7.
	r := newReview(long, "final_accounts")
	for range 200 {
		if _, err := e.s.InsertReview(ctx, store.Review{ProjectID: r.ProjectID, Kind: "settlement", JurisdictionID: r.JurisdictionID,
			UnitOrgID: r.UnitOrgID, SubmittedAmount: r.SubmittedAmount}); err != nil {
			t.Fatal(err)
		}
	}

	c, _ := login(t, e.app, "jianshe", "Demo@2026")
	for _, tc := range []struct {
		id         string
		want, none []string
	}{
		{short, []string{"预算"}, []string{"工程结算", "竣工财务决算"}},
		{long, []string{"工程结算"}, []string{"预算"}},
	} {
		req := httptest.NewRequest("GET", "/projects/"+tc.id, nil)
		req.AddCookie(c)
		resp, body := do(t, e.app, req)
		if resp.StatusCode != 200 {
			t.Fatalf("/projects/%s: %d", tc.id, resp.StatusCode)
		}
		// The reviews' table is the page's first; its second cell is the kind.
		table := body[strings.Index(body, "<tbody"):]
		table = table[:strings.Index(table, "</tbody>")]
		for _, w := range tc.want {
			if !strings.Contains(table, "<td>"+w+"</td>") {
				t.Errorf("/projects/%s lists no %s review", tc.id, w)
			}
		}
		for _, w := range tc.none {
			if strings.Contains(table, "<td>"+w+"</td>") {
				t.Errorf("/projects/%s lists a %s review of another project", tc.id, w)
			}
		}
	}
}
