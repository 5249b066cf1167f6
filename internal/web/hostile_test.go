package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// hostileValues are what a security tester types into every field: numbers
// that overflow or are out of range, years and months out of range, text
// longer than any column, control and bidi characters, invalid UTF-8.
var hostileValues = []string{
	"99999999999999999999", "9223372036854775807", "-9223372036854775808", "-1", "0",
	"987654321", "10000", "2026-13", "0000-00", "1e400",
	"\x00", "a\u202eb", "\xff\xfe\xfd", "\u0085",
	strings.Repeat("长", 300), strings.Repeat("x", 70000),
}

// hostileIDs are what goes into an id in a path.
var hostileIDs = []string{"99999999999999999999", "9223372036854775807", "-1", "0"}

// routeInputs are the inputs of one route beyond its path: the query
// parameters it reads, and a baseline body (form fields for pages, JSON
// for the API) whose fields are made hostile one at a time.
type routeInputs struct {
	query []string
	form  map[string]string
	json  map[string]any
}

var listQuery = []string{"page", "per_page", "size"}

// hostileRoutes lists every route that reads query parameters or a body.
// TestHostileInputs fails on a POST or PUT route missing here, so a new
// form cannot escape the sweep.
var hostileRoutes = map[string]routeInputs{
	"POST /api/v1/tokens":   {json: map[string]any{"username": "nobody", "password": "x"}},
	"PUT /api/v1/me":        {json: map[string]any{"phone": "13800138000", "email": "zhangsan@example.gov.cn"}},
	"GET /api/v1/projects":  {query: append([]string{"q"}, listQuery...)},
	"POST /api/v1/projects": {json: map[string]any{"code": "HX-{n}", "name": "测试项目", "jurisdiction": "临河区", "funding_source": "general_budget", "category": "capital", "approved_estimate": "1000.00", "unit_org_id": "{unit}", "dept_org_id": "", "contractor_ids": []any{"{contractor}"}}},
	"POST /api/v1/reviews":  {json: map[string]any{"project_id": "{project}", "kind": "settlement", "submitted_amount": "1000.00"}},
	"GET /api/v1/reviews":   {query: append([]string{"state", "kind", "q", "jurisdiction", "firm_id"}, listQuery...)},
	"POST /api/v1/reviews/:id<int>/transitions": {json: map[string]any{"trigger": "submit", "version": "1", "reason": "原因",
		"firm_id": "{firm}", "audited_amount": "10.00", "agree": "false", "reasons": "理由", "expected_workdays": "3", "survey_date": "2026-01-05"}},
	"POST /api/v1/reviews/:id<int>/nudge":                   {json: map[string]any{"message": "请尽快"}},
	"POST /api/v1/reviews/:id/documents":                    {},
	"GET /api/v1/reviews/:id/documents":                     {query: append([]string{"category", "latest"}, listQuery...)},
	"GET /api/v1/papers":                                    {query: append([]string{"q", "kind"}, listQuery...)},
	"POST /api/v1/papers/:id/void":                          {json: map[string]any{"reason": "作废"}},
	"POST /api/v1/reviews/:id<int>/draws":                   {json: map[string]any{"purpose": "expert_review", "specialty": "土建工程", "main": "1", "reserve": "1"}},
	"POST /api/v1/reviews/:id<int>/experts/:eid<int>/score": {json: map[string]any{"score": "80", "comment": "好"}},
	"POST /api/v1/fees/calculate":                           {json: map[string]any{"kind": "settlement", "outcome": "reduction", "submitted": "1000000", "audited": "900000", "date": "2026-01-05"}},
	"POST /api/v1/fee-schedules":                            {json: map[string]any{"name": "表{n}", "effective_from": "2026-01-01"}},
	"PUT /api/v1/fee-schedules/:id<int>":                    {json: map[string]any{"name": "表{n}", "effective_from": "2026-01-01"}},
	"GET /api/v1/firms":                                     {query: []string{"jurisdiction", "kind", "q"}},
	"GET /api/v1/experts":                                   {query: []string{"specialty", "active", "q"}},

	"GET /login":                 {query: []string{"next"}},
	"POST /login":                {form: map[string]string{"username": "nobody", "password": "x"}},
	"GET /notifications":         {query: listQuery},
	"POST /notifications/read":   {},
	"POST /logout":               {},
	"POST /stand-ins":            {form: map[string]string{"colleague_id": "{user}", "starts_on": "2026-01-05", "ends_on": "2026-01-09", "reason": "出差"}},
	"POST /stand-ins/:id/revoke": {},
	"POST /profile": {form: map[string]string{"phone": "13800138000", "email": "zhangsan@example.gov.cn", "quiet_mode": "custom",
		"quiet": "22:00-07:00", "digest": "on", "on:delegated/sms": "on"}},
	"POST /admin/notices/:id<int>/retry": {},
	"POST /admin/notices/:id<int>/drop":  {},
	"GET /projects":                      {query: append([]string{"q"}, listQuery...)},
	"POST /projects": {form: map[string]string{"code": "HY-{n}", "name": "测试项目", "jurisdiction": "临河区", "unit_org_id": "{unit}", "dept_org_id": "",
		"funding_source": "general_budget", "category": "capital", "approved_estimate": "1,000.00", "contractor_ids": "{contractor}"}},
	"POST /projects/:id<int>/reviews":                {form: map[string]string{"kind": "settlement", "submitted_amount": "1000.00"}},
	"GET /reviews":                                   {query: append([]string{"state", "kind", "q", "jurisdiction", "firm_id", "msg"}, listQuery...)},
	"GET /reviews.xlsx":                              {query: []string{"state", "kind", "q", "jurisdiction", "firm_id"}},
	"POST /reviews/:id<int>/transitions":             {form: map[string]string{"trigger": "submit", "version": "1", "reason": "原因", "firm_id": "{firm}", "audited_amount": "10.00"}},
	"POST /reviews/:id<int>/nudge":                   {form: map[string]string{"message": "请尽快"}},
	"POST /reviews/:id<int>/expert-opinion":          {form: map[string]string{"opinion": "意见", "suggested_amount": "100.00"}},
	"GET /dashboard":                                 {query: []string{"year", "month"}},
	"GET /bulletin":                                  {query: []string{"month", "year"}},
	"GET /bulletin.xlsx":                             {query: []string{"month", "year"}},
	"GET /bulletin/print":                            {query: []string{"month", "year"}},
	"GET /audit":                                     {query: append([]string{"action", "actor", "review"}, listQuery...)},
	"GET /admin/users":                               {query: append([]string{"q", "role"}, listQuery...)},
	"POST /archives/disposal/:id<int>/confirm":       {form: map[string]string{"note": "保管期满,经核准销毁"}},
	"POST /csp-report":                               {json: map[string]any{"csp-report": map[string]any{"blocked-uri": "inline", "violated-directive": "script-src"}}},
	"POST /admin/users":                              {form: map[string]string{"username": "newuser{n}", "display_name": "新用户", "role": "construction_unit", "org_id": "{unit}", "jurisdiction_id": "{jurisdiction}", "password": "Xy#2026abcdef"}},
	"POST /admin/users/:id<int>/active":              {form: map[string]string{"active": "false", "reason": "离职"}},
	"POST /security/users/:id<int>/role":             {form: map[string]string{"role": "expert"}},
	"POST /security/users/:id<int>/unlock":           {form: map[string]string{}},
	"POST /security/policy":                          {form: map[string]string{"min_length": "8", "history_count": "5", "expiry_days": "90", "max_failures": "5", "lock_minutes": "30", "idle_minutes": "30", "absolute_hours": "12"}},
	"POST /account/password":                         {form: map[string]string{"current": "wrong", "password": "Xy#2026abcdef", "confirm": "Xy#2026abcdef"}},
	"POST /account/tokens/:id<int>/revoke":           {form: map[string]string{}},
	"GET /admin/organizations":                       {query: append([]string{"q", "kind"}, listQuery...)},
	"POST /admin/organizations":                      {form: map[string]string{"kind": "unit", "name": "新单位{n}", "jurisdiction_id": "{jurisdiction}", "credit_code": "", "contact_person": "张三", "contact_phone": "0478-1234567"}},
	"GET /admin/calendar":                            {query: []string{"year", "msg"}},
	"POST /admin/calendar/days":                      {form: map[string]string{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}},
	"POST /admin/calendar/days/delete":               {form: map[string]string{"date": "2027-01-01"}},
	"POST /admin/calendar/import/preview":            {form: map[string]string{"csv": "date,kind,name\n2027-01-01,holiday,元旦\n", "file_name": "a.csv"}},
	"POST /admin/calendar/import":                    {form: map[string]string{"csv": "date,kind,name\n2027-01-01,holiday,元旦\n", "file_name": "a.csv"}},
	"GET /reviews/:id/documents":                     {query: append([]string{"category"}, listQuery...)},
	"POST /reviews/:id/upload":                       {},
	"POST /imports/upload":                           {},
	"POST /imports/:id/undo":                         {},
	"GET /documents/:id":                             {query: []string{"inline"}},
	"GET /papers":                                    {query: append([]string{"q", "kind"}, listQuery...)},
	"POST /papers/:id/void":                          {form: map[string]string{"reason": "作废", "back": "/papers"}},
	"POST /reviews/:id<int>/draws":                   {form: map[string]string{"purpose": "expert_review", "specialty": "土建工程", "main": "1", "reserve": "1"}},
	"POST /draws/:id<int>/verify":                    {},
	"POST /reviews/:id<int>/experts/:eid<int>/score": {form: map[string]string{"score": "80", "comment": "好"}},
	"GET /fees/calculator":                           {query: []string{"kind", "outcome", "submitted", "audited", "date", "show"}},
	"POST /fees/schedules":                           {form: map[string]string{"name": "表", "discount": "0.5", "band_rate_0": "0.1"}},
	"GET /fees/deductions":                           {query: append([]string{"q"}, listQuery...)},
	"GET /fees/deductions.xlsx":                      {query: []string{"q"}},
	"GET /firms":                                     {query: append([]string{"q", "status", "jurisdiction", "kind"}, listQuery...)},
	"POST /firms": {form: map[string]string{"name": "新机构{n}", "credit_code": "91150800MA{n}", "contact_person": "张三", "contact_phone": "0478-1234567",
		"address": "临河区", "qualification": "甲级", "capacity": "10", "score": "80", "admitted_at": "2026-01-05"}},
	"GET /firms/assessment":                    {query: []string{"period"}},
	"POST /firms/assessment/periods":           {form: map[string]string{"name": "2026年度{n}", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "bottom_n": "1", "threshold": "60"}},
	"POST /firms/assessment/:pid<int>/scores":  {form: map[string]string{}},
	"POST /firms/assessment/:pid<int>/compute": {},
	"POST /firms/assessment/:pid<int>/close":   {},
	"POST /firms/:id<int>": {form: map[string]string{"name": "机构{n}", "credit_code": "91150800MB{n}", "contact_person": "张三", "contact_phone": "0478-1234567",
		"address": "临河区", "qualification": "甲级", "capacity": "10", "score": "80", "admitted_at": "2026-01-05"}},
	"POST /firms/:id<int>/status":    {form: map[string]string{"status": "suspended", "reason": "整改"}},
	"POST /firms/:id<int>/conflicts": {form: map[string]string{"org_id": "{unit}", "relation": "关联"}},
	"GET /experts":                   {query: append([]string{"specialty", "q"}, listQuery...)},
	"POST /experts":                  {form: map[string]string{"name": "专家{n}", "specialty": "土建工程", "title": "高工", "employer": "大学"}},
	"POST /experts/:id<int>/active":  {form: map[string]string{"active": "false"}},
	"POST /experts/placement":        {form: map[string]string{"expert_id": "{expert}", "org_id": "{unit}"}},
	"POST /experts/relations":        {form: map[string]string{"expert_id": "{expert}", "org_id": "{unit}", "relation": "亲属"}},
	"GET /overdue":                   {query: append([]string{"kind", "q"}, listQuery...)},
	"GET /overdue.xlsx":              {query: []string{"kind", "q"}},
}

