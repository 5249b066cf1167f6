package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

// foundationApp is the web app over a fresh database with the demo city.
func foundationApp(t *testing.T) (*web.App, *store.Store) {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	objects := testenv.Objects(t)
	app, err := web.New(web.Deps{
		Log:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth: auth.NewService(s, time.Now),
		Checks: []web.Check{
			{Name: "database", Fn: func(ctx context.Context) error { return s.DB.PingContext(ctx) }},
			{Name: "object_storage", Fn: objects.Ping},
		}, Services: web.FillServices(s, nil, web.Services{})})
	if err != nil {
		t.Fatal(err)
	}
	return app, s
}

func do(t *testing.T, app *web.App, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, b := sendTo(t, app, req)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// login signs in through the form and returns the session cookie.
func login(t *testing.T, app *web.App, username, password string) (*http.Cookie, int) {
	t.Helper()
	resp, body := do(t, app, httptest.NewRequest("GET", "/login", nil))
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("login page has no CSRF field: %s", body)
	}
	var pre *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_csrf" {
			pre = c
		}
	}
	form := url.Values{"username": {username}, "password": {password}, "_csrf": {m[1]}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(pre)
	resp, _ = do(t, app, req)
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_session" && c.Value != "" {
			return c, resp.StatusCode
		}
	}
	return nil, resp.StatusCode
}

func TestEveryDemoLoginReachesItsHomePage(t *testing.T) {
	app, _ := foundationApp(t)
	for _, u := range []string{"admin", "caizheng", "pingshen", "jianshe", "shigong", "zhuanjia", "zhuguan", "zhongjie1", "zhongjie5"} {
		t.Run(u, func(t *testing.T) {
			c, status := login(t, app, u, "Demo@2026")
			if c == nil || status != http.StatusSeeOther {
				t.Fatalf("login status %d", status)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(c)
			resp, body := do(t, app, req)
			if resp.StatusCode != 200 || !strings.Contains(body, "我的工作台") || !strings.Contains(body, "待办") {
				t.Fatalf("home: %d %s", resp.StatusCode, body)
			}
		})
	}
}

func TestLoginRefusals(t *testing.T) {
	app, _ := foundationApp(t)
	t.Run("wrong password says nothing about which part", func(t *testing.T) {
		c, status := login(t, app, "jianshe", "not-the-password")
		if c != nil || status != 401 {
			t.Fatalf("status %d cookie %v", status, c)
		}
	})
	t.Run("form without csrf token", func(t *testing.T) {
		form := url.Values{"username": {"jianshe"}, "password": {"Demo@2026"}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ := do(t, app, req)
		if resp.StatusCode != 403 {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("anonymous home goes to login", func(t *testing.T) {
		resp, _ := do(t, app, httptest.NewRequest("GET", "/", nil))
		if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("logout needs the csrf token", func(t *testing.T) {
		c, _ := login(t, app, "jianshe", "Demo@2026")
		req := httptest.NewRequest("POST", "/logout", nil)
		req.AddCookie(c)
		resp, _ := do(t, app, req)
		if resp.StatusCode != 403 {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	})
}

func apiToken(t *testing.T, app *web.App, username string) string {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`{"username":"`+username+`","password":"Demo@2026"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, body := do(t, app, req)
	if resp.StatusCode != 201 {
		t.Fatalf("token for %s: %d %s", username, resp.StatusCode, body)
	}
	m := regexp.MustCompile(`"token":"([0-9a-f]+)"`).FindStringSubmatch(body)
	return m[1]
}

func TestAPIAuthentication(t *testing.T) {
	app, _ := foundationApp(t)
	post := func(body string) (*http.Response, string) {
		req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "")
		return do(t, app, req)
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"malformed json", `{"username":`, 400, "bad_request"},
		{"wrong password", `{"username":"jianshe","password":"x"}`, 401, "bad_credentials"},
		{"unknown user", `{"username":"ghost","password":"Demo@2026"}`, 401, "bad_credentials"},
		{"good", `{"username":"jianshe","password":"Demo@2026"}`, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(tt.body)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.code) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}
	t.Run("repeated failures are throttled", func(t *testing.T) {
		for i := 0; i < auth.MaxUserFailures; i++ {
			post(`{"username":"caizheng","password":"wrong"}`)
		}
		resp, body := post(`{"username":"caizheng","password":"Demo@2026"}`)
		if resp.StatusCode != 429 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("no token", func(t *testing.T) {
		resp, body := do(t, app, httptest.NewRequest("GET", "/api/v1/me", nil))
		if resp.StatusCode != 401 || !strings.Contains(body, "unauthenticated") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer 0000")
		resp, _ := do(t, app, req)
		if resp.StatusCode != 401 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
	t.Run("token works", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+apiToken(t, app, "pingshen"))
		resp, body := do(t, app, req)
		if resp.StatusCode != 200 || !strings.Contains(body, `"role":"review_center"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

func TestProbes(t *testing.T) {
	app, _ := foundationApp(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/static/app.css"} {
		resp, body := do(t, app, httptest.NewRequest("GET", p, nil))
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	resp, body := do(t, app, httptest.NewRequest("GET", "/readyz", nil))
	if !strings.Contains(body, `"database":"ok"`) || !strings.Contains(body, `"object_storage":"ok"`) {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
}
