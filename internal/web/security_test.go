package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"finreview/internal/auth"
)

// apiRule is the expected answer of one /api/v1 route. Every registered
// route must have one: a new route without an entry fails the matrix.
type apiRule struct {
	// public routes answer without a bearer token.
	public bool
	// rowScoped routes take a review or document id: the unit that owns
	// the row sees it (2xx), the other unit gets 404.
	rowScoped bool
	// body is sent with POST.
	body any
}

var apiMatrix = map[string]apiRule{
	"POST /api/v1/tokens":                                   {public: true, body: map[string]any{"username": "nobody", "password": "x"}},
	"GET /api/v1/me":                                        {},
	"GET /api/v1/audit/verify":                              {},
	"GET /api/v1/documents/:id":                             {rowScoped: true},
	"GET /api/v1/documents/:id/access":                      {},
	"GET /api/v1/documents/:id/content":                     {rowScoped: true},
	"GET /api/v1/documents/:id/versions":                    {rowScoped: true},
	"GET /api/v1/draws/:id<int>":                            {},
	"GET /api/v1/draws/:id<int>/verify":                     {},
	"GET /api/v1/experts":                                   {},
	"GET /api/v1/fee-schedules":                             {},
	"GET /api/v1/firms":                                     {},
	"GET /api/v1/firms/:id<int>":                            {},
	"GET /api/v1/openapi.json":                              {},
	"GET /api/v1/papers":                                    {},
	"GET /api/v1/projects":                                  {},
	"GET /api/v1/reviews":                                   {},
	"GET /api/v1/reviews/:id/documents":                     {rowScoped: true},
	"GET /api/v1/reviews/:id/papers":                        {rowScoped: true},
	"GET /api/v1/reviews/:id<int>":                          {rowScoped: true},
	"GET /api/v1/reviews/:id<int>/draws":                    {},
	"GET /api/v1/reviews/:id<int>/events":                   {rowScoped: true},
	"GET /api/v1/reviews/:id<int>/fee-statement":            {},
	"POST /api/v1/fee-schedules":                            {body: map[string]any{}},
	"POST /api/v1/fees/calculate":                           {body: map[string]any{}},
	"POST /api/v1/papers/:id/void":                          {body: map[string]any{}},
	"POST /api/v1/projects":                                 {body: map[string]any{}},
	"POST /api/v1/reviews":                                  {body: map[string]any{}},
	"POST /api/v1/reviews/:id/documents":                    {body: map[string]any{}},
	"POST /api/v1/reviews/:id<int>/draws":                   {body: map[string]any{}},
	"POST /api/v1/reviews/:id<int>/experts/:eid<int>/score": {body: map[string]any{}},
	"POST /api/v1/reviews/:id<int>/transitions":             {rowScoped: true, body: map[string]any{"trigger": "submit"}},
	"POST /api/v1/reviews/:id<int>/nudge":                   {body: map[string]any{}},
}

var paramRe = regexp.MustCompile(`:([a-z]+)(<int>)?`)

// fill replaces route parameters: :id by the review (or document) id.
func fill(path string, reviewID, docID int64) string {
	return paramRe.ReplaceAllStringFunc(path, func(m string) string {
		if strings.HasPrefix(path, "/api/v1/documents/") && strings.HasPrefix(m, ":id") {
			return strconv.FormatInt(docID, 10)
		}
		if strings.HasPrefix(m, ":id") {
			return strconv.FormatInt(reviewID, 10)
		}
		return "1"
	})
}

