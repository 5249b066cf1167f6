package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/demo"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

// serveOn runs app on a loopback listener for tests that need the wire.
func serveOn(t *testing.T, app *web.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Fiber().Listener(ln) }()
	t.Cleanup(func() { _ = app.Fiber().ShutdownWithTimeout(2 * time.Second) })
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	return conn
}

// sendChunked writes a chunked body of total bytes in 64 KiB chunks,
// stopping at the first write error (the server closed).
func sendChunked(conn net.Conn, total int) {
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for sent := 0; sent < total; sent += len(chunk) {
		if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
			return
		}
	}
	_, _ = io.WriteString(conn, "0\r\n\r\n")
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// Every body but an upload's is bounded to 4 MB on the bytes read, for
// every method and transfer encoding, before authentication: a chunked
// flood or an oversized PUT is refused with 413 and never held in memory.
func TestBodyLimitHoldsForEveryMethodAndEncoding(t *testing.T) {
	e := newE2E(t)
	tok := e.token("admin")
	addr := serveOn(t, e.app)
	for _, tc := range []struct {
		name, head string
		chunked    bool
		size       int
	}{
		{"anonymous chunked POST", "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", true, 64 << 20},
		{"signed-in chunked POST", "POST /api/v1/reviews HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", true, 64 << 20},
		{"chunked sign-in form", "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n", true, 64 << 20},
		{"anonymous chunked PUT", "PUT /api/v1/fee-schedules/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", true, 64 << 20},
		{"PUT with a large Content-Length", fmt.Sprintf("PUT /api/v1/fee-schedules/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 512<<20), false, 512 << 20},
		{"chunked GET", "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + "\r\nTransfer-Encoding: chunked\r\n\r\n", true, 64 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := heapInUse()
			conn := dial(t, addr)
			go func() {
				_, _ = io.WriteString(conn, tc.head)
				if tc.chunked {
					sendChunked(conn, tc.size)
					return
				}
				chunk := bytes.Repeat([]byte("a"), 64<<10)
				for sent := 0; sent < tc.size; sent += len(chunk) {
					if _, err := conn.Write(chunk); err != nil {
						return
					}
				}
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("read answer: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 413 || !strings.Contains(string(b), "请求内容过大") {
				t.Fatalf("status %d %.200s, want 413 with the message", resp.StatusCode, b)
			}
			if grown := int64(heapInUse()) - int64(before); grown > 16<<20 {
				t.Errorf("the heap grew by %d MiB for a refused body", grown>>20)
			}
		})
	}
	// A body under the limit still works, chunked or not.
	conn := dial(t, addr)
	body := `{"username":"admin","password":"` + demo.Password + `"}`
	fmt.Fprintf(conn, "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("a small chunked sign-in: %v %v, want 201", resp, err)
	}
}

// An anonymous upload is refused before its body is read, and the
// connection is closed: the unread body is never taken for a request.
func TestAnonymousUploadRefusedBeforeItsBody(t *testing.T) {
	e := newE2E(t)
	addr := serveOn(t, e.app)
	for _, tc := range []struct{ path, ctype string }{
		{"/api/v1/reviews/1/documents", "multipart/form-data; boundary=b"},
		{"/reviews/1/upload", "multipart/form-data; boundary=b"},
		{"/api/v1/reviews/1/documents", "application/x-www-form-urlencoded"},
		{"/reviews/1/upload", "application/x-www-form-urlencoded"},
	} {
		path := tc.path
		conn := dial(t, addr)
		// Headers and a first chunk only: a body that never ends.
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n--b\n\r\n", path, tc.ctype)
		start := time.Now()
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode == 413 || time.Since(start) > 3*time.Second {
			t.Fatalf("%s: %d after %v, want a refusal at once", path, resp.StatusCode, time.Since(start))
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		if n, err := br.Read(make([]byte, 1)); err == nil || n > 0 {
			t.Errorf("%s: the connection stays open after a refused upload (%d, %v)", path, n, err)
		}
	}
}

// Metric labels are route patterns and constant methods: requests of
// several methods on one keep-alive connection (fasthttp reuses its
// buffers) leave /metrics answering, and unknown paths make no series.
func TestMetricsSurviveReusedRequestBuffers(t *testing.T) {
	e := newE2E(t)
	addr := serveOn(t, e.app)
	conn := dial(t, addr)
	br := bufio.NewReader(conn)
	for _, m := range []string{"GET", "PUT", "GET", "POST", "DELETE", "PATCH", "PUT", "GET"} {
		for _, p := range []string{"/api/v1/me", "/no-such-page-" + m, "/api/v1/me"} {
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", m, p)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("%s %s: %v", m, p, err)
			}
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %.300s", resp.StatusCode, b)
	}
	if strings.Contains(string(b), "no-such-page") {
		t.Errorf("an unknown path became a metric label")
	}
	if !strings.Contains(string(b), `route="/api/v1"`) && !strings.Contains(string(b), `route="/api/v1/me"`) {
		t.Errorf("no series of /api/v1/me:\n%.2000s", b)
	}
}

// Unknown routes answer 404, JSON under /api/v1, whatever the method and
// whether signed in or not; never 401 or a CSRF refusal.
func TestUnknownRoutesAnswer404(t *testing.T) {
	e := newE2E(t)
	tok := e.token("jianshe")
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		for _, p := range []string{"/api/v1/no-such-thing", "/api/v1/reviews/1/no-such-thing", "/no-such-page", "/reviews/1/no-such-page"} {
			for _, bearer := range []string{"", tok} {
				req := httptest.NewRequest(m, p, strings.NewReader("{}"))
				if bearer != "" {
					req.Header.Set("Authorization", "Bearer "+bearer)
				}
				status, b := e.do(req)
				if status != 404 {
					t.Errorf("%s %s (signed in %v): %d %.100s, want 404", m, p, bearer != "", status, b)
				}
				if strings.HasPrefix(p, "/api/") && !strings.HasPrefix(string(b), "{") {
					t.Errorf("%s %s: not JSON: %.100s", m, p, b)
				}
			}
		}
	}
}

// The flash box shows only what the server wrote for this session.
func TestFlashOnlyFromTheServer(t *testing.T) {
	e := newPagesEnv(t, false)
	s := e.as("pingshen")
	_, body := e.get(s, "/stand-ins?msg="+url.QueryEscape("您的账户已冻结,请致电 400-000-0000"))
	if strings.Contains(string(body), "400-000-0000") {
		t.Fatalf("a link's msg shows in the flash box")
	}
	_, body = e.get(s, "/stand-ins?msg=forged&msg_sig=00112233445566778899aabbccddeeff")
	if strings.Contains(string(body), "forged") {
		t.Fatalf("a forged signature shows in the flash box")
	}
	// A message the server wrote shows.
	other := e.as("caizheng")
	loc := signedFlashLocation(t, e, s)
	if _, body = e.get(s, loc); !strings.Contains(string(body), `class="flash"`) {
		t.Fatalf("the server's own message is not shown at %s", loc)
	}
	// Not in another session.
	if _, body = e.get(other, loc); strings.Contains(string(body), `class="flash"`) {
		t.Fatalf("another session's message is shown")
	}
}

// signedFlashLocation makes the server answer a form with a flash message
// and returns where it redirects.
func signedFlashLocation(t *testing.T, e *pagesEnv, s pagesSession) string {
	t.Helper()
	ctx := t.Context()
	me, err := e.s.UserByUsername(ctx, "pingshen")
	if err != nil {
		t.Fatal(err)
	}
	mate, err := e.s.InsertUser(ctx, store.User{Username: "pingshen3", DisplayName: "王代办", PasswordHash: "x", Role: me.Role,
		OrgID: me.OrgID, JurisdictionID: me.JurisdictionID, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	resp, _ := e.post(s, "/stand-ins", url.Values{"colleague_id": {itoa(mate)}, "starts_on": {day}, "ends_on": {day}, "reason": {"出差"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.Contains(loc, "msg_sig=") {
		t.Fatalf("add a stand-in: %d %q, want a redirect with a signed message", resp.StatusCode, loc)
	}
	return loc
}

// After sign-in only a path of this site is followed.
func TestLoginNextOnlyFollowsLocalPaths(t *testing.T) {
	app, _ := foundationApp(t)
	for next, want := range map[string]string{
		"/reviews?state=draft":   "/reviews?state=draft",
		"/reviews/1":             "/reviews/1",
		"//evil.example":         "/",
		"/\\evil.example":        "/",
		"\\\\evil.example":       "/",
		"/\t/evil.example":       "/",
		"/\n/evil.example":       "/",
		"/\r\n/evil.example":     "/",
		" /evil.example":         "/",
		"/ /evil.example":        "/",
		"/\\/evil.example":       "/",
		"/%2F/evil.example":      "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"evil.example":           "/",
		"/\x00/evil.example":     "/",
		"":                       "/",
		"/./\\evil.example":      "/",
		"/reviews\\..\\..\\evil": "/",
	} {
		resp, body := do(t, app, httptest.NewRequest("GET", "/login", nil))
		m := csrfField.FindStringSubmatch(body)
		var pre *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "finreview_csrf" {
				pre = c
			}
		}
		form := url.Values{"username": {"caizheng"}, "password": {demo.Password}, "_csrf": {m[1]}}
		req := httptest.NewRequest("POST", "/login?next="+url.QueryEscape(next), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(pre)
		resp, _ = do(t, app, req)
		if strings.ContainsRune(next, 0) {
			// A control character is refused with the request (input_check.go).
			if resp.StatusCode != 422 || resp.Header.Get("Location") != "" {
				t.Errorf("next %q: %d → %q, want 422", next, resp.StatusCode, resp.Header.Get("Location"))
			}
			continue
		}
		if resp.StatusCode != 303 || resp.Header.Get("Location") != want {
			t.Errorf("next %q: %d → %q, want %q", next, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}

// Every answer carries the security headers; confidential pages are never
// stored; the embedded assets may be cached.
func TestSecurityHeaders(t *testing.T) {
	e := newPagesEnv(t, false)
	s := e.as("pingshen")
	for _, p := range []string{"/", "/reviews", "/audit", "/no-such-page"} {
		resp, _ := e.get(s, p)
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: nosniff %q, referrer %q", p, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if !strings.Contains(h.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: Cache-Control %q, want no-store", p, h.Get("Cache-Control"))
		}
	}
	resp, _ := e.get(s, "/static/app.js")
	if resp.StatusCode != 200 || strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("/static/app.js: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

// Behind TLS the session cookie is Secure and HSTS is sent.
func TestSecureCookieBehindTLS(t *testing.T) {
	st := testenv.DB(t)
	testenv.Demo(t, st)
	app, err := web.New(web.Deps{Log: slog.New(slog.DiscardHandler), Auth: auth.NewService(st, time.Now), SecureCookies: true, Services: web.FillServices(st, nil, web.Services{})})
	if err != nil {
		t.Fatal(err)
	}
	cookie, status := login(t, app, "caizheng", demo.Password)
	if cookie == nil || status != 303 {
		t.Fatalf("sign-in: %d", status)
	}
	if !cookie.Secure || !cookie.HttpOnly {
		t.Errorf("session cookie Secure %v HttpOnly %v", cookie.Secure, cookie.HttpOnly)
	}
	resp, _ := do(t, app, httptest.NewRequest("GET", "/login", nil))
	if !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS behind TLS")
	}
}

// An upload whose body ends short of its Content-Length (the client cut
// the connection or half-closed it) is refused, never stored as whole.
func TestShortUploadIsRefused(t *testing.T) {
	e := newE2E(t)
	id := e.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")
	tok := e.token("jianshe")
	addr := serveOn(t, e.app)
	conn := dial(t, addr)
	pre := "--zz\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nsubmission\r\n" +
		"--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"short.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
	fmt.Fprintf(conn, "POST /api/v1/reviews/%s/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: %d\r\n\r\n%s",
		id, tok, 1<<20, pre)
	_, _ = conn.Write(bytes.Repeat([]byte("% padding\n"), 10000))
	_ = conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Fatalf("a short upload: %d %.200s, want a 4xx refusal", resp.StatusCode, b)
	}
	if n := e.count("SELECT COUNT(*) FROM documents WHERE name = 'short.pdf' AND status <> 'pending'"); n != 0 {
		t.Fatalf("%d document row(s) stored for a short upload", n)
	}
}

// A browser's Content-Security-Policy report is taken without a session
// or token and counted in /metrics.
func TestCSPReportsAreCounted(t *testing.T) {
	app, _ := foundationApp(t)
	req := httptest.NewRequest("POST", "/csp-report", strings.NewReader(`{"csp-report":{"violated-directive":"script-src-elem","blocked-uri":"inline","document-uri":"http://x/reviews"}}`))
	req.Header.Set("Content-Type", "application/csp-report")
	if resp, body := do(t, app, req); resp.StatusCode != 204 {
		t.Fatalf("report: %d %.200s", resp.StatusCode, body)
	}
	_, body := do(t, app, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(body, "finreview_csp_violations_total 1") {
		t.Fatalf("the report is not counted")
	}
}
