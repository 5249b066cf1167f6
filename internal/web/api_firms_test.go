package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

// firmsApp is the web app over the demo city with the firm service wired.
func firmsApp(t *testing.T) (*web.App, *store.Store) {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	return testApp(t, s, web.Services{}), s
}

func firmsToken(t *testing.T, app *web.App, username string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": "Demo@2026"})
	req := httptest.NewRequest("POST", "/api/v1/tokens", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, b := sendTo(t, app, req)
	var out struct{ Token string }
	if resp.StatusCode != 201 || json.Unmarshal(b, &out) != nil || out.Token == "" {
		t.Fatalf("token for %s: %d %s", username, resp.StatusCode, b)
	}
	return out.Token
}

func firmsGet(t *testing.T, app *web.App, token, path string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, b := sendTo(t, app, req)
	return resp.StatusCode, b
}

type firmListJSON struct {
	Items []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Score       string `json:"score"`
		Status      string `json:"status"`
		OpenReviews int    `json:"open_reviews"`
		Capacity    int    `json:"capacity"`
	} `json:"items"`
	NextFirmID *string `json:"next_firm_id"`
}

func TestFirmsAPI(t *testing.T) {
	app, s := firmsApp(t)
	t.Run("roles", func(t *testing.T) {
		tests := []struct {
			user string
			want int
		}{
			{"pingshen", 200}, {"admin", 200}, {"caizheng", 200},
			{"jianshe", 403}, {"zhongjie1", 403}, {"shigong", 403}, {"zhuanjia", 403},
		}
		for _, tt := range tests {
			t.Run(tt.user, func(t *testing.T) {
				tok := firmsToken(t, app, tt.user)
				for _, path := range []string{"/api/v1/firms", "/api/v1/experts"} {
					if status, b := firmsGet(t, app, tok, path); status != tt.want {
						t.Fatalf("%s: %d %s, want %d", path, status, b, tt.want)
					}
				}
			})
		}
		if status, _ := firmsGet(t, app, "", "/api/v1/firms"); status != 401 {
			t.Fatalf("anonymous: %d, want 401", status)
		}
	})

	tok := firmsToken(t, app, "pingshen")
	t.Run("ranked library with the next firm", func(t *testing.T) {
		for _, j := range []string{"临河区", url.QueryEscape("临河区"), "150802"} {
			status, b := firmsGet(t, app, tok, "/api/v1/firms?kind=settlement&jurisdiction="+j)
			var out firmListJSON
			if status != 200 || json.Unmarshal(b, &out) != nil {
				t.Fatalf("%s: %d %s", j, status, b)
			}
			if len(out.Items) != 5 || out.Items[0].Name != "内蒙古正信工程造价咨询有限公司" || out.Items[0].Score != "92.50" ||
				out.Items[4].Score != "82.00" || out.Items[0].Capacity != 30 || out.Items[0].Status != "active" {
				t.Fatalf("%s: items %+v", j, out.Items)
			}
			if out.NextFirmID == nil {
				t.Fatalf("no next firm")
			}
			var cursors int
			if err := s.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM rotation_cursors c JOIN jurisdictions j
				ON j.id = c.jurisdiction_id WHERE j.name = '临河区' AND c.kind = 'settlement'`).Scan(&cursors); err != nil {
				t.Fatal(err)
			}
			if cursors == 0 && *out.NextFirmID != out.Items[0].ID {
				t.Fatalf("next firm %v before any delegation, want the top firm %s", *out.NextFirmID, out.Items[0].ID)
			}
			if !regexp.MustCompile(`"id":"\d+"`).Match(b) {
				t.Fatalf("ids are not strings: %s", b)
			}
		}
	})
	t.Run("the jurisdiction id is accepted too", func(t *testing.T) {
		status, b := firmsGet(t, app, tok, "/api/v1/firms")
		var out struct {
			Jurisdiction struct{ ID, Name string } `json:"jurisdiction"`
			Kind         string                    `json:"kind"`
		}
		if status != 200 || json.Unmarshal(b, &out) != nil || out.Jurisdiction.Name != "市本级" || out.Kind != "settlement" {
			t.Fatalf("default: %d %s", status, b)
		}
		status, b = firmsGet(t, app, tok, "/api/v1/firms?jurisdiction="+out.Jurisdiction.ID)
		if status != 200 || !strings.Contains(string(b), `"name":"市本级"`) {
			t.Fatalf("by id: %d %s", status, b)
		}
	})
	t.Run("bad parameters", func(t *testing.T) {
		for _, tt := range []struct{ query, field string }{{"jurisdiction=火星区", "jurisdiction"}, {"kind=painting", "kind"}} {
			status, b := firmsGet(t, app, tok, "/api/v1/firms?"+strings.ReplaceAll(tt.query, "火星区", url.QueryEscape("火星区")))
			if status != 422 || !strings.Contains(string(b), `"field":"`+tt.field+`"`) {
				t.Fatalf("%s: %d %s", tt.query, status, b)
			}
		}
	})
	t.Run("one firm and the experts", func(t *testing.T) {
		_, b := firmsGet(t, app, tok, "/api/v1/firms?jurisdiction=临河区")
		var list firmListJSON
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatal(err)
		}
		status, b := firmsGet(t, app, tok, "/api/v1/firms/"+list.Items[0].ID)
		var one struct {
			Name  string `json:"name"`
			Score string `json:"score"`
			Stats struct {
				ReductionRate string `json:"reduction_rate"`
			} `json:"stats"`
		}
		if status != 200 || json.Unmarshal(b, &one) != nil || one.Name != list.Items[0].Name || one.Score != "92.50" || !strings.HasSuffix(one.Stats.ReductionRate, "%") {
			t.Fatalf("firm: %d %s", status, b)
		}
		if status, _ := firmsGet(t, app, tok, "/api/v1/firms/999999"); status != 404 {
			t.Fatalf("unknown firm: %d", status)
		}
		status, b = firmsGet(t, app, tok, "/api/v1/experts?specialty="+url.QueryEscape("土建工程"))
		var experts struct {
			Items []struct{ Name, Specialty string }
			Total int
		}
		if status != 200 || json.Unmarshal(b, &experts) != nil || experts.Total != 2 || experts.Items[0].Specialty != "土建工程" {
			t.Fatalf("experts: %d %s", status, b)
		}
	})
}

var firmsCSRF = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// firmsLogin signs in through the form; it returns the session cookie.
func firmsLogin(t *testing.T, app *web.App, username string) *http.Cookie {
	t.Helper()
	resp, body := sendTo(t, app, httptest.NewRequest("GET", "/login", nil))
	m := firmsCSRF.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field on the login page")
	}
	form := url.Values{"username": {username}, "password": {"Demo@2026"}, "_csrf": {string(m[1])}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, _ = sendTo(t, app, req)
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("login %s failed: %d", username, resp.StatusCode)
	return nil
}

func firmsPage(t *testing.T, app *web.App, c *http.Cookie, path string) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(c)
	resp, b := sendTo(t, app, req)
	return resp.StatusCode, string(b), resp.Header
}

func firmsPost(t *testing.T, app *web.App, c *http.Cookie, csrf, path string, form url.Values) (int, string, string) {
	t.Helper()
	form.Set("_csrf", csrf)
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(c)
	resp, b := sendTo(t, app, req)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func TestFirmPages(t *testing.T) {
	app, s := firmsApp(t)
	ctx := context.Background()
	c := firmsLogin(t, app, "pingshen")
	// By name, not by id: a Galera cluster spaces auto-increment ids.
	linhe, err := s.JurisdictionByName(ctx, "临河区")
	if err != nil {
		t.Fatal(err)
	}
	jid := strconv.FormatInt(linhe.ID, 10)
	status, body, _ := firmsPage(t, app, c, "/firms?jurisdiction="+jid+"&kind=settlement")
	if status != 200 || !strings.Contains(body, "内蒙古正信工程造价咨询有限公司") || !strings.Contains(body, "导出Excel") {
		t.Fatalf("list: %d %s", status, body)
	}
	csrf := firmsCSRF.FindStringSubmatch(body)[1]

	t.Run("export", func(t *testing.T) {
		status, body, h := firmsPage(t, app, c, "/firms/export.xlsx?kind=settlement")
		if status != 200 || !strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", status, h)
		}
		x, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("中介机构库")
		if err != nil || len(rows) != 6 || rows[0][2] != "机构名称" || rows[1][2] != "内蒙古正信工程造价咨询有限公司" || rows[1][5] != "92.50" {
			t.Fatalf("rows %v, %v", rows, err)
		}
	})

	var firmID string
	t.Run("create a firm through the form", func(t *testing.T) {
		form := url.Values{"name": {""}, "kinds": {"settlement"}, "jurisdictions": {jid}, "capacity": {"5"}}
		status, body, _ := firmsPost(t, app, c, csrf, "/firms", form)
		if status != 422 || !strings.Contains(body, "请填写机构名称") {
			t.Fatalf("empty name: %d", status)
		}
		form.Set("name", "巴彦淖尔市新审工程咨询有限公司")
		form.Set("contact_person", "王五")
		status, _, loc := firmsPost(t, app, c, csrf, "/firms", form)
		if status != 303 || !strings.HasPrefix(loc, "/firms/") {
			t.Fatalf("create: %d %s", status, loc)
		}
		firmID = strings.SplitN(strings.TrimPrefix(loc, "/firms/"), "?", 2)[0]
		status, body, _ = firmsPage(t, app, c, "/firms/"+firmID)
		if status != 200 || !strings.Contains(body, "巴彦淖尔市新审工程咨询有限公司") || !strings.Contains(body, "准入入库") {
			t.Fatalf("detail: %d %s", status, body)
		}
	})
	t.Run("every page renders", func(t *testing.T) {
		for path, want := range map[string]string{"/firms": "中介机构库", "/firms/new": "新增中介机构",
			"/firms/" + firmID + "/edit": "编辑中介机构", "/firms/assessment": "尚未设立考核期", "/experts": "评审专家库"} {
			if status, body, _ := firmsPage(t, app, c, path); status != 200 || !strings.Contains(body, want) {
				t.Fatalf("%s: %d, want 200 with %q", path, status, want)
			}
		}
	})
	t.Run("status change needs a reason", func(t *testing.T) {
		status, body, _ := firmsPost(t, app, c, csrf, "/firms/"+firmID+"/status", url.Values{"status": {"suspended"}})
		if status != 422 || !strings.Contains(body, "请填写状态变更理由") {
			t.Fatalf("no reason: %d", status)
		}
		status, _, _ = firmsPost(t, app, c, csrf, "/firms/"+firmID+"/status", url.Values{"status": {"suspended"}, "reason": {"整改"}})
		if status != 303 {
			t.Fatalf("suspend: %d", status)
		}
		var st string
		if err := s.DB.QueryRowContext(ctx, "SELECT status FROM firms WHERE org_id = ?", firmID).Scan(&st); err != nil || st != "suspended" {
			t.Fatalf("status %q %v", st, err)
		}
	})
	t.Run("assessment through the pages", func(t *testing.T) {
		form := url.Values{"name": {"2026年上半年"}, "starts_on": {"2026-01-01"}, "ends_on": {"2026-06-30"}, "bottom_n": {"1"}, "threshold": {"60"}}
		status, _, loc := firmsPost(t, app, c, csrf, "/firms/assessment/periods", form)
		if status != 303 {
			t.Fatalf("create period: %d", status)
		}
		u, _ := url.Parse(loc)
		pid := u.Query().Get("period")
		scores := url.Values{}
		rows, err := s.DB.QueryContext(ctx, "SELECT org_id FROM firms WHERE status <> 'removed'")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			scores.Set("truthfulness_"+id, "90")
			scores.Set("report_quality_"+id, "85")
		}
		rows.Close()
		if status, _, _ := firmsPost(t, app, c, csrf, "/firms/assessment/"+pid+"/scores", scores); status != 303 {
			t.Fatalf("scores: %d", status)
		}
		if status, body, _ := firmsPost(t, app, c, csrf, "/firms/assessment/"+pid+"/compute", url.Values{}); status != 303 {
			t.Fatalf("compute: %d %s", status, body)
		}
		status, body, _ := firmsPage(t, app, c, "/firms/assessment?period="+pid)
		if status != 200 || !strings.Contains(body, "拟暂停委托") || !strings.Contains(body, "考核排名") {
			t.Fatalf("assessment page: %d %s", status, body)
		}
		status, xb, _ := firmsPage(t, app, c, "/firms/assessment/"+pid+"/export.xlsx")
		x, err := excelize.OpenReader(strings.NewReader(xb))
		if status != 200 || err != nil {
			t.Fatalf("export: %d %v", status, err)
		}
		defer x.Close()
		if r, err := x.GetRows("考核排名"); err != nil || len(r) != 7 || r[1][0] != "1" {
			t.Fatalf("ranking rows %v %v", r, err)
		}
	})
	t.Run("experts page", func(t *testing.T) {
		status, body, _ := firmsPage(t, app, c, "/experts?specialty="+url.QueryEscape("工程造价"))
		if status != 200 || !strings.Contains(body, "冯静") || strings.Contains(body, "高振华") {
			t.Fatalf("experts: %d", status)
		}
		status, _, _ = firmsPost(t, app, c, csrf, "/experts", url.Values{"name": {"李四"}, "specialty": {"安装工程"}})
		if status != 303 {
			t.Fatalf("add expert: %d", status)
		}
	})
	t.Run("units may not see the firm library", func(t *testing.T) {
		unit := firmsLogin(t, app, "jianshe")
		for _, path := range []string{"/firms", "/firms/assessment", "/experts", "/firms/export.xlsx"} {
			if status, _, _ := firmsPage(t, app, unit, path); status != 403 {
				t.Fatalf("%s: %d, want 403", path, status)
			}
		}
	})
}
