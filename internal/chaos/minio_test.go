package chaos

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"finreview/internal/docs"
	"finreview/internal/testenv"
)

// ownMinIO is a MinIO process of this test only (never the shared one),
// on a free loopback port with its own data directory.
type ownMinIO struct {
	t    *testing.T
	bin  string
	addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

func minioBinary(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(filepath.Dir(file), "..", "..", "bin", "minio")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("MinIO binary %s missing: %v; run `make services`", bin, err)
	}
	return bin
}

func (m *ownMinIO) start() {
	m.t.Helper()
	m.cmd = exec.Command(m.bin, "server", "--address", m.addr, "--console-address", freeAddr(m.t), "--quiet", m.dir)
	m.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+testenv.DefaultKey, "MINIO_ROOT_PASSWORD="+testenv.DefaultKey,
		"MINIO_BROWSER=off")
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	m.done = make(chan struct{})
	if err := m.cmd.Start(); err != nil {
		m.t.Fatalf("start MinIO: %v", err)
	}
	done := m.done
	go func() { _ = m.cmd.Wait(); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + m.addr + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.t.Fatalf("own MinIO not ready on %s", m.addr)
}

func (m *ownMinIO) stop() { killProcess(m.t, "own MinIO", m.cmd, m.done) }

// objectStoreOutage stops the object store under a running server: uploads
// and downloads are refused with 503 (never a 500, never a committed row
// without its object), readiness says so, and all works again once the
// store is back.
func objectStoreOutage(t *testing.T, bin string) {
	m := &ownMinIO{t: t, bin: minioBinary(t), addr: freeAddr(t), dir: t.TempDir()}
	m.start()
	t.Cleanup(m.stop)
	w := newWorld(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	objects, err := docs.NewObjectStore(ctx, docs.ObjectStoreOptions{Endpoint: m.addr, AccessKey: testenv.DefaultKey,
		SecretKey: testenv.DefaultKey, Bucket: "chaos-outage"})
	if err != nil {
		t.Fatalf("bucket on own MinIO: %v", err)
	}
	w.objects, w.endpoint = objects, m.addr
	sv := w.start("outage", "")
	c := newClient(t, func() string { return "http://" + sv.addr })
	ids := w.createReviews(c, projectCodes[:2])

	m.stop()
	committed := w.count("SELECT COUNT(*) FROM documents WHERE status = 'committed'")
	for i := range 3 {
		status, v, err := c.upload("jianshe", ids[i%2], "supplement", 64<<10)
		if err != nil || status != 503 {
			t.Errorf("upload with the store down: %d %v %v, want 503", status, v, err)
		}
	}
	if n := w.count("SELECT COUNT(*) FROM documents WHERE status = 'committed'"); n != committed {
		t.Errorf("committed documents went from %d to %d while the store was down", committed, n)
	}
	var docID string
	_ = w.s.DB.QueryRow("SELECT id FROM documents WHERE status = 'committed' ORDER BY id LIMIT 1").Scan(&docID)
	if status, v, err := c.call("GET", "/api/v1/documents/"+docID+"/content", "jianshe", nil); err != nil || status != 503 {
		t.Errorf("download with the store down: %d %v %v, want 503", status, v, err)
	}
	if status, v, _ := c.call("GET", "/readyz", "", nil); status != 503 || !strings.Contains(stringOf(v["raw"])+stringOf(v["object_storage"]), "不可用") {
		t.Errorf("readyz with the store down: %d %v", status, v)
	}

	m.start()
	var status int
	for range 20 {
		status, _, _ = c.upload("jianshe", ids[0], "supplement", 64<<10)
		if status == 201 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if status != 201 {
		t.Errorf("upload after the store came back: %d", status)
	}
	if status, _, _ := c.call("GET", "/readyz", "", nil); status != 200 {
		t.Errorf("readyz after the store came back: %d", status)
	}
	if sv.panics() {
		t.Errorf("server panicked:\n%s", sv.output())
	}
	sv.kill()
	w.checkInvariants()
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
