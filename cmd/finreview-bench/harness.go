package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/docs"
)

// harness owns the bench database, bucket and server processes.
type harness struct {
	root    string
	bin     string
	dsn     string
	db      *sql.DB
	objects *docs.ObjectStore
	servers []*server
	client  *http.Client
	// extra is added to the environment of its servers and commands (the
	// cluster's harness names its own S3 endpoint).
	extra []string
}

type server struct {
	cmd  *exec.Cmd
	base string
	log  *os.File
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newHarness(ctx context.Context) (*harness, error) {
	return newHarnessOn(ctx, env("FINREVIEW_BENCH_DSN", "root@tcp(127.0.0.1:3306)/?parseTime=true&loc=Asia%2FShanghai"),
		env("FINREVIEW_S3_ENDPOINT", "127.0.0.1:9000"))
}

// newHarnessOn sets up the bench database on the server of dsn and the
// bench bucket on the object store at endpoint.
func newHarnessOn(ctx context.Context, dsn, endpoint string) (*harness, error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	h := &harness{root: root, bin: filepath.Join(root, "bin", "finreview"), client: newClient(),
		extra: []string{"FINREVIEW_S3_ENDPOINT=" + endpoint}}
	if _, err := os.Stat(h.bin); err != nil {
		return nil, fmt.Errorf("%s missing: run make build", h.bin)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	// FINREVIEW_BENCH_DB lets two runs on one MariaDB keep apart.
	// FINREVIEW_BENCH_KEEP_DB=1 keeps what an earlier run left in it (the
	// province's data is only completed), for profiling one step again
	// without writing 100,000 reviews first; the figures of record come
	// from a fresh database.
	benchDB := env("FINREVIEW_BENCH_DB", "finreview_bench")
	if os.Getenv("FINREVIEW_BENCH_KEEP_DB") == "" {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+benchDB); err != nil {
			return nil, fmt.Errorf("drop bench database (is MariaDB up? make services): %w", err)
		}
	}
	admin.Close()
	cfg.DBName = benchDB
	// The same driver settings as the server's pool.
	cfg.InterpolateParams = true
	h.dsn = cfg.FormatDSN()
	if err := h.cli(ctx, "migrate"); err != nil {
		return nil, err
	}
	if err := h.cli(ctx, "seed-demo"); err != nil {
		return nil, err
	}
	if h.db, err = sql.Open("mysql", h.dsn); err != nil {
		return nil, err
	}
	h.db.SetMaxOpenConns(64)
	h.db.SetMaxIdleConns(64)
	h.objects, err = docs.NewObjectStore(ctx, docs.ObjectStoreOptions{Endpoint: endpoint,
		AccessKey: "minioadmin", SecretKey: "minioadmin", Bucket: "finreview-bench"})
	if err != nil {
		return nil, fmt.Errorf("minio (make services): %w", err)
	}
	return h, nil
}

// ids runs a query of one id column and returns the ids in its order.
func (h *harness) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := h.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// newClient keeps a connection per concurrent caller alive. The default
// transport keeps two idle connections per host, so 32 callers would open
// and close a TCP connection for nearly every request, and the load
// generator would measure connection set-up instead of the server.
func newClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Timeout: 10 * time.Minute, Transport: t}
}

func (h *harness) env(extra ...string) []string {
	e := append(os.Environ(), "FINREVIEW_DSN="+h.dsn, "FINREVIEW_S3_BUCKET=finreview-bench")
	e = append(e, h.extra...)
	return append(e, extra...)
}

func (h *harness) cli(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = h.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("finreview %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs one finreview serve instance and waits for /readyz.
func (h *harness) start(ctx context.Context, name string, extra ...string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "finreview-bench-"+name+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(h.bin, "serve")
	cmd.Env = h.env(append([]string{"FINREVIEW_ADDR=" + addr, "FINREVIEW_INSTANCE=bench-" + name}, extra...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, log: logf}
	h.servers = append(h.servers, s)
	for i := 0; i < 200; i++ {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				h.reportBufferPool(ctx, name)
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("server %s did not become ready; log: %s", name, logf.Name())
}

// reportBufferPool notes on stderr the database server's InnoDB buffer
// pool beside the bench database's size and its working set (the tables
// docs/deploy.md, "MariaDB's buffer pool", names: reviews, their events
// and deadlines, fees, projects, sessions, users). With a pool smaller
// than the working set the dashboard's and the bulletin's figures, which
// read them whole, come from disk, and the pages measure the disk. The
// bench leaves the server's settings as they are (the development server
// is shared); it only reports them.
func (h *harness) reportBufferPool(ctx context.Context, name string) {
	var pool, total, working, reviews int64
	err := h.db.QueryRowContext(ctx, `SELECT @@innodb_buffer_pool_size,
		  COALESCE(SUM(data_length + index_length), 0),
		  COALESCE(SUM(IF(table_name IN ('reviews', 'review_events', 'deadlines', 'fee_statements', 'projects',
		    'project_contractors', 'sessions', 'users'), data_length + index_length, 0)), 0),
		  COALESCE(SUM(IF(table_name = 'reviews', data_length + index_length, 0)), 0)
		FROM information_schema.TABLES WHERE table_schema = DATABASE()`).Scan(&pool, &total, &working, &reviews)
	if err != nil {
		fmt.Fprintf(os.Stderr, "   %s: buffer pool not read: %v\n", name, err)
		return
	}
	mib := func(n int64) string { return strconv.FormatInt(n>>20, 10) + " MiB" }
	note := "holds the working set"
	if pool < working {
		note = "smaller than the working set: the figures read from disk"
	}
	fmt.Fprintf(os.Stderr, "   %s: MariaDB innodb_buffer_pool_size %s, %s; bench database %s, working set %s (reviews %s)\n",
		name, mib(pool), note, mib(total), mib(working), mib(reviews))
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
		}
	}
	s.log.Close()
}

// peakRSSMiB reads the process's high-water resident set size.
func (s *server) peakRSSMiB() (float64, error) { return s.statusMiB("VmHWM") }

// rssMiB reads the process's current resident set size.
func (s *server) rssMiB() (float64, error) { return s.statusMiB("VmRSS") }

// statusMiB reads a size in kB from the process's /proc status, in MiB.
func (s *server) statusMiB(field string) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseFloat(f[0], 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no %s", field)
}

func (h *harness) close() {
	for _, s := range h.servers {
		s.stop()
	}
	if h.db != nil {
		h.db.Close()
	}
}

// token signs in through the API.
func (h *harness) token(s *server, username string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	status, err := h.call(s, "", "POST", "/api/v1/tokens", map[string]string{"username": username, "password": "Demo@2026"}, &out)
	if err != nil {
		return "", err
	}
	if status != 201 {
		return "", fmt.Errorf("token for %s: status %d", username, status)
	}
	return out.Token, nil
}

func (h *harness) call(s *server, tok, method, path string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %w: %s", path, err, b)
		}
	}
	if resp.StatusCode >= 400 && out != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, nil
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	idx := int(float64(len(sorted)-1) * p)
	return sorted[idx]
}
