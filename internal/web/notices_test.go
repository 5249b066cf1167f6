package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"finreview/internal/review/notice"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

// newNoticesEnv is the app with outside notices wired as serve wires them:
// SMS through gw when given, email off.
func newNoticesEnv(t *testing.T, gw string) (*pagesEnv, *notice.Dispatcher) {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	o := notice.Options{Store: s, Signature: "财政评审", Quiet: &notice.Quiet{}, MaxAttempts: 1}
	if gw != "" {
		o.SMS = notice.NewGateway(notice.GatewayOptions{URL: gw, Key: "k", Timeout: time.Second})
	}
	d := notice.NewDispatcher(o)
	return &pagesEnv{t: t, app: testApp(t, s, web.Services{Notices: notice.NewService(s, d, time.Now)}), s: s}, d
}

func TestPutMeValidatesContact(t *testing.T) {
	e, _ := newNoticesEnv(t, "")
	token := apiToken(t, e.app, "jianshe")
	put := func(body string) (int, map[string]string) {
		req := httptest.NewRequest("PUT", "/api/v1/me", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, b := e.send(req)
		var m map[string]string
		json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	tests := []struct {
		name, body, field string
	}{
		{"a landline", `{"phone":"010-12345678"}`, "phone"},
		{"twelve digits", `{"phone":"138001380001"}`, "phone"},
		{"not a mobile prefix", `{"phone":"12800138000"}`, "phone"},
		{"an email without domain", `{"email":"zhangsan"}`, "email"},
		{"an email with a name", `{"email":"张三 <z@example.cn>"}`, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, m := put(tt.body)
			if status != 422 || m["field"] != tt.field || m["code"] != "invalid" || m["error"] == "" {
				t.Fatalf("%s: %d %v, want 422 on %s", tt.body, status, m, tt.field)
			}
		})
	}
	status, m := put(`{"phone":"+86 138 0013 8000","email":"zhangsan@example.gov.cn"}`)
	if status != 200 || m["phone"] != "13800138000" || m["email"] != "zhangsan@example.gov.cn" {
		t.Fatalf("valid contact: %d %v", status, m)
	}
	status, m = put(`{"email":""}`)
	if status != 200 || m["phone"] != "13800138000" || m["email"] != "" {
		t.Fatalf("clearing the email only: %d %v", status, m)
	}
}

func TestProfilePage(t *testing.T) {
	e, _ := newNoticesEnv(t, "")
	s := e.as("jianshe")
	resp, body := e.get(s, "/profile")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "短信:<span class=\"tag grey\">未启用</span>") {
		t.Fatalf("profile: %d, the page does not say SMS is off", resp.StatusCode)
	}
	form := url.Values{"phone": {"1380013800"}, "email": {"zhangsan@example.gov.cn"}, "quiet_mode": {"default"}}
	resp, body = e.post(s, "/profile", form)
	if resp.StatusCode != 422 || !strings.Contains(string(body), "手机号码应为 11 位") {
		t.Fatalf("bad phone: %d", resp.StatusCode)
	}
	// Every refused field at once, each next to its field.
	form = url.Values{"phone": {"1380013800"}, "email": {"zhangsan"}, "quiet_mode": {"custom"}, "quiet": {"夜里"}}
	resp, body = e.post(s, "/profile", form)
	for _, msg := range []string{"手机号码应为 11 位", "电子邮箱格式不正确", "免打扰时段应为 HH:MM-HH:MM"} {
		if resp.StatusCode != 422 || !strings.Contains(string(body), msg) {
			t.Errorf("three bad fields: %d, the page does not say %q", resp.StatusCode, msg)
		}
	}
	form = url.Values{"phone": {"13800138000"}, "email": {"zhangsan@example.gov.cn"}, "quiet_mode": {"custom"}, "quiet": {"21:00-08:00"},
		"digest": {"on"}, "on:delegated/sms": {"on"}, "on:delegated/email": {"on"}}
	if resp, _ = e.post(s, "/profile", form); resp.StatusCode != 303 {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	var phone, quiet string
	var digest bool
	var off int
	e.s.DB.QueryRow("SELECT phone, sms_quiet, email_digest FROM users WHERE username = 'jianshe'").Scan(&phone, &quiet, &digest)
	e.s.DB.QueryRow("SELECT COUNT(*) FROM notice_optouts o JOIN users u ON u.id = o.user_id WHERE u.username = 'jianshe'").Scan(&off)
	if phone != "13800138000" || quiet != "21:00-08:00" || !digest || off != 2*len(notice.Kinds())-2 {
		t.Fatalf("stored phone %q quiet %q digest %v refused %d", phone, quiet, digest, off)
	}
}

// Only the system administrator sees, retries and drops dead letters.
func TestDeadLettersPage(t *testing.T) {
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no such template", 400) }))
	defer gw.Close()
	e, d := newNoticesEnv(t, gw.URL)
	if _, err := e.s.DB.Exec(`UPDATE users SET phone = '13800138000' WHERE username = 'jianshe'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.DB.Exec(`INSERT INTO notifications (user_id, kind, title, body, created_at)
		SELECT id, 'delegated', '测试:委托', '正文', NOW() FROM users WHERE username = 'jianshe'`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	var id string
	if err := e.s.DB.QueryRow("SELECT id FROM notice_deliveries WHERE state = 'dead'").Scan(&id); err != nil {
		t.Fatalf("no dead letter: %v", err)
	}
	for _, user := range []string{"pingshen", "jianshe", "caizheng"} {
		s := e.as(user)
		if resp, _ := e.get(s, "/admin/notices"); resp.StatusCode != 403 {
			t.Errorf("%s opened the dead letters: %d", user, resp.StatusCode)
		}
		if resp, _ := e.post(s, "/admin/notices/"+id+"/retry", url.Values{}); resp.StatusCode != 403 {
			t.Errorf("%s retried a dead letter: %d", user, resp.StatusCode)
		}
		if resp, _ := e.post(s, "/admin/notices/"+id+"/drop", url.Values{}); resp.StatusCode != 403 {
			t.Errorf("%s dropped a dead letter: %d", user, resp.StatusCode)
		}
	}
	admin := e.as("admin")
	resp, body := e.get(admin, "/admin/notices")
	page := string(body)
	if resp.StatusCode != 200 || !strings.Contains(page, "138****8000") || strings.Contains(page, "13800138000") ||
		!strings.Contains(page, "no such template") || !strings.Contains(page, "未配置,未启用") {
		t.Fatalf("admin page: %d; want the masked number, the error and the email channel off", resp.StatusCode)
	}
	if resp, _ = e.post(admin, "/admin/notices/"+id+"/retry", url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	var state string
	e.s.DB.QueryRow("SELECT state FROM notice_deliveries WHERE id = ?", id).Scan(&state)
	if state != "pending" {
		t.Fatalf("after retry: %s", state)
	}
	d.RunOnce(t.Context()) // refused again: dead
	if resp, _ = e.post(admin, "/admin/notices/"+id+"/drop", url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("drop: %d", resp.StatusCode)
	}
	e.s.DB.QueryRow("SELECT state FROM notice_deliveries WHERE id = ?", id).Scan(&state)
	if state != "dropped" {
		t.Fatalf("after drop: %s", state)
	}
	var audited int
	e.s.DB.QueryRow("SELECT COUNT(*) FROM audit_events WHERE action IN ('notice_retried', 'notice_dropped')").Scan(&audited)
	if audited != 2 {
		t.Errorf("%d audit events for retry and drop, want 2", audited)
	}
}
