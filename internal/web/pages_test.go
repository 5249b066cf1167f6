package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/demo"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/review"
	"finreview/internal/review/importer"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

// pagesEnv is the web app built like serve's, over a fresh database and
// bucket with the demo city and, when asked, its demo reviews.
type pagesEnv struct {
	t   *testing.T
	app *web.App
	s   *store.Store
}

// servedServices are the services serve wires over s and objects: the
// documents, the firm library, the fees and the reviews.
func servedServices(s *store.Store, objects *docs.ObjectStore) web.Services {
	log := slog.New(slog.DiscardHandler)
	docsSvc := docs.NewService(s, objects, time.Now, log)
	firms := firm.NewService(s, time.Now)
	bill := billing.NewService(s, time.Now)
	reviews := review.NewService(review.Options{Store: s, Firms: firms, Billing: bill, Docs: docsSvc, Now: time.Now, Log: log,
		ReportWorkdays: 20, IntakeWorkdays: 5})
	return web.Services{Reviews: reviews, Firms: firms, Billing: bill, Docs: docsSvc}
}

// testApp is the web app over s with svc; the services svc leaves out are
// filled in (FillServices).
func testApp(t testing.TB, s *store.Store, svc web.Services) *web.App {
	t.Helper()
	app, err := web.New(web.Deps{Log: slog.New(slog.DiscardHandler), Auth: auth.NewService(s, time.Now),
		Services: web.FillServices(s, nil, svc)})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func newPagesEnv(t *testing.T, withReviews bool) *pagesEnv {
	t.Helper()
	s := testenv.DB(t)
	seeded := testenv.Demo(t, s)
	objects := testenv.Objects(t)
	svc := servedServices(s, objects)
	if withReviews {
		if _, err := demo.SeedReviews(context.Background(), s, svc.Reviews, objects, seeded); err != nil {
			t.Fatalf("seed demo reviews: %v", err)
		}
	}
	svc.Imports = importer.New(importer.Options{Store: s, Objects: objects, Log: slog.New(slog.DiscardHandler)})
	return &pagesEnv{t: t, app: testApp(t, s, svc), s: s}
}

// sendTo answers req through app, in process, with the answer and its
// body.
func sendTo(t testing.TB, app *web.App, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := app.Fiber().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (e *pagesEnv) send(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	return sendTo(e.t, e.app, req)
}

var pagesCSRF = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// session signs in through /login; it returns the cookie and a CSRF token.
type pagesSession struct {
	cookie *http.Cookie
	csrf   string
}

func (e *pagesEnv) login(username, password string) (pagesSession, bool) {
	e.t.Helper()
	resp, body := e.send(httptest.NewRequest("GET", "/login", nil))
	m := pagesCSRF.FindSubmatch(body)
	if m == nil {
		e.t.Fatalf("login page without CSRF field")
	}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {username}, "password": {password},
		"_csrf": {string(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, _ = e.send(req)
	var sess pagesSession
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_session" && c.Value != "" {
			sess.cookie = c
		}
	}
	if sess.cookie == nil {
		return sess, false
	}
	_, body = e.get(sess, "/")
	if m := pagesCSRF.FindSubmatch(body); m != nil {
		sess.csrf = string(m[1])
	}
	return sess, true
}

func (e *pagesEnv) as(username string) pagesSession {
	e.t.Helper()
	s, ok := e.login(username, demo.Password)
	if !ok {
		e.t.Fatalf("%s cannot sign in", username)
	}
	return s
}

func (e *pagesEnv) get(s pagesSession, path string) (*http.Response, []byte) {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if s.cookie != nil {
		req.AddCookie(s.cookie)
	}
	return e.send(req)
}

func (e *pagesEnv) post(s pagesSession, path string, form url.Values) (*http.Response, []byte) {
	e.t.Helper()
	form.Set("_csrf", s.csrf)
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(s.cookie)
	return e.send(req)
}

func TestPageRoleChecks(t *testing.T) {
	e := newPagesEnv(t, false)
	sessions := map[string]pagesSession{}
	tests := []struct {
		user, path string
		want       int
	}{
		{"admin", "/admin/users", 200},
		{"admin", "/admin/organizations", 200},
		{"pingshen", "/admin/users", 403},
		{"jianshe", "/admin/users", 403},
		{"caizheng", "/admin/organizations", 403},
		{"pingshen", "/dashboard", 200},
		{"caizheng", "/dashboard", 200},
		{"admin", "/dashboard", 200},
		{"jianshe", "/dashboard", 403},
		{"zhongjie1", "/dashboard", 403},
		{"shigong", "/bulletin", 403},
		{"caizheng", "/bulletin?month=2026-11", 200},
		{"caizheng", "/bulletin?month=2026-13", 422},
		{"pingshen", "/audit", 200},
		{"shenji", "/audit", 200},
		{"shenji", "/audit/verify", 200},
		{"admin", "/audit", 403},
		{"admin", "/audit/verify", 403},
		{"anquan", "/audit", 403},
		{"anquan", "/security/users", 200},
		{"admin", "/security/users", 403},
		{"shenji", "/security/users", 403},
		{"pingshen", "/security/users", 403},
		{"anquan", "/admin/users", 403},
		{"shenji", "/admin/users", 403},
		{"anquan", "/reviews", 403},
		{"shenji", "/reviews", 403},
		{"anquan", "/", 200},
		{"shenji", "/", 200},
		{"caizheng", "/audit", 403},
		{"jianshe", "/audit", 403},
		{"zhongjie1", "/audit/verify", 403},
		{"jianshe", "/projects", 200},
		{"jianshe", "/projects/new", 200},
		{"zhongjie1", "/projects/new", 403},
	}
	for _, tt := range tests {
		t.Run(tt.user+" opens "+tt.path, func(t *testing.T) {
			s, ok := sessions[tt.user]
			if !ok {
				s = e.as(tt.user)
				sessions[tt.user] = s
			}
			resp, body := e.get(s, tt.path)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tt.want, body)
			}
		})
	}
	t.Run("anonymous visitors are sent to the sign-in page", func(t *testing.T) {
		resp, _ := e.get(pagesSession{}, "/dashboard")
		if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestAdminUsers(t *testing.T) {
	e := newPagesEnv(t, false)
	admin := e.as("admin")
	ctx := context.Background()
	unit, err := e.s.OrganizationByName(ctx, "临河区民政局")
	if err != nil {
		t.Fatal(err)
	}
	city, err := e.s.JurisdictionByName(ctx, "临河区")
	if err != nil {
		t.Fatal(err)
	}
	valid := func() url.Values {
		return url.Values{"username": {"wangli"}, "display_name": {"王丽"}, "password": {"Secret2026"},
			"role": {"construction_unit"}, "org_id": {itoa(unit.ID)}, "jurisdiction_id": {itoa(city.ID)}}
	}
	bad := []struct {
		name, field, value, message string
	}{
		{"short password", "password", "abc", "密码至少 8 位"},
		{"password of two character classes", "password", "abcdefghij1", "至少三类"},
		{"password containing the user name", "password", "Wangli#2026", "密码不能包含用户名"},
		{"bad username", "username", "王", "用户名为"},
		{"unit user without unit", "org_id", "", "该角色须选择所属单位"},
		{"unknown role", "role", "boss", "请选择角色"},
		{"taken username", "username", "jianshe", "用户名已存在"},
	}
	for _, tt := range bad {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			form := valid()
			form.Set(tt.field, tt.value)
			resp, body := e.post(admin, "/admin/users", form)
			if resp.StatusCode != 422 || !strings.Contains(string(body), tt.message) {
				t.Fatalf("status %d, body lacks %q", resp.StatusCode, tt.message)
			}
			if !strings.Contains(string(body), `value="王丽"`) {
				t.Fatalf("entered display name not kept")
			}
		})
	}
	t.Run("creates, audits and deactivates a user", func(t *testing.T) {
		resp, _ := e.post(admin, "/admin/users", valid())
		if resp.StatusCode != 303 {
			t.Fatalf("create status %d", resp.StatusCode)
		}
		u, err := e.s.UserByUsername(ctx, "wangli")
		if err != nil || u.Role != "construction_unit" || u.OrgID != unit.ID || !u.Active {
			t.Fatalf("user = %+v, %v", u, err)
		}
		if u.PasswordHash == "Secret2026" || !strings.HasPrefix(u.PasswordHash, "$2") {
			t.Fatalf("password not hashed with bcrypt: %q", u.PasswordHash)
		}
		events, n, err := e.s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: "create_user"})
		if err != nil || n != 1 || events[0].ObjectID != "wangli" {
			t.Fatalf("audit = %+v (%d), %v", events, n, err)
		}
		if _, ok := e.login("wangli", "Secret2026"); !ok {
			t.Fatalf("new user cannot sign in")
		}
		req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`{"username":"wangli","password":"Secret2026"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, body := e.send(req)
		var tok struct{ Token string }
		if resp.StatusCode != 201 || json.Unmarshal(body, &tok) != nil {
			t.Fatalf("token: status %d %s", resp.StatusCode, body)
		}
		apiStatus := func() int {
			req := httptest.NewRequest("GET", "/api/v1/reviews", nil)
			req.Header.Set("Authorization", "Bearer "+tok.Token)
			resp, _ := e.send(req)
			return resp.StatusCode
		}
		// A new account must change its password first, on the API too.
		if st := apiStatus(); st != 403 {
			t.Fatalf("API before the first password change: status %d, want 403", st)
		}
		req = httptest.NewRequest("PUT", "/api/v1/me/password", strings.NewReader(`{"current":"Secret2026","password":"Newer2027pass"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		if resp, body := e.send(req); resp.StatusCode != 204 {
			t.Fatalf("password change: status %d %s", resp.StatusCode, body)
		}
		if st := apiStatus(); st != 200 {
			t.Fatalf("API after the password change: status %d", st)
		}
		resp, _ = e.post(admin, "/admin/users/"+itoa(u.ID)+"/active", url.Values{"active": {"false"}})
		if resp.StatusCode != 303 {
			t.Fatalf("deactivate status %d", resp.StatusCode)
		}
		if _, ok := e.login("wangli", "Newer2027pass"); ok {
			t.Fatalf("deactivated user can still sign in")
		}
		if st := apiStatus(); st != 401 {
			t.Fatalf("a deactivated user's token (resolved a moment before): status %d, want 401 at once", st)
		}
		if _, n, _ := e.s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: "deactivate_user"}); n != 1 {
			t.Fatalf("deactivation not audited")
		}
	})
	t.Run("registers an organization", func(t *testing.T) {
		resp, body := e.post(admin, "/admin/organizations", url.Values{"kind": {"contractor"}, "name": {""}, "jurisdiction_id": {itoa(city.ID)}})
		if resp.StatusCode != 422 || !strings.Contains(string(body), "请填写单位名称") {
			t.Fatalf("empty name: status %d", resp.StatusCode)
		}
		resp, _ = e.post(admin, "/admin/organizations", url.Values{"kind": {"contractor"}, "name": {"巴彦淖尔市路桥建设有限公司"},
			"jurisdiction_id": {itoa(city.ID)}, "credit_code": {"91150800MA0N1234XY"}})
		if resp.StatusCode != 303 {
			t.Fatalf("create status %d", resp.StatusCode)
		}
		if o, err := e.s.OrganizationByName(ctx, "巴彦淖尔市路桥建设有限公司"); err != nil || o.Kind != "contractor" {
			t.Fatalf("org = %+v, %v", o, err)
		}
	})
	t.Run("audit verification passes", func(t *testing.T) {
		_, body := e.get(e.as("shenji"), "/audit/verify")
		if !strings.Contains(string(body), `data-testid="verify-ok"`) {
			t.Fatalf("verification did not pass: %.500s", body)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestReviewPages(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := context.Background()
	reviewOf := func(code, kind string) store.Review {
		t.Helper()
		rows, _, err := e.s.Reviews(ctx, store.Scope{All: true}, store.ReviewFilter{Search: code, Kind: kind, Limit: 10})
		if err != nil || len(rows) == 0 {
			t.Fatalf("review %s %s: %v", code, kind, err)
		}
		return rows[0]
	}
	jianshe := e.as("jianshe")
	pingshen := e.as("pingshen")

	t.Run("list filters and sorts", func(t *testing.T) {
		resp, body := e.get(pingshen, "/reviews?kind=budget&sort=amount&dir=asc")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		s := string(body)
		a, b := strings.Index(s, "5,320,000.00"), strings.Index(s, "9,180,000.00")
		if a < 0 || b < 0 || a > b || strings.Contains(s, "8,120,000.00") {
			t.Fatalf("budget reviews not filtered or sorted (positions %d, %d)", a, b)
		}
		_, body = e.get(pingshen, "/reviews?min=abc")
		if !strings.Contains(string(body), "金额应为数字") {
			t.Fatalf("bad amount filter not reported")
		}
	})
	t.Run("unit sees only its own reviews", func(t *testing.T) {
		_, body := e.get(jianshe, "/reviews?size=50")
		if strings.Contains(string(body), "WY-2026-001") || !strings.Contains(string(body), "LH-2026-001") {
			t.Fatalf("scope not applied")
		}
	})
	t.Run("excel export streams the filtered list", func(t *testing.T) {
		resp, body := e.get(pingshen, "/reviews.xlsx?kind=settlement&q=LH-2026-001")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("评审任务")
		if err != nil || len(rows) != 2 {
			t.Fatalf("rows = %v, %v", rows, err)
		}
		if rows[1][2] != "LH-2026-001" || rows[1][9] != "8,120,000.00" || rows[1][10] != "7,985,320.50" || rows[1][12] != "1.66%" {
			t.Fatalf("row = %v", rows[1])
		}
	})
	t.Run("review page shows amounts, diagram and timeline", func(t *testing.T) {
		r := reviewOf("LH-2026-001", "settlement")
		resp, body := e.get(pingshen, "/reviews/"+itoa(r.ID))
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		s := string(body)
		for _, want := range []string{"<svg", `aria-current`, "8,120,000.00", "7,985,320.50", "134,679.50", "1.66%", "出具评审结论", "委托"} {
			if !strings.Contains(s, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
	})
	t.Run("a unit's review of another unit is not found", func(t *testing.T) {
		r := reviewOf("WY-2026-001", "settlement")
		if resp, _ := e.get(jianshe, "/reviews/"+itoa(r.ID)); resp.StatusCode != 404 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("a refused transition keeps the entered values", func(t *testing.T) {
		r := reviewOf("LH-2026-005", "settlement") // opinion_sent: jianshe signs
		resp, body := e.post(jianshe, "/reviews/"+itoa(r.ID)+"/transitions", url.Values{"trigger": {"sign"},
			"version": {itoa(int64(r.Version))}, "agree": {"false"}, "reasons": {""}})
		if resp.StatusCode != 422 || !strings.Contains(string(body), `data-testid="err-reasons"`) {
			t.Fatalf("status %d, no error next to reasons", resp.StatusCode)
		}
		if !strings.Contains(string(body), `value="false" checked`) {
			t.Fatalf("disagree choice not kept")
		}
		resp, body = e.post(jianshe, "/reviews/"+itoa(r.ID)+"/transitions", url.Values{"trigger": {"sign"},
			"version": {itoa(int64(r.Version - 1))}, "agree": {"true"}})
		if resp.StatusCode != 409 || !strings.Contains(string(body), "已被他人更新") {
			t.Fatalf("stale version: status %d", resp.StatusCode)
		}
		resp, _ = e.post(jianshe, "/reviews/"+itoa(r.ID)+"/transitions", url.Values{"trigger": {"sign"},
			"version": {itoa(int64(r.Version))}, "agree": {"true"}})
		if resp.StatusCode != 303 {
			t.Fatalf("sign status %d", resp.StatusCode)
		}
		if got := reviewOf("LH-2026-005", "settlement"); got.State != "signed" {
			t.Fatalf("state = %s", got.State)
		}
	})
	t.Run("a processed review is archived through the page form", func(t *testing.T) {
		caizheng := e.as("caizheng")
		r := reviewOf("LH-2026-002", "budget") // processed
		path := "/reviews/" + itoa(r.ID)
		_, body := e.get(caizheng, path)
		s := string(body)
		for _, want := range []string{`data-testid="form-archive"`, `name="archive_number"`, `class="date-input" name="paper_received_on"`,
			`name="received_by"`, `name="retention_years" value="30"`} {
			if !strings.Contains(s, want) {
				t.Errorf("archive form lacks %s", want)
			}
		}
		resp, body := e.post(caizheng, path+"/transitions", url.Values{"trigger": {"archive"}, "version": {itoa(int64(r.Version))},
			"archive_number": {""}, "paper_received_on": {"2026-04-20"}, "received_by": {"王晓燕"}, "retention_years": {"30"}})
		if resp.StatusCode != 422 || !strings.Contains(string(body), `data-testid="err-archive_number"`) ||
			!strings.Contains(string(body), `value="王晓燕"`) {
			t.Fatalf("empty archive number: status %d", resp.StatusCode)
		}
		resp, _ = e.post(caizheng, path+"/transitions", url.Values{"trigger": {"archive"}, "version": {itoa(int64(r.Version))},
			"archive_number": {"巴财评档-2026-0102"}, "paper_received_on": {"2026-04-20"}, "received_by": {"王晓燕"}, "retention_years": {"10"}})
		if resp.StatusCode != 303 {
			t.Fatalf("archive status %d", resp.StatusCode)
		}
		if got := reviewOf("LH-2026-002", "budget"); got.State != "archived" {
			t.Fatalf("state = %s", got.State)
		}
		var number, by string
		var years int
		if err := e.s.DB.QueryRowContext(ctx, "SELECT archive_number, received_by, retention_years FROM archive_records WHERE review_id = ?", r.ID).
			Scan(&number, &by, &years); err != nil || number != "巴财评档-2026-0102" || by != "王晓燕" || years != 10 {
			t.Fatalf("archive record %q %q %d: %v", number, by, years, err)
		}
		_, body = e.get(caizheng, path)
		s = string(body)
		for _, want := range []string{`data-testid="archive"`, "巴财评档-2026-0102", "2026-04-20", "10 年(至 2036-04-19)"} {
			if !strings.Contains(s, want) {
				t.Errorf("archived page lacks %q", want)
			}
		}
	})
	t.Run("a suspended review shows the banner and its suspension", func(t *testing.T) {
		r := reviewOf("LH-2026-002", "tracking")
		_, body := e.get(pingshen, "/reviews/"+itoa(r.ID))
		s := string(body)
		for _, want := range []string{`data-testid="suspended"`, "暂停", `data-testid="suspensions"`, "设计变更待审批",
			`data-testid="draws-link"`, `data-testid="materials"`, "施工组织设计"} {
			if !strings.Contains(s, want) {
				t.Errorf("suspended review page lacks %q", want)
			}
		}
		_, body = e.get(jianshe, "/reviews/"+itoa(r.ID))
		if strings.Contains(string(body), `data-testid="draws-link"`) {
			t.Errorf("the unit is offered the expert draws")
		}
	})
	t.Run("missing materials are listed above the actions", func(t *testing.T) {
		resp, _ := e.post(jianshe, "/projects", url.Values{"code": {"LH-2026-098"}, "name": {"临河区养老服务中心改造"},
			"jurisdiction": {"临河区"}, "funding_source": {"general_budget"}, "category": {"renovation"}, "approved_estimate": {"800,000.00"}})
		if resp.StatusCode != 303 {
			t.Fatalf("create project status %d", resp.StatusCode)
		}
		resp, _ = e.post(jianshe, strings.SplitN(resp.Header.Get("Location"), "?", 2)[0]+"/reviews",
			url.Values{"kind": {"change"}, "submitted_amount": {"120,000.00"}})
		if resp.StatusCode != 303 {
			t.Fatalf("create review status %d", resp.StatusCode)
		}
		_, body := e.get(jianshe, strings.SplitN(resp.Header.Get("Location"), "?", 2)[0])
		s := string(body)
		i, j := strings.Index(s, `data-testid="missing"`), strings.Index(s, `data-testid="form-submit"`)
		if i < 0 || j < 0 || i > j || !strings.Contains(s[i:j], "送审资料未上传") || !strings.Contains(s[i:j], "变更工程造价计算书") {
			t.Fatalf("missing list not above the actions (%d, %d)", i, j)
		}
	})
	t.Run("a role that can never fire the trigger gets 403", func(t *testing.T) {
		r := reviewOf("LH-2026-012", "settlement") // submitted
		resp, _ := e.post(jianshe, "/reviews/"+itoa(r.ID)+"/transitions", url.Values{"trigger": {"accept"}, "version": {itoa(int64(r.Version))}})
		if resp.StatusCode != 403 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("dashboard and bulletin agree with the database", func(t *testing.T) {
		caizheng := e.as("caizheng")
		resp, body := e.get(caizheng, "/dashboard")
		if resp.StatusCode != 200 || !strings.Contains(string(body), "<svg") {
			t.Fatalf("dashboard status %d", resp.StatusCode)
		}
		month := time.Now().Format("2006-01")
		var count int
		var submitted, audited string
		if err := e.s.DB.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(submitted_amount),0), COALESCE(SUM(COALESCE(audited_amount,submitted_amount)),0)
			FROM reviews WHERE concluded_at >= ? AND concluded_at < ?`, month+"-01", time.Now().AddDate(0, 1, 0).Format("2006-01")+"-01").
			Scan(&count, &submitted, &audited); err != nil {
			t.Fatal(err)
		}
		if count == 0 {
			t.Fatalf("demo data has no review concluded this month")
		}
		resp, body = e.get(caizheng, "/bulletin.xlsx?month="+month)
		if resp.StatusCode != 200 {
			t.Fatalf("bulletin excel status %d", resp.StatusCode)
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("评审月报")
		var total []string
		for _, r := range rows {
			if len(r) > 3 && r[0] == "合计" {
				total = r
				break
			}
		}
		if total == nil || total[1] != itoa(int64(count)) || strings.ReplaceAll(total[2], ",", "") != submitted ||
			strings.ReplaceAll(total[3], ",", "") != audited {
			t.Fatalf("bulletin total %v, database %d %s %s", total, count, submitted, audited)
		}
		for _, path := range []string{"/bulletin?month=" + month, "/bulletin/print?month=" + month} {
			if resp, _ := e.get(caizheng, path); resp.StatusCode != 200 {
				t.Fatalf("%s status %d", path, resp.StatusCode)
			}
		}
	})
	t.Run("a unit registers a project and opens a review", func(t *testing.T) {
		resp, body := e.post(jianshe, "/projects", url.Values{"code": {"LH-2026-099"}, "name": {"临河区社区综合服务设施"},
			"jurisdiction": {"临河区"}, "funding_source": {"general_budget"}, "category": {"capital"}, "approved_estimate": {"12,5x"}})
		if resp.StatusCode != 422 || !strings.Contains(string(body), "临河区社区综合服务设施") {
			t.Fatalf("bad estimate: status %d", resp.StatusCode)
		}
		resp, _ = e.post(jianshe, "/projects", url.Values{"code": {"LH-2026-099"}, "name": {"临河区社区综合服务设施"},
			"jurisdiction": {"临河区"}, "funding_source": {"general_budget"}, "category": {"capital"}, "approved_estimate": {"3,200,000.00"}})
		if resp.StatusCode != 303 {
			t.Fatalf("create project status %d", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		path := strings.SplitN(loc, "?", 2)[0]
		resp, _ = e.post(jianshe, path+"/reviews", url.Values{"kind": {"budget"}, "submitted_amount": {"3,100,000.00"}})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/reviews/") {
			t.Fatalf("create review status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestExpertPlacementPage(t *testing.T) {
	e := newPagesEnv(t, false)
	ctx := context.Background()
	experts, err := e.s.Experts(ctx, store.ExpertFilter{})
	if err != nil || len(experts) == 0 {
		t.Fatalf("experts: %v", err)
	}
	firms, err := e.s.Organizations(ctx, store.OrgFirm)
	if err != nil || len(firms) == 0 {
		t.Fatalf("firms: %v", err)
	}
	units, err := e.s.Organizations(ctx, store.OrgUnit)
	if err != nil || len(units) == 0 {
		t.Fatalf("units: %v", err)
	}
	expert, firmOrg, unit := experts[0], firms[0], units[0]
	pingshen := e.as("pingshen")
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := e.s.DB.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("the page offers both forms to the review center", func(t *testing.T) {
		_, body := e.get(pingshen, "/experts")
		for _, want := range []string{`data-testid="form-placement"`, `data-testid="form-relation"`, firmOrg.Name} {
			if !strings.Contains(string(body), want) {
				t.Errorf("experts page lacks %q", want)
			}
		}
	})
	t.Run("the employer and firm are saved and audited", func(t *testing.T) {
		resp, _ := e.post(pingshen, "/experts/placement", url.Values{"expert_id": {itoa(expert.ID)},
			"employer_org_id": {itoa(unit.ID)}, "firm_id": {itoa(firmOrg.ID)}})
		if resp.StatusCode != 303 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if n := count("SELECT COUNT(*) FROM experts WHERE id = ? AND employer_org_id = ? AND firm_id = ?", expert.ID, unit.ID, firmOrg.ID); n != 1 {
			t.Fatalf("placement not stored")
		}
		if n := count("SELECT COUNT(*) FROM audit_events WHERE action = 'expert_placement' AND object_id = ?", itoa(expert.ID)); n != 1 {
			t.Fatalf("placement audit events = %d", n)
		}
		_, body := e.get(pingshen, "/experts")
		if !strings.Contains(string(body), "任职:"+unit.Name) || !strings.Contains(string(body), "所属机构:"+firmOrg.Name) {
			t.Fatalf("placement not shown")
		}
	})
	t.Run("a unit given as the firm is refused", func(t *testing.T) {
		resp, body := e.post(pingshen, "/experts/placement", url.Values{"expert_id": {itoa(expert.ID)}, "firm_id": {itoa(unit.ID)}})
		if resp.StatusCode != 422 || !strings.Contains(string(body), `data-testid="placement-error"`) {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("a relation is declared and audited", func(t *testing.T) {
		resp, body := e.post(pingshen, "/experts/relations", url.Values{"expert_id": {itoa(expert.ID)}, "org_id": {itoa(unit.ID)}, "relation": {" "}})
		if resp.StatusCode != 422 || !strings.Contains(string(body), "请说明关联关系") {
			t.Fatalf("empty relation: status %d", resp.StatusCode)
		}
		resp, _ = e.post(pingshen, "/experts/relations", url.Values{"expert_id": {itoa(expert.ID)}, "org_id": {itoa(unit.ID)}, "relation": {"近亲属任职"}})
		if resp.StatusCode != 303 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if n := count("SELECT COUNT(*) FROM expert_relations WHERE expert_id = ? AND related_org_id = ? AND relation = '近亲属任职'", expert.ID, unit.ID); n != 1 {
			t.Fatalf("relation not stored")
		}
		if n := count("SELECT COUNT(*) FROM audit_events WHERE action = 'expert_relation' AND object_id = ?", itoa(expert.ID)); n != 1 {
			t.Fatalf("relation audit events = %d", n)
		}
		_, body = e.get(pingshen, "/experts")
		if !strings.Contains(string(body), "关联:"+unit.Name+"(近亲属任职)") {
			t.Fatalf("relation not shown")
		}
	})
	t.Run("a unit may not change placements", func(t *testing.T) {
		jianshe := e.as("jianshe")
		resp, _ := e.post(jianshe, "/experts/placement", url.Values{"expert_id": {itoa(expert.ID)}, "employer_org_id": {""}, "firm_id": {""}})
		if resp.StatusCode != 403 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}
