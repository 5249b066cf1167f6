package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var regexpTokenIDs = regexp.MustCompile(`/account/tokens/(\d+)/revoke`)

// TestForcedPasswordChange: a user the administrator creates must set a
// new password under the policy before any other page, and then sees
// their previous sign-in.
func TestForcedPasswordChange(t *testing.T) {
	e := newPagesEnv(t, false)
	ctx := context.Background()
	admin := e.as("admin")
	city, _ := e.s.JurisdictionByName(ctx, "市本级")
	resp, body := e.post(admin, "/admin/users", url.Values{"username": {"liuyang"}, "display_name": {"刘洋"},
		"password": {"Initial#2026"}, "role": {"expert"}, "jurisdiction_id": {itoa(city.ID)}})
	if resp.StatusCode != 303 {
		t.Fatalf("create: %d %.300s", resp.StatusCode, body)
	}
	s, ok := e.login("liuyang", "Initial#2026")
	if !ok {
		t.Fatal("new user cannot sign in")
	}
	resp, body = e.get(s, "/reviews")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/password" {
		t.Fatalf("before the change: status %d location %q %.500s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, body = e.get(s, "/account/password")
	if !strings.Contains(string(body), `data-testid="must-change"`) {
		t.Fatal("the password page does not say a change is required")
	}
	s.csrf = pagesCSRF.FindStringSubmatch(string(body))[1]
	for _, tt := range []struct{ name, pw, want string }{
		{"two classes", "initial2027x", "至少三类"},
		{"the same password", "Initial#2026", "不能与当前密码相同"},
		{"containing the user name", "Liuyang#2027", "不能包含用户名"},
	} {
		resp, body := e.post(s, "/account/password", url.Values{"current": {"Initial#2026"}, "password": {tt.pw}, "confirm": {tt.pw}})
		if resp.StatusCode != 422 || !strings.Contains(string(body), tt.want) {
			t.Fatalf("%s: status %d, body lacks %q", tt.name, resp.StatusCode, tt.want)
		}
	}
	resp, _ = e.post(s, "/account/password", url.Values{"current": {"Initial#2026"}, "password": {"Changed#2027"}, "confirm": {"Changed#2027"}})
	if resp.StatusCode != 303 {
		t.Fatalf("change: status %d", resp.StatusCode)
	}
	if resp, _ := e.get(s, "/reviews"); resp.StatusCode != 200 {
		t.Fatalf("after the change: status %d", resp.StatusCode)
	}
	again, ok := e.login("liuyang", "Changed#2027")
	if !ok {
		t.Fatal("the new password does not sign in")
	}
	_, body = e.get(again, "/")
	if !strings.Contains(string(body), "上次登录") {
		t.Fatal("the previous sign-in is not shown")
	}
}

// TestOwnTokensListedAndRevoked: a user sees their own API tokens and
// revokes one, which stops working at once; another user's token cannot
// be revoked.
func TestOwnTokensListedAndRevoked(t *testing.T) {
	e := newPagesEnv(t, false)
	token := func(user string) string {
		req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`{"username":"`+user+`","password":"Demo@2026"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, body := e.send(req)
		var out struct{ Token string }
		if resp.StatusCode != 201 || json.Unmarshal(body, &out) != nil {
			t.Fatalf("token: %d %s", resp.StatusCode, body)
		}
		return out.Token
	}
	me := func(tok string) int {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, _ := e.send(req)
		return resp.StatusCode
	}
	mine, theirs := token("pingshen"), token("caizheng")
	s := e.as("pingshen")
	_, body := e.get(s, "/account/tokens")
	ids := regexpTokenIDs.FindAllStringSubmatch(string(body), -1)
	if len(ids) != 1 {
		t.Fatalf("%d tokens listed, want 1", len(ids))
	}
	caizheng, _ := e.s.UserByUsername(context.Background(), "caizheng")
	others, err := e.s.APITokens(context.Background(), caizheng.ID, time.Now())
	if err != nil || len(others) != 1 {
		t.Fatalf("caizheng's tokens %v, %v", others, err)
	}
	if resp, _ := e.post(s, "/account/tokens/"+itoa(others[0].ID)+"/revoke", url.Values{}); resp.StatusCode != 404 {
		t.Fatalf("revoking another user's token: status %d, want 404", resp.StatusCode)
	}
	if resp, _ := e.post(s, "/account/tokens/"+ids[0][1]+"/revoke", url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("revoke: status %d", resp.StatusCode)
	}
	if st := me(mine); st != 401 {
		t.Fatalf("a revoked token answers %d", st)
	}
	if st := me(theirs); st != 200 {
		t.Fatalf("the other user's token answers %d", st)
	}
}

var regexpOneTime = regexp.MustCompile(`<code class="big">([^<]+)</code>`)

// TestSecurityAdminResetsToOneTimePassword: only the security
// administrator resets a password, to a one-time one shown once; the
// user must change it before any page or API call, the reset is audited
// without the password.
func TestSecurityAdminResetsToOneTimePassword(t *testing.T) {
	e := newPagesEnv(t, false)
	ctx := context.Background()
	target, err := e.s.UserByUsername(ctx, "pingshen")
	if err != nil {
		t.Fatal(err)
	}
	reset := "/security/users/" + itoa(target.ID) + "/reset-password"
	for _, who := range []string{"admin", "shenji", "pingshen"} {
		if resp, _ := e.post(e.as(who), reset, url.Values{}); resp.StatusCode != 403 {
			t.Fatalf("%s resets a password: status %d, want 403", who, resp.StatusCode)
		}
	}
	anquan := e.as("anquan")
	self, _ := e.s.UserByUsername(ctx, "anquan")
	if resp, _ := e.post(anquan, "/security/users/"+itoa(self.ID)+"/reset-password", url.Values{}); resp.StatusCode != 409 {
		t.Fatalf("resetting one's own password: status %d, want 409", resp.StatusCode)
	}
	if _, ok := e.login("pingshen", "Demo@2026"); !ok {
		t.Fatal("pingshen cannot sign in before the reset")
	}
	_, body := e.get(anquan, "/security/users")
	if !strings.Contains(string(body), `action="`+reset+`"`) {
		t.Fatal("the users page has no reset button")
	}
	resp, body := e.post(anquan, reset, url.Values{})
	m := regexpOneTime.FindStringSubmatch(string(body))
	if resp.StatusCode != 200 || m == nil || !strings.Contains(string(body), `data-testid="one-time-password"`) {
		t.Fatalf("reset: status %d, no one-time password shown: %.300s", resp.StatusCode, body)
	}
	pw := html.UnescapeString(m[1])
	if _, body := e.get(anquan, "/security/users"); strings.Contains(string(body), m[1]) {
		t.Fatal("the one-time password is shown again")
	}
	if _, ok := e.login("pingshen", "Demo@2026"); ok {
		t.Fatal("the old password still signs in")
	}
	s, ok := e.login("pingshen", pw)
	if !ok {
		t.Fatal("the one-time password does not sign in")
	}
	if resp, _ := e.get(s, "/reviews"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/password" {
		t.Fatalf("after the reset: status %d location %q, want the password page", resp.StatusCode, resp.Header.Get("Location"))
	}
	var detail, actor string
	if err := e.s.DB.QueryRow("SELECT detail, actor_name FROM audit_events WHERE action = 'password_reset' AND object_id = 'pingshen'").
		Scan(&detail, &actor); err != nil {
		t.Fatalf("the reset is not audited: %v", err)
	}
	if strings.Contains(detail, pw) || !strings.Contains(detail, `"must_change":true`) {
		t.Fatalf("audit detail %s", detail)
	}

	// The API refuses the same user until the password is changed.
	api := func(method, path, tok, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, b := e.send(req)
		return resp.StatusCode, string(b)
	}
	st, b := api("POST", "/api/v1/tokens", "", `{"username":"pingshen","password":"`+pw+`"}`)
	var out struct{ Token string }
	if st != 201 || json.Unmarshal([]byte(b), &out) != nil {
		t.Fatalf("token: %d %s", st, b)
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/reviews"} {
		st, b := api("GET", path, out.Token, "")
		if st != 403 || !strings.Contains(b, "password_change_required") || !strings.Contains(b, "须先修改密码") {
			t.Fatalf("GET %s before the change: %d %s, want 403 password_change_required", path, st, b)
		}
	}
	if st, b := api("PUT", "/api/v1/me/password", out.Token, `{"current":"`+pw+`","password":"short"}`); st != 422 || !strings.Contains(b, `"field":"password"`) {
		t.Fatalf("a weak new password: %d %s, want 422 naming password", st, b)
	}
	if st, b := api("PUT", "/api/v1/me/password", out.Token, `{"current":"wrong","password":"Changed#2027x"}`); st != 422 || !strings.Contains(b, `"field":"current"`) {
		t.Fatalf("a wrong current password: %d %s, want 422 naming current", st, b)
	}
	if st, b := api("PUT", "/api/v1/me/password", out.Token, `{"current":"`+pw+`","password":"Changed#2027x"}`); st != 204 {
		t.Fatalf("change: %d %s, want 204", st, b)
	}
	if st, b := api("GET", "/api/v1/me", out.Token, ""); st != 200 {
		t.Fatalf("GET /api/v1/me after the change: %d %s", st, b)
	}
}