// debugRoute, from HOSTILE_DEBUG, logs every answer on paths containing
// it, to see what a route makes of each hostile value.
var debugRoute = os.Getenv("HOSTILE_DEBUG")

var routeParam = regexp.MustCompile(`:([a-z]+)(<int>)?`)

// TestHostileInputs signs in as every demo role and sends hostile values
// to every route of the route table: each path id, each query parameter
// and each body field in turn. No answer may be a 5xx.
func TestHostileInputs(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := context.Background()
	ids := map[string]string{}
	for name, q := range map[string]string{
		"review":       "SELECT MIN(id) FROM reviews",
		"project":      "SELECT MIN(id) FROM projects",
		"document":     "SELECT COALESCE(MIN(id),1) FROM documents",
		"paper":        "SELECT COALESCE(MIN(id),1) FROM papers",
		"draw":         "SELECT COALESCE(MIN(id),1) FROM expert_draws",
		"firm":         "SELECT MIN(org_id) FROM firms",
		"expert":       "SELECT MIN(id) FROM experts",
		"user":         "SELECT MAX(id) FROM users",
		"unit":         "SELECT MIN(id) FROM organizations WHERE kind = 'construction_unit'",
		"contractor":   "SELECT MIN(id) FROM organizations WHERE kind = 'contractor'",
		"jurisdiction": "SELECT MIN(id) FROM jurisdictions",
		"schedule":     "SELECT COALESCE(MIN(id),1) FROM fee_schedules",
	} {
		var id int64
		if err := e.s.DB.QueryRowContext(ctx, q).Scan(&id); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ids[name] = strconv.FormatInt(id, 10)
	}
	fill := func(s string) string {
		for k, v := range ids {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
		return s
	}
	// pathID is a real id for a route's parameter, judged by the path.
	pathID := func(path, param string) string {
		switch {
		case param == "eid":
			return ids["expert"]
		case param == "pid":
			return "1"
		case param == "kind":
			return "notice"
		case strings.Contains(path, "/reviews/"):
			return ids["review"]
		case strings.Contains(path, "/projects/"):
			return ids["project"]
		case strings.Contains(path, "/documents/"):
			return ids["document"]
		case strings.Contains(path, "/papers/"):
			return ids["paper"]
		case strings.Contains(path, "/draws/"):
			return ids["draw"]
		case strings.Contains(path, "/firms/"):
			return ids["firm"]
		case strings.Contains(path, "/experts/"):
			return ids["expert"]
		case strings.Contains(path, "/fee-schedules/"):
			return ids["schedule"]
		}
		return ids["user"]
	}

	type route struct{ method, path string }
	var routes []route
	seen := map[string]bool{}
	for _, r := range e.app.Fiber().GetRoutes(true) {
		key := r.Method + " " + r.Path
		if r.Method == "HEAD" || r.Method == "CONNECT" || r.Method == "TRACE" || r.Method == "OPTIONS" || seen[key] ||
			r.Path == "/" && r.Method == "USE" || strings.HasPrefix(r.Path, "/static") {
			continue
		}
		if r.Method != "GET" && r.Method != "POST" && r.Method != "PUT" && r.Method != "DELETE" {
			continue
		}
		seen[key] = true
		if key == "POST /logout" {
			continue // ends the session the sweep signs in with
		}
		if _, ok := hostileRoutes[key]; !ok && r.Method != "GET" {
			t.Errorf("route %s is missing from hostileRoutes", key)
		}
		routes = append(routes, route{r.Method, r.Path})
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].method+routes[i].path < routes[j].method+routes[j].path })

	users := []string{"admin", "anquan", "shenji", "caizheng", "pingshen", "jianshe", "shigong", "zhuguan", "zhuanjia", "zhongjie1"}
	sessions := map[string]pagesSession{}
	tokens := map[string]string{}
	for _, u := range users {
		sessions[u] = e.as(u)
		resp, body := e.send(jsonRequest("POST", "/api/v1/tokens", "", map[string]any{"username": u, "password": "Demo@2026"}))
		if resp.StatusCode != 201 {
			t.Fatalf("token %s: %d %s", u, resp.StatusCode, body)
		}
		var out struct{ Token string }
		_ = json.Unmarshal(body, &out)
		tokens[u] = out.Token
	}

	sent := 0
	send := func(user string, method, path string, query url.Values, form map[string]string, js map[string]any) {
		t.Helper()
		if len(query) > 0 {
			path += "?" + query.Encode()
		}
		n := strconv.Itoa(sent)
		unique := func(v string) string { return strings.ReplaceAll(v, "{n}", n) }
		if form != nil {
			f := map[string]string{}
			for k, v := range form {
				f[k] = unique(v)
			}
			form = f
		}
		if js != nil {
			j := map[string]any{}
			for k, v := range js {
				if s, ok := v.(string); ok {
					v = unique(s)
				}
				j[k] = v
			}
			js = j
		}
		var req *http.Request
		api := strings.HasPrefix(path, "/api/")
		switch {
		case api:
			var b map[string]any
			if js != nil || method != "GET" {
				b = js
				if b == nil {
					b = map[string]any{}
				}
			}
			req = jsonRequest(method, path, tokens[user], b)
		case method == "GET":
			req = httptest.NewRequest(method, path, nil)
			req.AddCookie(sessions[user].cookie)
		default:
			v := url.Values{}
			for k, s := range form {
				v.Set(k, s)
			}
			v.Set("_csrf", sessions[user].csrf)
			req = httptest.NewRequest(method, path, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(sessions[user].cookie)
		}
		resp, err := e.app.Fiber().Test(req, -1)
		sent++
		if err != nil {
			// The server answered (a refusal) before reading the whole
			// body; the test client then reads the rest as a request.
			t.Logf("%s %s as %s: %.100v", method, req.URL.Path, user, err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if debugRoute != "" && strings.Contains(req.URL.Path, debugRoute) {
			t.Logf("%s %s as %s: %d %.200s %.200v", method, req.URL.Path, user, resp.StatusCode, body, js)
		}
		if resp.StatusCode >= 500 {
			if len(body) > 300 {
				body = body[:300]
			}
			t.Errorf("%s %s %.200q as %s: %d %s", method, req.URL.Path, req.URL.RawQuery, user, resp.StatusCode, body)
			if len(form) > 0 || len(js) > 0 {
				b, _ := json.Marshal(map[string]any{"form": form, "json": js})
				t.Logf("  body %.300s", b)
			}
		}
	}

	for _, r := range routes {
		in := hostileRoutes[r.method+" "+r.path]
		params := routeParam.FindAllStringSubmatch(r.path, -1)
		concrete := func(hostile map[string]string) string {
			return routeParam.ReplaceAllStringFunc(r.path, func(m string) string {
				name := routeParam.FindStringSubmatch(m)[1]
				if v, ok := hostile[name]; ok {
					return url.PathEscape(v)
				}
				return pathID(r.path, name)
			})
		}
		baseForm := map[string]string{}
		for k, v := range in.form {
			baseForm[k] = fill(v)
		}
		baseJSON := map[string]any{}
		for k, v := range in.json {
			switch x := v.(type) {
			case string:
				baseJSON[k] = fill(x)
			case []any:
				var out []any
				for _, s := range x {
					out = append(out, fill(s.(string)))
				}
				baseJSON[k] = out
			default:
				baseJSON[k] = v
			}
		}
		for _, user := range users {
			t.Run(r.method+" "+r.path+" "+user, func(t *testing.T) {
				for _, p := range params {
					for _, v := range hostileIDs {
						send(user, r.method, concrete(map[string]string{p[1]: v}), nil, baseForm, baseJSON)
					}
				}
				path := concrete(nil)
				for _, name := range in.query {
					for _, v := range hostileValues {
						if len(v) > 1000 {
							continue // longer than a request line may be
						}
						send(user, r.method, path, url.Values{name: {v}}, baseForm, baseJSON)
					}
				}
				for name := range baseForm {
					for _, v := range hostileValues {
						f := map[string]string{}
						for k, s := range baseForm {
							f[k] = s
						}
						f[name] = v
						send(user, r.method, path, nil, f, nil)
					}
				}
				for name := range baseJSON {
					for _, v := range hostileValues {
						j := map[string]any{}
						for k, s := range baseJSON {
							j[k] = s
						}
						j[name] = v
						send(user, r.method, path, nil, nil, j)
						if name == "contractor_ids" {
							j[name] = []any{v}
							send(user, r.method, path, nil, nil, j)
						}
					}
				}
				if r.method != "GET" && strings.HasPrefix(r.path, "/api/") {
					for _, raw := range []string{"{\"name\":\"\xff\xfe\"}", "{\"reason\":\"a\\u0000b\"}", "[1,2", "\"\\ud800\""} {
						req := httptest.NewRequest(r.method, path, bytes.NewReader([]byte(raw)))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", "Bearer "+tokens[user])
						resp, body := e.send(req)
						sent++
						if resp.StatusCode >= 500 {
							t.Errorf("%s %s raw %q as %s: %d %s", r.method, path, raw, user, resp.StatusCode, body)
						}
					}
				}
			})
		}
	}
	t.Logf("%d routes, %d requests", len(routes), sent)
}

// jsonRequest is an API request with a JSON body (nil: none).
func jsonRequest(method, path, token string, body map[string]any) *http.Request {
	var req *http.Request
	if body != nil {
		b, _ := json.Marshal(body)
		req = httptest.NewRequest(method, path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}
