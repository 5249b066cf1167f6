package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// flaggedFields are the names of the inputs a page marks aria-invalid.
func flaggedFields(body []byte) map[string]bool {
	out := map[string]bool{}
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`<(?:input|select|textarea)[^>]*name="([^"]+)"[^>]*aria-invalid="true"`),
		regexp.MustCompile(`<(?:input|select|textarea)[^>]*aria-invalid="true"[^>]*name="([^"]+)"`),
	} {
		for _, m := range re.FindAllSubmatch(body, -1) {
			out[string(m[1])] = true
		}
	}
	return out
}

// formCase is one form sent with several bad fields: every one of them is
// flagged with its message, what was typed is kept and nothing is saved.
type formCase struct {
	name, user, path string
	form             url.Values
	flagged          []string // inputs marked aria-invalid
	says             []string // messages shown
	kept             []string // values shown again
	unsaved          string   // a COUNT(*) query that must stay 0
}

// TestEveryFormFlagsAllItsFields: each form of the pages answers several
// bad fields with all their messages at once (422), keeps what was typed
// and saves nothing.
func TestEveryFormFlagsAllItsFields(t *testing.T) {
	e := newPagesEnv(t, true)
	var reviewID, firmID int64
	if err := e.s.DB.QueryRowContext(t.Context(), "SELECT id FROM reviews WHERE state <> 'draft' ORDER BY id LIMIT 1").Scan(&reviewID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DB.QueryRowContext(t.Context(), "SELECT org_id FROM firms ORDER BY org_id LIMIT 1").Scan(&firmID); err != nil {
		t.Fatal(err)
	}
	// A running review to urge, a valid paper to void, a contractor (not a
	// department) and a user whose role the security administrator sets.
	var runningID, paperID, contractorID, userID int64
	for _, q := range []struct {
		sql string
		dst *int64
	}{
		{"SELECT id FROM reviews WHERE state NOT IN ('draft', 'archived', 'returned') AND NOT suspended ORDER BY id LIMIT 1", &runningID},
		{"SELECT id FROM papers WHERE voided_at IS NULL ORDER BY id LIMIT 1", &paperID},
		{"SELECT id FROM organizations WHERE kind = 'contractor' ORDER BY id LIMIT 1", &contractorID},
		{"SELECT id FROM users WHERE username = 'pingshen'", &userID},
	} {
		if err := e.s.DB.QueryRowContext(t.Context(), q.sql).Scan(q.dst); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	long := strings.Repeat("快", 501)
	cases := []formCase{
		{name: "new firm", user: "pingshen", path: "/firms",
			form:    url.Values{"name": {""}, "capacity": {"三十"}, "score": {"八十"}, "admitted_at": {"2026-13-45"}, "contact_person": {"王联系"}},
			flagged: []string{"name", "capacity", "score", "admitted_at"},
			says:    []string{"请填写机构名称", "在办项目上限须为整数", "得分须为数字", "入库日期格式应为 YYYY-MM-DD", "请至少选择一类评审资质", "请至少选择一个服务区划"},
			kept:    []string{`value="王联系"`, `value="三十"`, `value="2026-13-45"`},
			unsaved: "SELECT COUNT(*) FROM organizations WHERE contact_person = '王联系'"},
		{name: "firm status", user: "pingshen", path: fmt.Sprintf("/firms/%d/status", firmID),
			form:    url.Values{"status": {"closed"}, "reason": {" "}},
			flagged: []string{"status", "reason"},
			says:    []string{`状态 &#34;closed&#34; 无效`, "请填写状态变更理由"}},
		{name: "firm relation", user: "pingshen", path: fmt.Sprintf("/firms/%d/conflicts", firmID),
			form:    url.Values{"org_id": {""}, "relation": {""}},
			flagged: []string{"org_id", "relation"},
			says:    []string{"请选择关联单位", "请说明关联关系"}},
		{name: "new expert", user: "pingshen", path: "/experts",
			form:    url.Values{"name": {""}, "specialty": {""}, "title": {strings.Repeat("高", 65)}, "employer": {"某设计院"}},
			flagged: []string{"name", "specialty", "title"},
			says:    []string{"请填写专家姓名", "请填写专业", "职称不能超过 64 个字"},
			kept:    []string{`value="某设计院"`},
			unsaved: "SELECT COUNT(*) FROM experts WHERE employer = '某设计院'"},
		{name: "expert relation", user: "pingshen", path: "/experts/relations",
			form:    url.Values{"expert_id": {""}, "org_id": {""}, "relation": {""}},
			flagged: []string{"expert_id", "org_id", "relation"},
			says:    []string{"请选择专家", "请选择关联单位", "请说明关联关系"}},
		{name: "assessment period", user: "pingshen", path: "/firms/assessment/periods",
			form:    url.Values{"name": {""}, "starts_on": {"明天"}, "ends_on": {"后天"}, "bottom_n": {"一"}, "threshold": {"六十"}},
			flagged: []string{"name", "starts_on", "ends_on", "bottom_n", "threshold"},
			says:    []string{"请填写考核期名称", "开始日期格式应为 YYYY-MM-DD", "结束日期格式应为 YYYY-MM-DD", "末位数量须为整数", "分数线须为数字"},
			kept:    []string{`value="明天"`, `value="六十"`},
			unsaved: "SELECT COUNT(*) FROM assessment_periods"},
		{name: "calendar day", user: "admin", path: "/admin/calendar/days",
			form:    url.Values{"date": {"2027-02-30"}, "kind": {"festival"}, "name": {""}},
			says:    []string{"日期应为 YYYY-MM-DD 格式的真实日期", "类型应为放假(holiday)或调休上班(workday)", "请填写名称"},
			kept:    []string{`value="2027-02-30"`},
			unsaved: "SELECT COUNT(*) FROM calendar_days"},
		{name: "stand-in", user: "pingshen", path: "/stand-ins",
			form:    url.Values{"colleague_id": {""}, "starts_on": {"下周一"}, "ends_on": {"下周五"}, "reason": {""}},
			says:    []string{"请选择代办的同事", "开始日期应为 YYYY-MM-DD 格式的真实日期", "结束日期应为 YYYY-MM-DD 格式的真实日期", "请填写事由"},
			kept:    []string{`value="下周一"`, `value="下周五"`},
			unsaved: "SELECT COUNT(*) FROM stand_ins"},
		{name: "password", user: "zhuanjia", path: "/account/password",
			form:    url.Values{"current": {"not-the-password"}, "password": {"short"}, "confirm": {"other"}},
			flagged: []string{"current", "password", "confirm"},
			says:    []string{"当前密码不正确", "密码至少 8 位", "两次输入的新密码不一致"}},
		{name: "security policy", user: "anquan", path: "/security/policy",
			form: url.Values{"min_length": {""}, "history_count": {"5"}, "expiry_days": {"90"}, "max_failures": {"5"},
				"lock_minutes": {"1"}, "idle_minutes": {"1000"}, "absolute_hours": {"12"}},
			flagged: []string{"min_length", "lock_minutes", "idle_minutes"},
			says:    []string{"请填写", "锁定时长(分钟)须在 10–1440 之间", "会话空闲超时(分钟)须在 5–240 之间"},
			kept:    []string{`value="1000"`}},
		{name: "fee schedule", user: "admin", path: "/fees/schedules",
			form: url.Values{"name": {""}, "effective_from": {"2027-01-01"}, "discount": {"八折"}, "reduction_rate": {"2"},
				"penalty_threshold": {"0.05"}, "unilateral_first_ratio": {"0.5"}, "band_up_to_0": {""}, "band_rate_0": {"0.01"}},
			flagged: []string{"name", "discount", "reduction_rate"},
			says:    []string{"请填写名称", `须为非负小数,如 &#34;0.5&#34;,而不是 &#34;八折&#34;`, "须在 0 到 1 之间,而不是 2"},
			kept:    []string{`value="八折"`, `value="2027-01-01"`}},
		{name: "expert draw", user: "pingshen", path: fmt.Sprintf("/reviews/%d/draws", reviewID),
			form:    url.Values{"purpose": {"lottery"}, "specialty": {""}, "main": {"三"}, "reserve": {"99"}},
			flagged: []string{"purpose", "specialty", "main", "reserve"},
			says:    []string{"抽取用途须为 dispute", "请选择专业", "主选人数须为整数", "备选专家人数须为 0 至 15"},
			kept:    []string{`value="三"`, `value="99"`},
			unsaved: "SELECT COUNT(*) FROM expert_draws"},
		{name: "new project's looked-up fields", user: "caizheng", path: "/projects",
			form: url.Values{"code": {"LOOKUP-2026-001"}, "name": {"查无此单位的项目"}, "jurisdiction": {"不存在区"},
				"unit_org_id": {"999999"}, "dept_org_id": {fmt.Sprint(contractorID)}, "funding_source": {"general_budget"},
				"category": {"capital"}, "approved_estimate": {"1,000,000"}, "contractor_ids": {"999998", "999997"}},
			flagged: []string{"jurisdiction", "unit_org_id", "dept_org_id", "contractor_ids"},
			says:    []string{"区划不存在", "建设单位不存在或不在您的管辖范围内", "主管部门不存在", "施工单位不存在: 999998、999997"},
			kept:    []string{`value="LOOKUP-2026-001"`, `value="查无此单位的项目"`, `value="1,000,000"`},
			unsaved: "SELECT COUNT(*) FROM projects WHERE code = 'LOOKUP-2026-001'"},
		{name: "urge message", user: "pingshen", path: fmt.Sprintf("/reviews/%d/nudge", runningID),
			form:    url.Values{"message": {long}},
			flagged: []string{"message"},
			says:    []string{"催办说明不能超过 500 字"},
			kept:    []string{`value="` + long + `"`},
			unsaved: fmt.Sprintf("SELECT COUNT(*) FROM audit_events WHERE action = 'nudge' AND review_id = %d", runningID)},
		{name: "void reason on the 文号 search", user: "pingshen", path: fmt.Sprintf("/papers/%d/void", paperID),
			form:    url.Values{"reason": {long}, "back": {"/papers"}},
			flagged: []string{"reason"},
			says:    []string{"作废原因不超过 500 字", "文号查询"},
			kept:    []string{`value="` + long + `"`},
			unsaved: fmt.Sprintf("SELECT COUNT(*) FROM papers WHERE id = %d AND voided_at IS NOT NULL", paperID)},
		{name: "void reason on the documents page", user: "pingshen", path: fmt.Sprintf("/papers/%d/void", paperID),
			form:    url.Values{"reason": {" "}, "back": {"/reviews/1/documents"}},
			flagged: []string{"reason"},
			says:    []string{"请填写作废原因", "评审资料"},
			unsaved: fmt.Sprintf("SELECT COUNT(*) FROM papers WHERE id = %d AND voided_at IS NOT NULL", paperID)},
		{name: "security role", user: "anquan", path: fmt.Sprintf("/security/users/%d/role", userID),
			form:    url.Values{"role": {"emperor"}},
			flagged: []string{"role"},
			says:    []string{"请选择角色", "账户与授权"},
			unsaved: "SELECT COUNT(*) FROM users WHERE username = 'pingshen' AND role <> 'review_center'"},
		{name: "new user", user: "admin", path: "/admin/users",
			form:    url.Values{"username": {"X!"}, "display_name": {""}, "password": {"short"}, "role": {""}, "jurisdiction_id": {""}},
			flagged: []string{"username", "display_name", "password", "role", "jurisdiction_id"},
			kept:    []string{`value="X!"`}},
		{name: "sign-in", user: "", path: "/login",
			form:    url.Values{"username": {""}, "password": {""}},
			flagged: []string{"username", "password"},
			says:    []string{"请输入用户名", "请输入密码"}},
	}
	// A colleague to name as a stand-in, so that pingshen's form shows.
	var orgID, jurisdictionID int64
	if err := e.s.DB.QueryRowContext(t.Context(), "SELECT COALESCE(org_id, 0), jurisdiction_id FROM users WHERE username = 'pingshen'").
		Scan(&orgID, &jurisdictionID); err != nil {
		t.Fatal(err)
	}
	colleague := url.Values{"username": {"pingshen2"}, "display_name": {"评审中心同事"}, "password": {"Colleague#2026x"},
		"role": {"review_center"}, "jurisdiction_id": {fmt.Sprint(jurisdictionID)}}
	if orgID != 0 {
		colleague.Set("org_id", fmt.Sprint(orgID))
	}
	if resp, body := e.post(e.as("admin"), "/admin/users", colleague); resp.StatusCode != 303 {
		t.Fatalf("colleague: %d %.300s", resp.StatusCode, body)
	}
	sessions := map[string]pagesSession{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := sessions[tc.user]
			if !ok && tc.user != "" {
				s = e.as(tc.user)
				sessions[tc.user] = s
			}
			var status int
			var body []byte
			if tc.user == "" {
				status, body = e.postSignedOut(tc.path, tc.form)
			} else {
				r, b := e.post(s, tc.path, tc.form)
				status, body = r.StatusCode, b
			}
			checkRefusedForm(t, status, body, tc)
			if tc.unsaved != "" {
				var n int
				if err := e.s.DB.QueryRowContext(t.Context(), tc.unsaved).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Errorf("a refused form saved %d rows (%s)", n, tc.unsaved)
				}
			}
		})
	}

	t.Run("fee calculator", func(t *testing.T) {
		s := e.as("caizheng")
		resp, body := e.get(s, "/fees/calculator?kind=bridge&outcome=normal&submitted=一百万&audited=九十万&date=2026-02-30")
		checkRefusedForm(t, resp.StatusCode, body, formCase{
			flagged: []string{"kind", "submitted", "audited", "date"},
			says:    []string{"日期须为 YYYY-MM-DD"},
			kept:    []string{`value="一百万"`, `value="九十万"`, `value="2026-02-30"`},
		})
	})

	t.Run("import without a kind or a file", func(t *testing.T) {
		s := e.as("pingshen")
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("_csrf", s.csrf)
		_ = w.WriteField("kind", "spaceships")
		_ = w.WriteField("action", "check")
		_ = w.Close()
		req := httptest.NewRequest("POST", "/imports/upload", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.AddCookie(s.cookie)
		resp, body := e.send(req)
		checkRefusedForm(t, resp.StatusCode, body, formCase{flagged: []string{"kind", "file"},
			says: []string{"请选择导入的数据类型", "请选择要导入的 .xlsx 文件"}})
	})

	t.Run("document upload without a category or a file", func(t *testing.T) {
		s := e.as("jianshe")
		var id int64
		if err := e.s.DB.QueryRowContext(t.Context(), `SELECT r.id FROM reviews r JOIN users u ON u.org_id = r.unit_org_id
			WHERE u.username = 'jianshe' AND r.state = 'draft' ORDER BY r.id LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("_csrf", s.csrf)
		fw, _ := w.CreateFormFile("file", "")
		_, _ = fw.Write(nil)
		_ = w.Close()
		req := httptest.NewRequest("POST", fmt.Sprintf("/reviews/%d/upload", id), &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.AddCookie(s.cookie)
		resp, body := e.send(req)
		checkRefusedForm(t, resp.StatusCode, body, formCase{flagged: []string{"category", "file"},
			says: []string{"请先选择资料类别", "请选择要上传的文件"}})
	})
}

// postSignedOut posts a form before sign-in, with the sign-in page's
// pre-session token.
func (e *pagesEnv) postSignedOut(path string, form url.Values) (int, []byte) {
	e.t.Helper()
	resp, body := e.send(httptest.NewRequest("GET", "/login", nil))
	m := pagesCSRF.FindSubmatch(body)
	if m == nil {
		e.t.Fatal("login page without CSRF field")
	}
	form.Set("_csrf", string(m[1]))
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, body = e.send(req)
	return resp.StatusCode, body
}

func checkRefusedForm(t *testing.T, status int, body []byte, tc formCase) {
	t.Helper()
	if status != 422 {
		t.Fatalf("status %d, want 422: %.400s", status, body)
	}
	flagged := flaggedFields(body)
	for _, f := range tc.flagged {
		if !flagged[f] {
			t.Errorf("field %s is not flagged (flagged: %v)", f, flagged)
		}
	}
	for _, msg := range tc.says {
		if !bytes.Contains(body, []byte(msg)) {
			t.Errorf("the page does not say %q", msg)
		}
	}
	for _, v := range tc.kept {
		if !bytes.Contains(body, []byte(v)) {
			t.Errorf("the page does not keep %s", v)
		}
	}
}

// TestAPIRefusalListsEveryField: a 422 of the JSON API names its first
// refused field (field) and lists every refused one (fields), for a
// service's own checks and for a transition's parameters.
func TestAPIRefusalListsEveryField(t *testing.T) {
	e := newE2E(t)
	status, b := e.call("POST", "/api/v1/projects", e.token("jianshe"), map[string]any{"code": "", "name": "",
		"funding_source": "lottery", "category": "castle", "approved_estimate": "abc"})
	var out struct {
		Error, Field string
		Fields       map[string]string
	}
	if err := json.Unmarshal(b, &out); err != nil || status != 422 {
		t.Fatalf("project: %d %s", status, b)
	}
	for _, f := range []string{"code", "name", "funding_source", "category", "approved_estimate"} {
		if out.Fields[f] == "" {
			t.Errorf("fields lacks %s: %s", f, b)
		}
	}
	if out.Field != "code" || out.Error != out.Fields["code"] {
		t.Errorf("field %q error %q, want the first refused field and its message", out.Field, out.Error)
	}

	id := e.toInReview("LH-2026-002")
	status, b = e.call("POST", "/api/v1/reviews/"+id+"/transitions", e.token("pingshen"),
		map[string]any{"trigger": "suspend", "expected_workdays": "几天"})
	out.Fields = nil
	if err := json.Unmarshal(b, &out); err != nil || status != 422 {
		t.Fatalf("suspend: %d %s", status, b)
	}
	if out.Fields["reason"] == "" || out.Fields["expected_workdays"] == "" {
		t.Fatalf("suspend refusal lists %v, want reason and expected_workdays", out.Fields)
	}

	// The review page's action form shows both next to their fields.
	cookie, token := pageSession(t, e, "pingshen")
	req := httptest.NewRequest("POST", "/reviews/"+id+"/transitions", strings.NewReader(url.Values{"_csrf": {token},
		"trigger": {"suspend"}, "expected_workdays": {"几天"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	status, page := e.do(req)
	if status != 422 || !bytes.Contains(page, []byte(`data-testid="err-reason"`)) ||
		!bytes.Contains(page, []byte(`data-testid="err-expected_workdays"`)) || !bytes.Contains(page, []byte(`value="几天"`)) {
		t.Fatalf("suspend form: %d, want both fields flagged and the value kept", status)
	}
}
