package chaos

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"finreview/internal/docs"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// buildServer compiles cmd/finreview into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "finreview")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "finreview/cmd/finreview")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/finreview: %v\n%s", err, out)
	}
	return bin
}

// freeAddr is a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// world is one test database and bucket, the servers run against them.
type world struct {
	t        *testing.T
	bin      string
	s        *store.Store
	objects  *docs.ObjectStore
	dsn      string
	endpoint string
	// auditKey is the anchor key file its servers share.
	auditKey string

	// dbDown is set while the database is down on purpose: a 503 is then
	// the answer expected of a transition, not a failure.
	dbDown atomic.Bool

	mu      sync.Mutex
	servers []*server
}

// serverErrors returns the error lines every server of the world logged,
// so a 5xx answer comes with its cause.
func (w *world) serverErrors() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, sv := range w.servers {
		sv.mu.Lock()
		for _, line := range strings.Split(sv.log.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				out = append(out, sv.name+": "+line)
			}
		}
		sv.mu.Unlock()
	}
	return strings.Join(out, "\n")
}

// newWorld is a fresh database on the shared test server and a fresh bucket.
func newWorld(t *testing.T, bin string) *world {
	t.Helper()
	s := testenv.DB(t)
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return worldOn(t, bin, s, testenv.DSN(t, name))
}

// worldOn makes a world of the migrated database dsn, which s is open on:
// it loads the demo city into it and creates a fresh bucket on the shared
// object store.
func worldOn(t *testing.T, bin string, s *store.Store, dsn string) *world {
	t.Helper()
	testenv.Demo(t, s)
	objects := testenv.Objects(t)
	s.SetAuditKey(testenv.AuditKey) // the key its servers anchor with
	return &world{t: t, bin: bin, s: s, objects: objects, dsn: dsn, auditKey: testenv.AuditKeyFile(t),
		endpoint: env("FINREVIEW_TEST_S3_ENDPOINT", testenv.DefaultEndpoint)}
}