func routeKeys(e *e2e, prefix string, method string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range e.app.Fiber().GetRoutes(true) {
		k := r.Method + " " + r.Path
		if r.Method == method && strings.HasPrefix(r.Path, prefix) && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// docOf returns the first committed document of a review.
func (e *e2e) docOf(id string) int64 {
	e.t.Helper()
	var d int64
	if err := e.s.DB.QueryRow("SELECT id FROM documents WHERE review_id = ? AND status = 'committed' ORDER BY id LIMIT 1", id).Scan(&d); err != nil {
		e.t.Fatalf("document of review %s: %v", id, err)
	}
	return d
}

func TestAPIRoleRowMatrix(t *testing.T) {
	e := newE2E(t)
	id := e.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")
	rid, _ := strconv.ParseInt(id, 10, 64)
	doc := e.docOf(id)
	var keys []string
	for _, m := range []string{"GET", "POST"} {
		keys = append(keys, routeKeys(e, "/api/v1/", m)...)
	}
	for _, k := range keys {
		if _, ok := apiMatrix[k]; !ok {
			t.Errorf("route %s has no entry in apiMatrix; add its expected answers", k)
		}
	}
	roles := []string{"admin", "anquan", "shenji", "caizheng", "pingshen", "jianshe", "jianshe2", "shigong", "zhuguan", "zhuanjia", "zhongjie1"}
	for _, k := range keys {
		rule := apiMatrix[k]
		method, pattern, _ := strings.Cut(k, " ")
		path := fill(pattern, rid, doc)
		t.Run(k, func(t *testing.T) {
			status, b := e.call(method, path, "", rule.body)
			if rule.public {
				if status == 401 && k != "POST /api/v1/tokens" {
					t.Errorf("public route answered 401")
				}
			} else if status != 401 {
				t.Errorf("anonymous: %d %s, want 401", status, b)
			}
			status, _ = e.call(method, path, "not-a-token", rule.body)
			if !rule.public && status != 401 {
				t.Errorf("bad token: %d, want 401", status)
			}
			for _, role := range roles {
				status, b := e.call(method, path, e.token(role), rule.body)
				if status >= 500 || status < 200 {
					t.Errorf("%s: %d %s", role, status, b)
				}
				if !rule.rowScoped {
					continue
				}
				switch role {
				case "jianshe":
					if method == "GET" && (status < 200 || status > 299) {
						t.Errorf("owner unit: %d %s, want 2xx", status, b)
					}
				case "jianshe2":
					if status != 404 {
						t.Errorf("other unit: %d %s, want 404", status, b)
					}
				case "zhongjie1", "zhuanjia":
					if method == "GET" && status != 404 && status != 403 {
						t.Errorf("%s without a part in the review: %d %s, want 403/404", role, status, b)
					}
				}
			}
		})
	}
}

// pageSession signs in through the form and returns the session cookie and a CSRF token.
func pageSession(t *testing.T, e *e2e, user string) (*http.Cookie, string) {
	t.Helper()
	c, status := login(t, e.app, user, "Demo@2026")
	if c == nil {
		t.Fatalf("login %s: %d", user, status)
	}
	req := httptest.NewRequest("GET", "/notifications", nil)
	req.AddCookie(c)
	_, body := do(t, e.app, req)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token on /notifications")
	}
	return c, m[1]
}

func TestSessionFixation(t *testing.T) {
	e := newE2E(t)
	resp, body := do(t, e.app, httptest.NewRequest("GET", "/login", nil))
	m := csrfField.FindStringSubmatch(body)
	var pre *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_csrf" {
			pre = c
		}
	}
	if m == nil || pre == nil {
		t.Fatal("login page without pre-session token")
	}
	planted := &http.Cookie{Name: "finreview_session", Value: strings.Repeat("ab", 32)}
	form := url.Values{"username": {"jianshe"}, "password": {"Demo@2026"}, "_csrf": {m[1]}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(pre)
	req.AddCookie(planted)
	resp, _ = do(t, e.app, req)
	var got *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_session" && c.Value != "" {
			got = c
		}
	}
	if got == nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d, session cookie %v", resp.StatusCode, got)
	}
	if got.Value == planted.Value {
		t.Fatal("the cookie planted before login became the session")
	}
	if !got.HttpOnly {
		t.Error("session cookie is not HttpOnly")
	}
	req = httptest.NewRequest("GET", "/", nil)
	req.AddCookie(planted)
	if resp, _ := do(t, e.app, req); resp.StatusCode != 302 {
		t.Errorf("planted cookie reaches the home page: %d", resp.StatusCode)
	}
	t.Run("a second login issues a new session", func(t *testing.T) {
		first, _ := login(t, e.app, "jianshe", "Demo@2026")
		second, _ := login(t, e.app, "jianshe", "Demo@2026")
		if first == nil || second == nil || first.Value == second.Value {
			t.Fatalf("sessions %v %v", first, second)
		}
	})
}

