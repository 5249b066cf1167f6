package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
	"finreview/workflow"
)

// docEnv is the web app over a fresh database (demo city) and bucket, with
// the document service wired in.
type docEnv struct {
	t       *testing.T
	s       *store.Store
	objects *docs.ObjectStore
	svc     *docs.Service
	app     *web.App
	auth    *auth.Service
	demo    map[string]int64
}

func newDocEnv(t *testing.T, objects *docs.ObjectStore) *docEnv {
	t.Helper()
	s := testenv.DB(t)
	seeded := testenv.Demo(t, s)
	if objects == nil {
		objects = testenv.Objects(t)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := docs.NewService(s, objects, time.Now, log)
	as := auth.NewService(s, time.Now)
	app, err := web.New(web.Deps{Log: log, Auth: as, Services: web.FillServices(s, nil, web.Services{Docs: svc})})
	if err != nil {
		t.Fatal(err)
	}
	return &docEnv{t: t, s: s, objects: objects, svc: svc, app: app, auth: as, demo: seeded.Projects}
}

func (e *docEnv) user(name string) store.User {
	e.t.Helper()
	u, err := e.s.UserByUsername(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *docEnv) token(name string) string {
	e.t.Helper()
	tok, err := e.auth.NewToken(context.Background(), e.user(name).ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// review creates a review of a demo project in review, delegated to the firm of firmUser.
func (e *docEnv) review(code, firmUser string) int64 {
	e.t.Helper()
	ctx := context.Background()
	proj, err := e.s.Project(ctx, store.Scope{All: true}, e.demo[code])
	if err != nil {
		e.t.Fatal(err)
	}
	id, err := e.s.InsertReview(ctx, store.Review{ProjectID: proj.ID, Kind: "settlement", JurisdictionID: proj.JurisdictionID,
		UnitOrgID: proj.UnitOrgID, SubmittedAmount: decimal.RequireFromString("1980000.00")})
	if err != nil {
		e.t.Fatal(err)
	}
	if firmUser != "" {
		e.setFirm(id, e.user(firmUser).OrgID)
	}
	return id
}

func (e *docEnv) setFirm(id, firmID int64) {
	e.t.Helper()
	ctx := context.Background()
	r, err := e.s.Review(ctx, store.Scope{All: true}, id)
	if err != nil {
		e.t.Fatal(err)
	}
	ch := r.Change()
	ch.FirmID = firmID
	ch.State = workflow.InReview
	ch.DelegatedAt = sql.NullTime{Time: time.Now(), Valid: true}
	if firmID == 0 {
		ch.State = workflow.Accepted
	}
	if err := e.s.UpdateReview(ctx, id, r.Version, ch, time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *docEnv) do(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	return sendTo(e.t, e.app, req)
}

func (e *docEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.s.DB.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *docEnv) objectCount() int {
	e.t.Helper()
	n := 0
	for o := range e.objects.Client.ListObjects(context.Background(), e.objects.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			e.t.Fatal(o.Err)
		}
		n++
	}
	return n
}

// multipartBody is a form with the fields in order, then the file.
func multipartBody(fields [][2]string, filename string, content []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	if filename != "" {
		fw, _ := w.CreateFormFile("file", filename)
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	return &buf, w.FormDataContentType()
}

func (e *docEnv) apiUpload(user string, reviewID int64, category, filename string, content []byte) (int, map[string]any) {
	e.t.Helper()
	body, ct := multipartBody([][2]string{{"category", category}, {"signed_sealed", "true"}}, filename, content)
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/reviews/%d/documents", reviewID), body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+e.token(user))
	resp, b := e.do(req)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func (e *docEnv) apiGet(user, path string) (*http.Response, []byte) {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token(user))
	return e.do(req)
}

func pdfContent(s string) []byte {
	return []byte("%PDF-1.4\n% " + s + "\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

func TestDocumentsAPI(t *testing.T) {
	e := newDocEnv(t, nil)
	rid := e.review("LH-2026-004", "zhongjie1")
	report := pdfContent("结算审核报告 终稿")
	const name = "结算审核报告(终稿).pdf"

	status, up := e.apiUpload("zhongjie1", rid, docs.FinalReport, name, report)
	if status != 201 {
		t.Fatalf("upload: %d %v", status, up)
	}
	id, _ := up["id"].(string)
	sum := sha256.Sum256(report)

	t.Run("upload answers id as a string, sha256 and size", func(t *testing.T) {
		if id == "" || up["sha256"] != hex.EncodeToString(sum[:]) || up["size"] != float64(len(report)) {
			t.Fatalf("answer %v", up)
		}
	})
	t.Run("list", func(t *testing.T) {
		resp, b := e.apiGet("jianshe", fmt.Sprintf("/api/v1/reviews/%d/documents", rid))
		var out struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if out.Total != 1 || out.Items[0]["name"] != name || out.Items[0]["id"] != id {
			t.Fatalf("list %s", b)
		}
	})
	t.Run("download with a chinese file name", func(t *testing.T) {
		resp, b := e.apiGet("pingshen", "/api/v1/documents/"+id+"/content")
		if resp.StatusCode != 200 || !bytes.Equal(b, report) {
			t.Fatalf("%d, %d bytes", resp.StatusCode, len(b))
		}
		cd := resp.Header.Get("Content-Disposition")
		want := "filename*=UTF-8''" + strings.ReplaceAll(url.PathEscape(name), "(", "%28")
		want = strings.ReplaceAll(want, ")", "%29")
		if !strings.HasPrefix(cd, `attachment; filename="`) || !strings.Contains(cd, want) {
			t.Fatalf("Content-Disposition %q; want it to contain %q", cd, want)
		}
		if strings.ContainsFunc(cd, func(r rune) bool { return r > 0x7f }) {
			t.Fatalf("header is not ASCII: %q", cd)
		}
		if n := e.count("SELECT COUNT(*) FROM document_access WHERE document_id = ? AND user_id = ? AND action = 'download'",
			id, e.user("pingshen").ID); n != 1 {
			t.Fatalf("access rows = %d", n)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_events WHERE action = 'document_download' AND object_id = ?", id); n != 1 {
			t.Fatalf("audit rows = %d", n)
		}
	})
	t.Run("second version", func(t *testing.T) {
		status, v2 := e.apiUpload("zhongjie1", rid, docs.FinalReport, name, pdfContent("第二版"))
		if status != 201 {
			t.Fatalf("%d %v", status, v2)
		}
		resp, b := e.apiGet("zhongjie1", "/api/v1/documents/"+id+"/versions")
		var out struct {
			Items []map[string]any `json:"items"`
		}
		_ = json.Unmarshal(b, &out)
		if resp.StatusCode != 200 || len(out.Items) != 2 || out.Items[0]["version"] != float64(2) || out.Items[0]["id"] != v2["id"] {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("a file is named as what it is", func(t *testing.T) {
		status, up := e.apiUpload("jianshe", rid, docs.Submission, "发票.exe", pdfContent("发票"))
		if status != 201 {
			t.Fatalf("%d %v", status, up)
		}
		resp, _ := e.apiGet("pingshen", "/api/v1/documents/"+up["id"].(string)+"/content")
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != 200 || !strings.Contains(cd, url.PathEscape("发票.exe.pdf")) {
			t.Fatalf("a PDF uploaded as 发票.exe downloads as %q (status %d); want 发票.exe.pdf", cd, resp.StatusCode)
		}
	})

	e.svc.SetLimit(docs.Survey, 2048)
	before := e.count("SELECT COUNT(*) FROM documents")
	objects := e.objectCount()
	cases := []struct {
		name     string
		user     string
		category string
		file     string
		content  []byte
		status   int
		code     string
		field    string
	}{
		{"an executable is refused", "jianshe", docs.Submission, "setup.exe", append([]byte("MZ\x90\x00"), make([]byte, 1000)...), 415, "unsupported_type", ""},
		{"oversize answers 413", "zhongjie1", docs.Survey, "现场.pdf", append(pdfContent("x"), bytes.Repeat([]byte("z"), 256<<10)...), 413, "too_large", ""},
		{"unknown category", "jianshe", "secret", "a.pdf", pdfContent("a"), 422, "", "category"},
		{"wrong role", "jianshe", docs.DraftReport, "a.pdf", pdfContent("a"), 403, "forbidden", ""},
		{"another firm", "zhongjie2", docs.Survey, "a.pdf", pdfContent("a"), 404, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := e.apiUpload(tc.user, rid, tc.category, tc.file, tc.content)
			if status != tc.status || (tc.code != "" && out["code"] != tc.code) || (tc.field != "" && out["field"] != tc.field) {
				t.Fatalf("%d %v; want %d %s%s", status, out, tc.status, tc.code, tc.field)
			}
			if msg, _ := out["error"].(string); msg == "" {
				t.Fatalf("no error message: %v", out)
			}
		})
	}
	t.Run("refusals leave nothing in mysql or minio", func(t *testing.T) {
		if n := e.count("SELECT COUNT(*) FROM documents"); n != before {
			t.Fatalf("rows %d, want %d", n, before)
		}
		if n := e.objectCount(); n != objects {
			t.Fatalf("objects %d, want %d", n, objects)
		}
	})
	t.Run("cancelled delegation loses access", func(t *testing.T) {
		e.setFirm(rid, 0)
		resp, _ := e.apiGet("zhongjie1", "/api/v1/documents/"+id+"/content")
		if resp.StatusCode != 404 {
			t.Fatalf("status %d, want 404", resp.StatusCode)
		}
	})
}

func TestDocumentsStorageDown(t *testing.T) {
	cl, err := minio.New("127.0.0.1:1", &minio.Options{Creds: credentials.NewStaticV4("minioadmin", "minioadmin", ""), MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	e := newDocEnv(t, &docs.ObjectStore{Client: cl, Bucket: "gone"})
	rid := e.review("LH-2026-005", "")
	status, out := e.apiUpload("jianshe", rid, docs.Submission, "送审资料.pdf", pdfContent("a"))
	if status != 503 || out["code"] != "storage_unavailable" || out["error"] != "文件存储服务暂不可用,请稍后重试" {
		t.Fatalf("%d %v", status, out)
	}
	if n := e.count("SELECT COUNT(*) FROM documents"); n != 0 {
		t.Fatalf("rows = %d", n)
	}
}

var docCSRF = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// pageLogin signs in through the form and returns the session cookie.
func (e *docEnv) pageLogin(username string) *http.Cookie {
	e.t.Helper()
	resp, body := e.do(httptest.NewRequest("GET", "/login", nil))
	m := docCSRF.FindSubmatch(body)
	if m == nil {
		e.t.Fatalf("no csrf on login page")
	}
	form := url.Values{"username": {username}, "password": {"Demo@2026"}, "_csrf": {string(m[1])}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, _ = e.do(req)
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_session" && c.Value != "" {
			return c
		}
	}
	e.t.Fatalf("login %s failed: %d", username, resp.StatusCode)
	return nil
}

func TestDocumentPages(t *testing.T) {
	e := newDocEnv(t, nil)
	rid := e.review("LH-2026-006", "zhongjie1")
	cookie := e.pageLogin("jianshe")
	get := func(path string) (*http.Response, []byte) {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(cookie)
		return e.do(req)
	}
	resp, page := get(fmt.Sprintf("/reviews/%d/documents", rid))
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("上传资料")) {
		t.Fatalf("documents page %d", resp.StatusCode)
	}
	m := docCSRF.FindSubmatch(page)
	if m == nil {
		t.Fatal("no csrf field")
	}
	action := regexp.MustCompile(`action="(/reviews/\d+/upload)"`).FindSubmatch(page)
	if action == nil {
		t.Fatal("no upload form, or its action carries a query")
	}

	t.Run("upload through the form streams and redirects", func(t *testing.T) {
		body, ct := multipartBody([][2]string{{"_csrf", string(m[1])}, {"category", docs.Submission}, {"signed_sealed", "true"}},
			"送审资料(盖章).pdf", pdfContent("表单上传"))
		req := httptest.NewRequest("POST", string(action[1]), body)
		req.Header.Set("Content-Type", ct)
		req.AddCookie(cookie)
		resp, b := e.do(req)
		if resp.StatusCode != 303 {
			t.Fatalf("upload %d %s", resp.StatusCode, b)
		}
		if n := e.count("SELECT COUNT(*) FROM documents WHERE review_id = ? AND status = 'committed' AND signed_sealed", rid); n != 1 {
			t.Fatalf("committed rows = %d", n)
		}
	})
	t.Run("upload without the token is refused", func(t *testing.T) {
		body, ct := multipartBody([][2]string{{"category", docs.Submission}}, "a.pdf", pdfContent("a"))
		req := httptest.NewRequest("POST", fmt.Sprintf("/reviews/%d/upload", rid), body)
		req.Header.Set("Content-Type", ct)
		req.AddCookie(cookie)
		if resp, _ := e.do(req); resp.StatusCode != 403 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("download page link", func(t *testing.T) {
		var id int64
		if err := e.s.DB.QueryRow("SELECT id FROM documents WHERE review_id = ?", rid).Scan(&id); err != nil {
			t.Fatal(err)
		}
		resp, b := get(fmt.Sprintf("/documents/%d", id))
		if resp.StatusCode != 200 || !bytes.Equal(b, pdfContent("表单上传")) ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
			t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
	})
	t.Run("paper print view is a standalone a4 page", func(t *testing.T) {
		resp, b := get(fmt.Sprintf("/reviews/%d/papers/conclusion", rid))
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte("size: A4")) || !bytes.Contains(b, []byte("样稿")) ||
			bytes.Contains(b, []byte(`class="sidenav`)) || !bytes.Contains(b, []byte("七、特别事项说明")) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("paper search", func(t *testing.T) {
		resp, b := get("/papers?q=" + url.QueryEscape("〔2026〕"))
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte("文号查询")) {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

// patternReader yields n bytes of a PDF-looking stream without holding them.
type patternReader struct {
	n, off int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	const head = "%PDF-1.7\n"
	if rem := p.n - p.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	for i := range b {
		pos := p.off + int64(i)
		if pos < int64(len(head)) {
			b[i] = head[pos]
		} else {
			b[i] = byte(pos*7 + pos>>9)
		}
	}
	p.off += int64(len(b))
	return len(b), nil
}

// TestUploadStreamsWithBoundedMemory sends 256 MiB through the real HTTP
// server and checks the Go heap never grows by 64 MiB: the body is read
// part by part and sent to MinIO in 16 MiB parts, never held whole.
func TestUploadStreamsWithBoundedMemory(t *testing.T) {
	e := newDocEnv(t, nil)
	rid := e.review("LH-2026-007", "")
	addr := serveOn(t, e.app)

	const size = 256 << 20
	var head bytes.Buffer
	w := multipart.NewWriter(&head)
	_ = w.WriteField("category", docs.Submission)
	if _, err := w.CreateFormFile("file", "送审资料全套.pdf"); err != nil {
		t.Fatal(err)
	}
	prefix := append([]byte(nil), head.Bytes()...)
	head.Reset()
	_ = w.Close()
	suffix := head.Bytes()
	hash := sha256.New()
	body := io.MultiReader(bytes.NewReader(prefix), io.TeeReader(&patternReader{n: size}, hash), bytes.NewReader(suffix))

	req, err := http.NewRequest("POST", fmt.Sprintf("http://%s/api/v1/reviews/%d/documents", addr, rid), body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(prefix) + size + len(suffix))
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.token("jianshe"))

	var resp *http.Response
	base, peak := heapDuring(func() { resp, err = (&http.Client{Timeout: 5 * time.Minute}).Do(req) })
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	t.Run("size and hash of the whole stream", func(t *testing.T) {
		if out["size"] != float64(size) || out["sha256"] != hex.EncodeToString(hash.Sum(nil)) {
			t.Fatalf("answer %v", out)
		}
	})
	t.Run("heap grew by less than 64 MiB", func(t *testing.T) {
		grew := int64(peak) - int64(base)
		t.Logf("heap in use: base %d MiB, peak %d MiB", base>>20, peak>>20)
		if grew >= 64<<20 {
			t.Fatalf("heap grew by %d MiB", grew>>20)
		}
	})
}

// heapDuring runs fn and reports the heap in use before it and at its
// peak while fn ran (sampled every 20 ms).
func heapDuring(fn func()) (base, peak uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var top atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > top.Load() {
					top.Store(m.HeapInuse)
				}
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return ms.HeapInuse, top.Load()
}

func TestContentDisposition(t *testing.T) {
	cases := []struct{ kind, name, want string }{
		{"attachment", "结算审核报告(终稿).pdf",
			`attachment; filename="______(__).pdf"; filename*=UTF-8''%E7%BB%93%E7%AE%97%E5%AE%A1%E6%A0%B8%E6%8A%A5%E5%91%8A%28%E7%BB%88%E7%A8%BF%29.pdf`},
		{"inline", `a"b;c.pdf`, `inline; filename="a_b_c.pdf"; filename*=UTF-8''a%22b%3Bc.pdf`},
		{"attachment", "照片.jpg", `attachment; filename="__.jpg"; filename*=UTF-8''%E7%85%A7%E7%89%87.jpg`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := web.ContentDisposition(tc.kind, tc.name); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