// server is one running `finreview serve` process.
type server struct {
	t    *testing.T
	name string
	addr string
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
	mu   *sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// start runs a server on addr (a free one when empty) and waits until it is ready.
func (w *world) start(name, addr string, extra ...string) *server {
	w.t.Helper()
	if addr == "" {
		addr = freeAddr(w.t)
	}
	sv := &server{t: w.t, name: name, addr: addr, done: make(chan struct{}), log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	w.mu.Lock()
	w.servers = append(w.servers, sv)
	w.mu.Unlock()
	sv.cmd = exec.Command(w.bin, "serve")
	sv.cmd.Env = append(os.Environ(),
		"FINREVIEW_DSN="+w.dsn,
		"FINREVIEW_ADDR="+addr,
		"FINREVIEW_S3_ENDPOINT="+w.endpoint,
		"FINREVIEW_S3_ACCESS_KEY="+env("FINREVIEW_TEST_S3_ACCESS_KEY", testenv.DefaultKey),
		"FINREVIEW_S3_SECRET_KEY="+env("FINREVIEW_TEST_S3_SECRET_KEY", testenv.DefaultKey),
		"FINREVIEW_S3_BUCKET="+w.objects.Bucket,
		"FINREVIEW_AUDIT_KEY_FILE="+w.auditKey,
		"FINREVIEW_DEADLINE_INTERVAL=100ms",
		"FINREVIEW_INSTANCE="+name,
	)
	sv.cmd.Env = append(sv.cmd.Env, extra...)
	sv.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := lockedWriter{mu: sv.mu, b: sv.log}
	sv.cmd.Stdout, sv.cmd.Stderr = out, out
	if err := sv.cmd.Start(); err != nil {
		w.t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = sv.cmd.Wait(); close(sv.done) }()
	w.t.Cleanup(sv.kill)
	// A server given a certificate answers HTTPS only.
	probe, hc := "http://"+addr+"/healthz", http.DefaultClient
	for _, e := range extra {
		if strings.HasPrefix(e, "FINREVIEW_TLS_CERT_FILE=") {
			probe = "https://" + addr + "/healthz"
			hc = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-sv.done:
			w.t.Fatalf("%s exited during start:\n%s", name, sv.output())
		default:
		}
		resp, err := hc.Get(probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return sv
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.t.Fatalf("%s not ready on %s within 30s:\n%s", name, addr, sv.output())
	return nil
}

func (sv *server) output() string {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	s := sv.log.String()
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return s
}

// kill sends SIGKILL and waits for the process to be gone.
func (sv *server) kill() { killProcess(sv.t, sv.name, sv.cmd, sv.done) }

// killProcess sends SIGKILL to a process the test started, unless it has
// exited already (done is closed when its Wait returns), and waits for it.
func killProcess(t *testing.T, name string, cmd *exec.Cmd, done <-chan struct{}) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Kill()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s did not die after SIGKILL", name)
	}
}

// panics reports panics logged by the server.
func (sv *server) panics() bool {
	return strings.Contains(sv.output(), `"msg":"panic"`)
}

// client speaks the JSON API with bearer tokens kept per user; tokens live
// in the database, so they survive a restart.
type client struct {
	t      *testing.T
	http   *http.Client
	mu     sync.Mutex
	tokens map[string]string
	base   func() string
}

func newClient(t *testing.T, base func() string) *client {
	return &client{t: t, http: &http.Client{Timeout: 15 * time.Second}, tokens: map[string]string{}, base: base}
}

// call sends one request; err is a transport error (server down), never an HTTP status.
func (c *client) call(method, path, user string, body any) (int, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base()+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		tok, err := c.token(user)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return c.send(req)
}

func (c *client) send(req *http.Request) (int, map[string]any, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	if len(b) > 0 && b[0] == '{' {
		_ = json.Unmarshal(b, &out)
	}
	if out == nil {
		out = map[string]any{"raw": string(b)}
	}
	return resp.StatusCode, out, nil
}

func (c *client) token(user string) (string, error) {
	c.mu.Lock()
	tok, ok := c.tokens[user]
	c.mu.Unlock()
	if ok {
		return tok, nil
	}
	b, _ := json.Marshal(map[string]string{"username": user, "password": "Demo@2026"})
	resp, err := c.http.Post(c.base()+"/api/v1/tokens", "application/json", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if resp.StatusCode != 201 || json.NewDecoder(resp.Body).Decode(&out) != nil || out.Token == "" {
		return "", fmt.Errorf("token for %s: status %d", user, resp.StatusCode)
	}
	c.mu.Lock()
	c.tokens[user] = out.Token
	c.mu.Unlock()
	return out.Token, nil
}

// upload posts a document of size bytes as user.
func (c *client) upload(user string, reviewID int64, category string, size int) (int, map[string]any, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("category", category)
	_ = w.WriteField("signed_sealed", "true")
	fw, _ := w.CreateFormFile("file", category+".pdf")
	head := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	_, _ = fw.Write(head)
	pad := size - len(head) - 30
	if pad > 0 {
		_, _ = fw.Write(bytes.Repeat([]byte("% padding line of the chaos upl\n"), pad/32+1)[:pad])
	}
	_, _ = fw.Write([]byte("\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"))
	_ = w.Close()
	req, err := http.NewRequest("POST", c.base()+"/api/v1/reviews/"+strconv.FormatInt(reviewID, 10)+"/documents", &buf)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	tok, err := c.token(user)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return c.send(req)
}

// firmLogin is the login of the firm review id is delegated to ("" if none).
func (w *world) firmLogin(id int64) string {
	var firmID int64
	if err := w.s.DB.QueryRow("SELECT COALESCE(firm_id, 0) FROM reviews WHERE id = ?", id).Scan(&firmID); err != nil || firmID == 0 {
		return ""
	}
	us, err := w.s.UsersByRole(context.Background(), "intermediary", firmID)
	if err != nil || len(us) == 0 {
		return ""
	}
	return us[0].Username
}

// createReviews creates one draft settlement review per project code, each with a submission document.
func (w *world) createReviews(c *client, codes []string) []int64 {
	w.t.Helper()
	var ids []int64
	for _, code := range codes {
		p, err := w.s.ProjectByCode(context.Background(), code)
		if err != nil {
			w.t.Fatalf("project %s: %v", code, err)
		}
		status, v, err := c.call("POST", "/api/v1/reviews", "jianshe", map[string]any{"project_id": p.ID, "kind": "settlement", "submitted_amount": "1000000.00"})
		if err != nil || status != 201 {
			w.t.Fatalf("create review for %s: %d %v %v", code, status, v, err)
		}
		id, _ := strconv.ParseInt(fmt.Sprint(v["id"]), 10, 64)
		if status, v, err := c.upload("jianshe", id, "submission", 4096); err != nil || status != 201 {
			w.t.Fatalf("upload for %d: %d %v %v", id, status, v, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// next is the step that moves a review toward opinion_sent: who fires what.
func (w *world) next(id int64, state string) (user, trigger string, params map[string]any) {
	switch state {
	case "draft":
		return "jianshe", "submit", nil
	case "submitted":
		return "caizheng", "issue_notice", nil
	case "notified":
		return "pingshen", "accept", nil
	case "accepted":
		return "pingshen", "delegate", nil
	case "delegated":
		return w.firmLogin(id), "start", nil
	case "in_review":
		return w.firmLogin(id), "submit_draft", map[string]any{"audited_amount": "950000.00"}
	case "center_check":
		return "pingshen", "send_opinion", nil
	}
	return "", "", nil
}

// state reads a review's state from the database ("" when it cannot be
// read, as while the database is down).
func (w *world) state(id int64) string {
	var st string
	_ = w.s.DB.QueryRow("SELECT state FROM reviews WHERE id = ?", id).Scan(&st)
	return st
}

// drive moves review id one step over the API; it returns the HTTP status
// of the transition sent (0 when none was sent: the review is at target
// already, its state or its firm cannot be read, or on a transport error)
// and whether the review has reached target. While w.dbDown is set a 503
// is expected; any other 5xx fails the test with the servers' errors.
func (w *world) drive(c *client, id int64, target string) (int, bool) {
	st := w.state(id)
	if st == target {
		return 0, true
	}
	user, trig, params := w.next(id, st)
	if trig == "" || user == "" {
		return 0, false
	}
	body := map[string]any{"trigger": trig}
	for k, v := range params {
		body[k] = v
	}
	down := w.dbDown.Load()
	status, v, err := c.call("POST", "/api/v1/reviews/"+strconv.FormatInt(id, 10)+"/transitions", user, body)
	if err != nil {
		return 0, false
	}
	if status == 503 && (down || w.dbDown.Load()) {
		return status, false
	}
	if status >= 500 {
		w.t.Errorf("%s on review %d (%s): %d %v\nserver errors:\n%s", trig, id, st, status, v, w.serverErrors())
	}
	return status, w.state(id) == target
}
