package web_test

import (
	"context"
	"encoding/json"
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
	resp, _ = e.get(s, "/reviews")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/password" {
		t.Fatalf("before the change: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
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
