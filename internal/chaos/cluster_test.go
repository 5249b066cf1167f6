//go:build cluster

package chaos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// The cluster failure runs need `make cluster` (deploy/cluster/up): the
// world's database goes through HAProxy (FINREVIEW_TEST_DSN on :3310),
// its bucket through the distributed MinIO (:9010), and the runs kill -9
// the cluster's own processes by their pid files under var/cluster.
// `make test-cluster-failures` runs them.

// clusterRoot is the checkout whose var/cluster the running cluster uses.
func clusterRoot(t *testing.T) string {
	if r := os.Getenv("FINREVIEW_ROOT"); r != "" {
		return r
	}
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// ledgerEntry is one acknowledged transition.
type ledgerEntry struct {
	review  int64
	trigger string
	from    string
}

// loadRun is the mixed load of a failure run: drivers that move reviews
// along (transitions, papers issued on the way, opinion deadlines fired
// by the servers) and upload documents, with a ledger of every write the
// servers acknowledged and every request that failed.
type loadRun struct {
	w   *world
	c   *client
	ids []int64

	mu       sync.Mutex
	ledger   []ledgerEntry
	uploads  []int64
	failures []string
	lastOK   time.Time
	okAfter  map[string]time.Time // first acknowledged transition after a mark
	marks    map[string]time.Time
	failedIn map[string][]string // failures after a mark, until its first success
	stop     atomic.Bool
}

func (l *loadRun) mark(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.marks[name] = time.Now()
}

func (l *loadRun) ack(e ledgerEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.ledger = append(l.ledger, e)
	l.lastOK = now
	for name, at := range l.marks {
		if _, ok := l.okAfter[name]; !ok && now.After(at) {
			l.okAfter[name] = now
		}
	}
}

func (l *loadRun) fail(what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures = append(l.failures, what)
	for name := range l.marks {
		if _, ok := l.okAfter[name]; !ok {
			l.failedIn[name] = append(l.failedIn[name], what)
		}
	}
}

// failover waits until a transition was acknowledged after mark name and
// returns how long after the mark that was.
func (l *loadRun) failover(t *testing.T, name string, within time.Duration) time.Duration {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		at, ok := l.okAfter[name]
		start := l.marks[name]
		l.mu.Unlock()
		if ok {
			return at.Sub(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%s: no transition acknowledged within %s", name, within)
	return within
}

// step sends the next transition of review id, and now and then an upload.
func (l *loadRun) step(id int64, n int) {
	w, c := l.w, l.c
	st := w.state(id)
	if st == "" || st == "opinion_sent" || st == "deemed_agreed" {
		return
	}
	user, trig, params := w.next(id, st)
	if trig == "" || user == "" {
		return
	}
	body := map[string]any{"trigger": trig}
	for k, v := range params {
		body[k] = v
	}
	status, v, err := c.call("POST", "/api/v1/reviews/"+strconv.FormatInt(id, 10)+"/transitions", user, body)
	switch {
	case err != nil:
		l.fail(fmt.Sprintf("%s %s review %d: %v", time.Now().Format("15:04:05.000"), trig, id, err))
	case status == 200 || status == 201:
		l.ack(ledgerEntry{review: id, trigger: trig, from: st})
	case status == 409:
		// Another driver moved it first: nothing was written.
	default:
		l.fail(fmt.Sprintf("%s %s review %d: %d %v", time.Now().Format("15:04:05.000"), trig, id, status, v["error"]))
	}
	if n%5 == 0 {
		status, v, err := c.upload("jianshe", id, "supplement", 64<<10)
		switch {
		case err != nil:
			l.fail(fmt.Sprintf("%s upload review %d: %v", time.Now().Format("15:04:05.000"), id, err))
		case status == 201:
			docID, _ := strconv.ParseInt(fmt.Sprint(v["id"]), 10, 64)
			l.mu.Lock()
			l.uploads = append(l.uploads, docID)
			l.mu.Unlock()
		default:
			l.fail(fmt.Sprintf("%s upload review %d: %d %v", time.Now().Format("15:04:05.000"), id, status, v["error"]))
		}
	}
}

// run drives the reviews until stopped; new reviews replace those done.
func (l *loadRun) run(ctx context.Context, drivers int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for g := range drivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for !l.stop.Load() && ctx.Err() == nil {
				l.mu.Lock()
				ids := append([]int64(nil), l.ids...)
				l.mu.Unlock()
				for i := g; i < len(ids); i += drivers {
					n++
					l.step(ids[i], n)
				}
				l.w.pushOpinionDeadlines()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	return &wg
}

// writerNode is the Galera node HAProxy sends the writes to.
func writerNode(t *testing.T, db *sql.DB) string {
	var name string
	if err := db.QueryRow("SELECT @@wsrep_node_name").Scan(&name); err != nil {
		t.Fatalf("writer node: %v", err)
	}
	return name
}

func pidOf(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("pid file %s: %v", path, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file %s: %v", path, err)
	}
	return pid
}

func kill9(t *testing.T, what, pidFile string) {
	pid := pidOf(t, pidFile)
	if err := exec.Command("kill", "-9", strconv.Itoa(pid)).Run(); err != nil {
		t.Fatalf("kill -9 %s (%d): %v", what, pid, err)
	}
	t.Logf("kill -9 %s (pid %d)", what, pid)
}

// clusterUp runs deploy/cluster/up without the demo instances: it
// restarts what was killed and waits until it has rejoined.
func clusterUp(t *testing.T, root string) {
	if err := runClusterUp(root); err != nil {
		t.Fatal(err)
	}
}

func runClusterUp(root string) error {
	cmd := exec.Command(filepath.Join(root, "deploy/cluster/up"))
	cmd.Env = append(os.Environ(), "CLUSTER_APPS=0", "FINREVIEW_ROOT="+root)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("deploy/cluster/up: %v\n%s", err, out)
	}
	return nil
}

// nodeDB opens the world's database on one Galera node directly.
func nodeDB(t *testing.T, w *world, port int) *sql.DB {
	dsn := strings.Replace(w.dsn, "127.0.0.1:3310", "127.0.0.1:"+strconv.Itoa(port), 1)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("node on %d: %v", port, err)
	}
	db.SetMaxOpenConns(1) // the session's wsrep_sync_wait holds for every query
	t.Cleanup(func() { db.Close() })
	return db
}

// checksums is CHECKSUM TABLE of every table of the world's database on
// one node, after the node has applied every write set before it.
func checksums(t *testing.T, db *sql.DB) map[string]int64 {
	if _, err := db.Exec("SET SESSION wsrep_sync_wait = 1"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	sort.Strings(tables)
	out := map[string]int64{}
	for _, tb := range tables {
		var name string
		var sum sql.NullInt64
		if err := db.QueryRow("CHECKSUM TABLE `"+tb+"`").Scan(&name, &sum); err != nil {
			t.Fatalf("checksum %s: %v", tb, err)
		}
		out[tb] = sum.Int64
	}
	return out
}

// TestClusterFailures kills, under mixed load, the Galera node taking the
// writes, another Galera node, one finreview instance, and one MinIO
// server during a 256 MiB upload; after each, and at the end, nothing
// acknowledged is lost and the invariants of the single-server chaos runs
// hold. It prints the BENCH figures of make bench.
func TestClusterFailures(t *testing.T) {
	root := clusterRoot(t)
	run := filepath.Join(root, "var", "cluster")
	bin := buildServer(t)
	w := newWorld(t, bin)
	servers := []*server{w.start("cluster-a", ""), w.start("cluster-b", "")}
	var smu sync.Mutex
	var rr atomic.Int64
	dead := map[int]bool{}
	base := func() string {
		smu.Lock()
		defer smu.Unlock()
		for range servers {
			i := int(rr.Add(1)) % len(servers)
			if !dead[i] {
				return "http://" + servers[i].addr
			}
		}
		return "http://" + servers[0].addr
	}
	c := newClient(t, base)
	l := &loadRun{w: w, c: c, okAfter: map[string]time.Time{}, marks: map[string]time.Time{}, failedIn: map[string][]string{}}
	for range 3 {
		l.ids = append(l.ids, w.createReviews(c, projectCodes)...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	wg := l.run(ctx, 4)
	refill := func() {
		more := w.createReviews(c, projectCodes[:6])
		l.mu.Lock()
		l.ids = append(l.ids, more...)
		l.mu.Unlock()
	}
	time.Sleep(3 * time.Second)

	report := map[string]time.Duration{}

	// 1. The Galera node taking the writes.
	writer := writerNode(t, w.s.DB)
	l.mark("galera writer")
	kill9(t, "Galera writer "+writer, filepath.Join(run, writer, "node.pid"))
	report["galera writer"] = l.failover(t, "galera writer", 60*time.Second)
	time.Sleep(2 * time.Second)
	refill()
	clusterUp(t, root)
	t.Logf("Galera node %s rejoined", writer)
	time.Sleep(2 * time.Second)

	// 2. A Galera node not taking writes.
	refill()
	writer = writerNode(t, w.s.DB)
	other := "g3"
	if writer == "g3" {
		other = "g2"
	}
	l.mark("galera standby")
	kill9(t, "Galera standby "+other, filepath.Join(run, other, "node.pid"))
	report["galera standby"] = l.failover(t, "galera standby", 60*time.Second)
	time.Sleep(2 * time.Second)
	clusterUp(t, root)
	t.Logf("Galera node %s rejoined", other)

	// 3. One finreview instance.
	refill()
	time.Sleep(time.Second)
	l.mark("finreview instance")
	smu.Lock()
	dead[0] = true
	smu.Unlock()
	servers[0].kill()
	report["finreview instance"] = l.failover(t, "finreview instance", 30*time.Second)
	time.Sleep(time.Second)
	restarted := w.start("cluster-a2", "")
	smu.Lock()
	servers[0] = restarted
	dead[0] = false
	smu.Unlock()
	refill()

	// 4. One MinIO server during a 256 MiB upload.
	refill()
	big := &client{t: t, http: &http.Client{Timeout: 5 * time.Minute}, tokens: map[string]string{}, base: base}
	var bigStatus int
	var bigErr error
	var bigID int64
	done := make(chan struct{})
	l.mark("minio server")
	go func() {
		defer close(done)
		var v map[string]any
		bigStatus, v, bigErr = big.upload("jianshe", l.ids[0], "supplement", 256<<20)
		if bigStatus == 201 {
			bigID, _ = strconv.ParseInt(fmt.Sprint(v["id"]), 10, 64)
		}
	}()
	time.Sleep(1500 * time.Millisecond)
	kill9(t, "MinIO m2", filepath.Join(run, "m2", "minio.pid"))
	report["minio server"] = l.failover(t, "minio server", 60*time.Second)
	<-done
	t.Logf("the 256 MiB upload during the MinIO kill: status %d, err %v, document %d", bigStatus, bigErr, bigID)
	if bigStatus == 201 {
		l.mu.Lock()
		l.uploads = append(l.uploads, bigID)
		l.mu.Unlock()
	}
	clusterUp(t, root)

	time.Sleep(3 * time.Second)
	l.stop.Store(true)
	wg.Wait()
	// Let the servers fire the deadlines that fell due, then stop them.
	time.Sleep(2 * time.Second)
	for _, sv := range servers {
		sv.kill()
	}

	// No acknowledged transition is missing.
	lost := 0
	for _, e := range l.ledger {
		var n int
		if err := w.s.DB.QueryRow("SELECT COUNT(*) FROM review_events WHERE review_id = ? AND trig = ? AND from_state = ?",
			e.review, e.trigger, e.from).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			lost++
			t.Errorf("acknowledged %s of review %d from %s: %d events", e.trigger, e.review, e.from, n)
		}
	}
	// Every acknowledged upload is readable with its recorded SHA-256.
	for _, id := range l.uploads {
		var key, sum, status string
		if err := w.s.DB.QueryRow("SELECT object_key, sha256, status FROM documents WHERE id = ?", id).Scan(&key, &sum, &status); err != nil {
			lost++
			t.Errorf("acknowledged document %d: %v", id, err)
			continue
		}
		obj, err := w.objects.Client.GetObject(context.Background(), w.objects.Bucket, key, minio.GetObjectOptions{})
		if err != nil {
			lost++
			t.Errorf("document %d: %v", id, err)
			continue
		}
		h := sha256.New()
		_, err = io.Copy(h, obj)
		obj.Close()
		if err != nil || hex.EncodeToString(h.Sum(nil)) != sum || status != "committed" {
			lost++
			t.Errorf("document %d (%s): read %v, sha256 %x, recorded %s", id, status, err, h.Sum(nil), sum)
		}
	}
	w.checkInvariants()

	// Every node holds the same tables.
	sums := map[int]map[string]int64{}
	for _, port := range []int{3311, 3312, 3313} {
		sums[port] = checksums(t, nodeDB(t, w, port))
	}
	for tb, sum := range sums[3311] {
		for _, port := range []int{3312, 3313} {
			if sums[port][tb] != sum {
				t.Errorf("CHECKSUM TABLE %s: %d on 3311, %d on %d", tb, sum, sums[port][tb], port)
			}
		}
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("%d transitions and %d uploads acknowledged, %d requests failed", len(l.ledger), len(l.uploads), len(l.failures))
	worst := time.Duration(0)
	for _, name := range []string{"galera writer", "galera standby", "finreview instance", "minio server"} {
		t.Logf("failover %-18s %.2f s; failed meanwhile: %d %v", name, report[name].Seconds(), len(l.failedIn[name]), l.failedIn[name])
	}
	worst = report["galera writer"]
	lines := fmt.Sprintf("BENCH cluster_failover_seconds %.2f s\nBENCH cluster_lost_writes %d writes\n", worst.Seconds(), lost)
	fmt.Print(lines)
	if f := os.Getenv("FINREVIEW_CLUSTER_REPORT"); f != "" {
		_ = os.WriteFile(f, []byte(lines), 0o644)
	}
}

// TestClusterFailuresMinioRejoin kills a MinIO server, writes objects
// through the cluster's S3 address while it is away, brings it back and
// reads every object through that address until the server has been back
// for a while: none may answer NoSuchKey. A rejoined server answers 404 for
// the objects it missed until the others have healed them onto its drive;
// HAProxy asks another server again (retry-on 404 in haproxy.cfg.in). Two
// rounds, since the rejoined server does not always lag.
func TestClusterFailuresMinioRejoin(t *testing.T) {
	root := clusterRoot(t)
	run := filepath.Join(root, "var", "cluster")
	objects := testenv.Objects(t)
	ctx := context.Background()
	direct, err := minio.New("127.0.0.1:9012", &minio.Options{Creds: credentials.NewStaticV4(testenv.DefaultKey, testenv.DefaultKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("对象 "), 16<<10)
	var keys []string
	for round := range 2 {
		for i := range 10 {
			key := fmt.Sprintf("before/%d/%d", round, i)
			if err := objects.Put(ctx, key, bytes.NewReader(body), -1, "application/octet-stream"); err != nil {
				t.Fatalf("put %s: %v", key, err)
			}
			keys = append(keys, key)
		}
		kill9(t, "MinIO m2", filepath.Join(run, "m2", "minio.pid"))
		time.Sleep(time.Second)
		for i := range 60 {
			key := fmt.Sprintf("away/%d/%d", round, i)
			if err := objects.Put(ctx, key, bytes.NewReader(body), -1, "application/octet-stream"); err != nil {
				t.Fatalf("put %s while m2 is away: %v", key, err)
			}
			keys = append(keys, key)
		}
		up := make(chan error, 1)
		go func() { up <- runClusterUp(root) }()
		var missed, lagged int
		var upAt time.Time
		for upAt.IsZero() || time.Since(upAt) < 10*time.Second {
			if upAt.IsZero() {
				select {
				case err := <-up:
					if err != nil {
						t.Fatal(err)
					}
					upAt = time.Now()
				default:
				}
			}
			for _, key := range keys {
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_, err := objects.Client.StatObject(cctx, objects.Bucket, key, minio.StatObjectOptions{})
				if err != nil && minio.ToErrorResponse(err).Code == "NoSuchKey" {
					missed++
					t.Errorf("round %d: %s through %s: %v", round, key, objects.Client.EndpointURL().Host, err)
				}
				_, err = direct.StatObject(cctx, objects.Bucket, key, minio.StatObjectOptions{})
				cancel()
				if err != nil && minio.ToErrorResponse(err).Code == "NoSuchKey" {
					lagged++
				}
			}
			if missed > 0 {
				if upAt.IsZero() {
					<-up
				}
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Logf("round %d: %d objects read again and again through the S3 address, none missing; the rejoined server alone answered NoSuchKey %d times", round, len(keys), lagged)
	}
}