func TestCSRFOnEveryPagePost(t *testing.T) {
	e := newE2E(t)
	id := e.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")
	rid, _ := strconv.ParseInt(id, 10, 64)
	admin, token := pageSession(t, e, "admin")
	keys := routeKeys(e, "/", "POST")
	n := 0
	for _, k := range keys {
		_, pattern, _ := strings.Cut(k, " ")
		// Browsers send Content-Security-Policy reports without a token;
		// a report changes nothing but a counter.
		if strings.HasPrefix(pattern, "/api/") || pattern == "/csp-report" {
			continue
		}
		n++
		path := fill(pattern, rid, rid)
		t.Run(k, func(t *testing.T) {
			for _, variant := range []struct {
				name  string
				form  url.Values
				query string
			}{
				{"no token", url.Values{"name": {"x"}}, ""},
				{"wrong token", url.Values{"_csrf": {strings.Repeat("0", len(token))}}, ""},
				{"token of another session in the query", url.Values{}, "?_csrf=deadbeef"},
				// A token in the address would stay in the history, the
				// logs and later Referer headers: never taken from there.
				{"the session's own token in the query", url.Values{}, "?_csrf=" + token},
			} {
				req := httptest.NewRequest("POST", path+variant.query, strings.NewReader(variant.form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(admin)
				resp, body := do(t, e.app, req)
				if resp.StatusCode != 403 {
					t.Errorf("%s: %d %.200s, want 403", variant.name, resp.StatusCode, body)
				}
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d page POST routes found", n)
	}
	t.Run("the right token passes the check", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/notifications/read", strings.NewReader(url.Values{"_csrf": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(admin)
		if resp, body := do(t, e.app, req); resp.StatusCode == 403 || resp.StatusCode >= 500 {
			t.Fatalf("%d %.200s", resp.StatusCode, body)
		}
	})
}

func TestTokenExpiryAndThrottling(t *testing.T) {
	e := newE2E(t)
	u, err := e.s.UserByUsername(context.Background(), "jianshe")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		expires time.Time
		want    int
	}{
		{"expired an hour ago", time.Now().Add(-time.Hour), 401},
		{"expired a second ago", time.Now().Add(-time.Second), 401},
		{"valid for an hour", time.Now().Add(time.Hour), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := fmt.Sprintf("expiry-%d", tc.expires.UnixNano())
			if _, err := e.s.DB.Exec("INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
				auth.HashToken(tok), u.ID, time.Now().Add(-2*time.Hour), tc.expires); err != nil {
				t.Fatal(err)
			}
			if status, b := e.call("GET", "/api/v1/me", tok, nil); status != tc.want {
				t.Fatalf("status %d %s, want %d", status, b, tc.want)
			}
		})
	}
	t.Run("repeated wrong passwords are throttled", func(t *testing.T) {
		var last int
		for i := range 30 {
			last, _ = e.call("POST", "/api/v1/tokens", "", map[string]any{"username": "jianshe2", "password": fmt.Sprintf("wrong-%d", i)})
			if last == 429 {
				break
			}
			if last != 401 {
				t.Fatalf("attempt %d: %d", i, last)
			}
		}
		if last != 429 {
			t.Fatalf("30 wrong passwords never throttled (last %d)", last)
		}
		if status, _ := e.call("POST", "/api/v1/tokens", "", map[string]any{"username": "jianshe2", "password": "Demo@2026"}); status != 429 {
			t.Errorf("right password while throttled: %d, want 429", status)
		}
	})
}

func TestOversizedAndMalformedRequests(t *testing.T) {
	e := newE2E(t)
	tok := e.token("jianshe")
	for _, tc := range []struct {
		name, method, path, ctype string
		body                      []byte
		want                      int
	}{
		{"truncated JSON", "POST", "/api/v1/reviews", "application/json", []byte(`{"project_id":`), 400},
		{"JSON array", "POST", "/api/v1/reviews", "application/json", []byte(`[1,2]`), 400},
		{"wrong content type", "POST", "/api/v1/reviews", "text/plain", []byte(`{}`), 0},
		{"non-numeric id", "GET", "/api/v1/reviews/abc", "", nil, 404},
		{"huge id", "GET", "/api/v1/reviews/99999999999999999999999", "", nil, 0},
		{"transition with invalid UTF-8 reason", "POST", "/api/v1/reviews/1/transitions", "application/json", []byte("{\"trigger\":\"return\",\"reason\":\"\xff\xfe\"}"), 0},
		{"multipart without boundary", "POST", "/api/v1/reviews/1/documents", "multipart/form-data", []byte("--x\r\n"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r *bytes.Reader
			if tc.body != nil {
				r = bytes.NewReader(tc.body)
			} else {
				r = bytes.NewReader(nil)
			}
			req := httptest.NewRequest(tc.method, tc.path, r)
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := e.app.Fiber().Test(req, -1)
			if err != nil {
				t.Fatalf("%s %s: %v", tc.method, tc.path, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			status := resp.StatusCode
			if status >= 500 || status < 400 {
				t.Fatalf("%d %.300s, want a 4xx", status, b)
			}
			if tc.want != 0 && status != tc.want {
				t.Fatalf("%d %.300s, want %d", status, b, tc.want)
			}
		})
	}
}

// TestOversizedBodyOverTheWire sends a 5 MB JSON body to a real listener:
// the server refuses it with 413 before reading it.
func TestOversizedBodyOverTheWire(t *testing.T) {
	e := newE2E(t)
	tok := e.token("jianshe")
	// The body is written alongside reading the answer: the server may
	// answer from Content-Length alone and close before it all arrives.
	conn := dial(t, serveOn(t, e.app))
	go func() {
		fmt.Fprintf(conn, "POST /api/v1/reviews HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", tok, 5<<20)
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for range 80 {
			if _, err := conn.Write(chunk); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 413 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d %.200s, want 413", resp.StatusCode, b)
	}
}

const hostile = `<script>alert("x")</script>'; DROP TABLE reviews; -- " OR 1=1 <img src=x onerror=alert(1)>`

func TestInjectionIsStoredLiterallyAndShownEscaped(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	status, v := e.as("jianshe", "POST", "/api/v1/projects", map[string]any{"code": "SEC-2026-001", "name": hostile,
		"funding_source": "general_budget", "category": "capital", "approved_estimate": "100000.00"})
	if status != 201 {
		t.Fatalf("create project: %d %v", status, v)
	}
	var name string
	if err := e.s.DB.QueryRow("SELECT name FROM projects WHERE code = 'SEC-2026-001'").Scan(&name); err != nil || name != hostile {
		t.Fatalf("stored name %q (%v), want the literal text", name, err)
	}
	pid := fmt.Sprint(v["id"])
	status, rv := e.as("jianshe", "POST", "/api/v1/reviews", map[string]any{"project_id": pid, "kind": "settlement", "submitted_amount": "1000.00"})
	if status != 201 {
		t.Fatalf("create review: %d %v", status, rv)
	}
	id := fmt.Sprint(rv["id"])
	e.upload("jianshe", id)
	e.fire("jianshe", id, "submit", nil)
	status, fv := e.as("caizheng", "POST", "/api/v1/reviews/"+id+"/transitions", map[string]any{"trigger": "initial_check_fail", "reason": hostile})
	if status != 200 {
		t.Fatalf("initial_check_fail with hostile reason: %d %v", status, fv)
	}
	var reason string
	if err := e.s.DB.QueryRow("SELECT reason FROM review_events WHERE review_id = ? AND trig = 'initial_check_fail'", id).Scan(&reason); err != nil || reason != hostile {
		t.Fatalf("stored reason %q (%v)", reason, err)
	}
	if _, err := e.s.DB.ExecContext(ctx, "UPDATE users SET display_name = ? WHERE username = 'jianshe'", `<script>alert("u")</script>`); err != nil {
		t.Fatal(err)
	}
	if n := e.count("SELECT COUNT(*) FROM reviews"); n == 0 {
		t.Fatal("reviews table is gone")
	}
	cookie, _ := pageSession(t, e, "jianshe")
	for _, path := range []string{"/", "/projects", "/reviews", "/reviews/" + id, "/projects/" + pid, "/notifications"} {
		t.Run(path, func(t *testing.T) {
			req := httptest.NewRequest("GET", path, nil)
			req.AddCookie(cookie)
			resp, body := do(t, e.app, req)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %.300s", resp.StatusCode, body)
			}
			for _, raw := range []string{`<script>alert(`, `<img src=x`} {
				if strings.Contains(body, raw) {
					t.Errorf("raw %q in the page", raw)
				}
			}
		})
	}
	req := httptest.NewRequest("GET", "/reviews/"+id, nil)
	req.AddCookie(cookie)
	if _, body := do(t, e.app, req); !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("review page does not show the escaped text")
	}
}

// count runs a COUNT query.
func (e *e2e) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.s.DB.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestUploadFileNameTricks(t *testing.T) {
	e := newE2E(t)
	id := e.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")
	for _, name := range []string{
		"../../etc/passwd.pdf",
		"..\\..\\windows\\system32\\evil.pdf",
		"report\x00.exe.pdf",
		strings.Repeat("长", 300) + ".pdf",
		"invoice\u202efdp.exe.pdf",
		"/absolute/path.pdf",
		"<script>alert(1)</script>.pdf",
	} {
		t.Run(fmt.Sprintf("%.30q", name), func(t *testing.T) {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			_ = w.WriteField("category", "submission")
			fw, _ := w.CreateFormFile("file", name)
			_, _ = fw.Write([]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"))
			_ = w.Close()
			req := httptest.NewRequest("POST", "/api/v1/reviews/"+id+"/documents", &buf)
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+e.token("jianshe"))
			status, b := e.do(req)
			if status >= 500 {
				t.Fatalf("upload: %d %s", status, b)
			}
			if status != 201 {
				return // refused outright is fine
			}
			var out map[string]any
			_ = json.Unmarshal(b, &out)
			var stored, key string
			if err := e.s.DB.QueryRow("SELECT name, object_key FROM documents WHERE id = ?", fmt.Sprint(out["id"])).Scan(&stored, &key); err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(stored, "/\\\x00\u202e\u202d\u2066\u2067\u2068") || strings.Contains(stored, "..") || !utf8.ValidString(stored) {
				t.Errorf("stored name %q is not clean", stored)
			}
			if len([]rune(stored)) > 255 || stored == "" {
				t.Errorf("stored name has %d characters", len([]rune(stored)))
			}
			for _, part := range []string{"passwd", "etc", "windows", "evil", "script", "长长", "fdp", "absolute"} {
				if strings.Contains(strings.ToLower(name), part) && strings.Contains(strings.ToLower(key), part) {
					t.Errorf("object key %q is derived from the file name", key)
				}
			}
		})
	}
}

func TestEveryDocumentReadIsLogged(t *testing.T) {
	e := newE2E(t)
	id := e.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")
	doc := e.docOf(id)
	cookie, _ := pageSession(t, e, "jianshe")
	for _, tc := range []struct {
		name string
		api  bool
		path string
	}{
		{"API content", true, fmt.Sprintf("/api/v1/documents/%d/content", doc)},
		{"page download", false, fmt.Sprintf("/documents/%d", doc)},
		{"API content again", true, fmt.Sprintf("/api/v1/documents/%d/content", doc)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			accessBefore := e.count("SELECT COUNT(*) FROM document_access WHERE document_id = ?", doc)
			auditBefore := e.count("SELECT COUNT(*) FROM audit_events WHERE object_type = 'document' AND object_id = ?", strconv.FormatInt(doc, 10))
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.api {
				req.Header.Set("Authorization", "Bearer "+e.token("jianshe"))
			} else {
				req.AddCookie(cookie)
			}
			status, b := e.do(req)
			if status != 200 {
				t.Fatalf("%d %.200s", status, b)
			}
			if !bytes.HasPrefix(b, []byte("%PDF")) {
				t.Fatalf("body is not the document: %.40q", b)
			}
			if n := e.count("SELECT COUNT(*) FROM document_access WHERE document_id = ?", doc); n != accessBefore+1 {
				t.Errorf("document_access rows %d → %d, want one more", accessBefore, n)
			}
			if n := e.count("SELECT COUNT(*) FROM audit_events WHERE object_type = 'document' AND object_id = ?", strconv.FormatInt(doc, 10)); n != auditBefore+1 {
				t.Errorf("audit events %d → %d, want one more", auditBefore, n)
			}
		})
	}
	t.Run("a refused read logs nothing", func(t *testing.T) {
		before := e.count("SELECT COUNT(*) FROM document_access WHERE document_id = ?", doc)
		status, _ := e.call("GET", fmt.Sprintf("/api/v1/documents/%d/content", doc), e.token("jianshe2"), nil)
		if status != 404 {
			t.Fatalf("other unit: %d, want 404", status)
		}
		if n := e.count("SELECT COUNT(*) FROM document_access WHERE document_id = ?", doc); n != before {
			t.Errorf("refused read logged: %d → %d", before, n)
		}
	})
}
