package chaos

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/store"
	"finreview/migrations"
)

// mariadbd is where Debian's MariaDB package installs the server.
const mariadbd = "/usr/sbin/mariadbd"

// ownMariaDB is a MariaDB server of this test only (never the shared one
// on 3306), on a free loopback port with its own data directory, so it can
// be killed and restarted under a running finreview.
type ownMariaDB struct {
	t    *testing.T
	dir  string
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// newOwnMariaDB initialises a data directory and starts the server on it.
func newOwnMariaDB(t *testing.T) *ownMariaDB {
	t.Helper()
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		t.Fatalf("mariadb-install-db not found: %v; install Debian's mariadb-server (make services does)", err)
	}
	if _, err := os.Stat(mariadbd); err != nil {
		t.Fatalf("MariaDB server %s missing: %v; install Debian's mariadb-server (make services does)", mariadbd, err)
	}
	m := &ownMariaDB{t: t, dir: t.TempDir(), addr: freeAddr(t)}
	if len(m.socket()) > 100 { // a unix socket path is at most 108 bytes
		dir, err := os.MkdirTemp("", "mariadb")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		m.dir = dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(m.dir, "data")}, userFlag()...)
	args = append(args, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve")
	if out, err := exec.CommandContext(ctx, install, args...).CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	t.Cleanup(m.kill)
	m.start()
	return m
}

// userFlag is --user=root when running as root (mariadbd refuses root
// otherwise); any other user runs it as itself.
func userFlag() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

func (m *ownMariaDB) socket() string { return filepath.Join(m.dir, "sock") }

// start runs mariadbd on the data directory and waits until it answers
// SELECT 1 over TCP; after a kill InnoDB recovers the data first.
func (m *ownMariaDB) start() {
	m.t.Helper()
	_, port, _ := net.SplitHostPort(m.addr)
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(m.dir, "data")}, userFlag()...)
	args = append(args, "--port="+port, "--bind-address=127.0.0.1", "--port-open-timeout=10",
		"--socket="+m.socket(), "--pid-file="+filepath.Join(m.dir, "pid"), "--skip-name-resolve",
		"--innodb-buffer-pool-size=64M", "--skip-log-bin", "--log-error="+m.errLog(),
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci")
	m.cmd = exec.Command(mariadbd, args...)
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	m.done = make(chan struct{})
	if err := m.cmd.Start(); err != nil {
		m.t.Fatalf("start mariadbd: %v", err)
	}
	cmd, done := m.cmd, m.done
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			m.t.Fatalf("own MariaDB exited during start:\n%s", m.errTail())
		default:
		}
		if m.ping() == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.t.Fatalf("own MariaDB not ready on %s within 30s: %v\n%s", m.addr, m.ping(), m.errTail())
}

// ping connects over TCP and runs SELECT 1.
func (m *ownMariaDB) ping() error {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.Timeout = "root", "tcp", m.addr, time.Second
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var one int
	return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// kill sends SIGKILL, a crash: nothing is flushed or shut down cleanly.
func (m *ownMariaDB) kill() { killProcess(m.t, "own MariaDB", m.cmd, m.done) }

func (m *ownMariaDB) errLog() string { return filepath.Join(m.dir, "err.log") }

// errTail is the end of the server's error log.
func (m *ownMariaDB) errTail() string {
	b, _ := os.ReadFile(m.errLog())
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// world creates, migrates and fills a database on this server and makes a
// world of it (with a fresh bucket on the shared object store).
func (m *ownMariaDB) world(bin string) *world {
	t := m.t
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", m.addr, "finreview_chaos"
	cfg.ParseTime = true
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		cfg.Loc = loc
	}
	dsn := cfg.FormatDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := store.Migrate(ctx, dsn, migrations.FS); err != nil {
		t.Fatalf("migrate on own MariaDB: %v\n%s", err, m.errTail())
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open own MariaDB: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return worldOn(t, bin, store.New(db), dsn)
}

// signInAll obtains, while the database is up, the tokens of every user
// the drivers act as, so that no sign-in is needed during the outage.
func (w *world) signInAll(c *client) {
	w.t.Helper()
	users := []string{"jianshe", "caizheng", "pingshen"}
	firms, err := w.s.UsersByRole(context.Background(), "intermediary", 0)
	if err != nil {
		w.t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, u := range firms {
		if !seen[u.OrgID] { // firmLogin acts as the first user of each firm
			seen[u.OrgID] = true
			users = append(users, u.Username)
		}
	}
	for _, u := range users {
		if _, err := c.token(u); err != nil {
			w.t.Fatalf("sign in %s: %v", u, err)
		}
	}
}

// tally counts answers by status.
type tally struct {
	mu sync.Mutex
	n  map[int]int
}

func (t *tally) add(status int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[int]int{}
	}
	t.n[status]++
}

func (t *tally) get(status int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n[status]
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var keys []int
	for k := range t.n {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", k, t.n[k]))
	}
	return strings.Join(parts, " ")
}

// restartPath is the triggers that take a review from draft to
// opinion_sent, each fired exactly once.
var restartPath = []string{"submit", "issue_notice", "accept", "delegate", "start", "submit_draft", "send_opinion"}

// databaseRestart crashes MariaDB (kill -9) under a running server while
// transitions are in flight and starts it again: while it is down every
// answer is a 503 (never a 500 or 401) and readiness says so, the server
// process lives on, and once the database is back the same process serves
// again by itself, with nothing lost, duplicated or half-written.
func databaseRestart(t *testing.T, bin string) {
	began := time.Now()
	m := newOwnMariaDB(t)
	w := m.world(bin)
	sv := w.start("db-restart", "")
	c := newClient(t, func() string { return "http://" + sv.addr })
	ids := w.createReviews(c, projectCodes[:8])
	w.signInAll(c)
	const target = "opinion_sent"
	t.Logf("own MariaDB on %s, server on %s, %d reviews, set up in %v", m.addr, sv.addr, len(ids), time.Since(began).Round(time.Millisecond))

	// Four drivers move the reviews toward the target, each its own share.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }() // no driver outlives the test, even one that failed
	var (
		answers  tally        // transition answers by status
		ok       atomic.Int64 // transitions answered 200
		inFlight atomic.Int64 // drivers between reading a state and the answer
		lastOK   atomic.Int64 // when a transition last succeeded (UnixNano)
	)
	loadStart := time.Now()
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := map[int64]bool{}
			for ctx.Err() == nil {
				all := true
				for i := g; i < len(ids); i += 4 {
					if done[ids[i]] {
						continue
					}
					inFlight.Add(1)
					status, reached := w.drive(c, ids[i], target)
					inFlight.Add(-1)
					if status != 0 {
						answers.add(status)
					}
					switch status {
					case 200:
						ok.Add(1)
						lastOK.Store(time.Now().UnixNano())
					case 0, 409, 503:
					default:
						t.Errorf("transition on review %d: status %d", ids[i], status)
					}
					done[ids[i]] = reached
					all = all && reached
				}
				if all {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}

	// After about a second of load, once a few transitions went through,
	// crash the database while a driver is in the middle of one.
	for ok.Load() < 6 || (time.Since(loadStart) < time.Second && ok.Load() < int64(len(ids)*len(restartPath)/3)) {
		if ctx.Err() != nil {
			t.Fatalf("load never got going: %s", answers.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for inFlight.Load() == 0 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	w.dbDown.Store(true)
	killedAt := time.Now()
	okBefore := ok.Load()
	m.kill()
	t.Logf("MariaDB killed after %v of load, %d transitions done", killedAt.Sub(loadStart).Round(time.Millisecond), okBefore)

	// While it is down: readiness and every API call answer 503.
	var probes tally
	probe := func(what string, status int, v map[string]any, err error) {
		if err != nil {
			t.Errorf("%s with the database down: %v", what, err)
			return
		}
		probes.add(status)
		if status != 503 {
			t.Errorf("%s with the database down: %d %v, want 503\nserver errors:\n%s", what, status, v, w.serverErrors())
		} else if what != "GET /readyz" && v["code"] != "unavailable" {
			t.Errorf("%s with the database down: 503 %v, want code unavailable", what, v)
		}
	}
	path := "/api/v1/reviews/" + strconv.FormatInt(ids[0], 10)
	for time.Since(killedAt) < 2*time.Second {
		status, v, err := c.call("GET", "/readyz", "", nil)
		probe("GET /readyz", status, v, err)
		if err == nil && !strings.Contains(stringOf(v["database"]), "不可用") {
			t.Errorf("readyz with the database down does not name it: %v", v)
		}
		status, v, err = c.call("GET", path, "jianshe", nil)
		probe("GET "+path, status, v, err)
		status, v, err = c.call("POST", path+"/transitions", "pingshen", map[string]any{"trigger": "accept"})
		probe("POST "+path+"/transitions", status, v, err)
		status, v, err = c.call("POST", "/api/v1/tokens", "", map[string]any{"username": "caizheng", "password": "Demo@2026"})
		probe("POST /api/v1/tokens", status, v, err)
		select {
		case <-sv.done:
			t.Fatalf("server exited with the database down:\n%s", sv.output())
		default:
		}
		time.Sleep(100 * time.Millisecond)
	}
	if probes.get(503) == 0 {
		t.Error("no call answered 503 while the database was down")
	}

	// Back on the same data directory and port: the same server process
	// must be ready and fire transitions again within 30 s.
	m.start()
	restartedAt := time.Now()
	outage := restartedAt.Sub(killedAt)
	var readyAfter, firstOKAfter time.Duration
	for readyAfter == 0 || firstOKAfter == 0 {
		if time.Since(restartedAt) > 30*time.Second {
			t.Fatalf("not recovered 30s after MariaDB came back (ready after %v, first transition after %v); answers %s\nserver errors:\n%s",
				readyAfter, firstOKAfter, answers.String(), w.serverErrors())
		}
		if readyAfter == 0 {
			if status, _, err := c.call("GET", "/readyz", "", nil); err == nil && status == 200 {
				readyAfter = time.Since(restartedAt)
			}
		}
		if firstOKAfter == 0 && lastOK.Load() > restartedAt.UnixNano() {
			firstOKAfter = time.Unix(0, lastOK.Load()).Sub(restartedAt)
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.dbDown.Store(false)
	wg.Wait()
	if ctx.Err() != nil {
		t.Errorf("drivers did not finish within 90s: %v", w.states(ids))
	}
	select {
	case <-sv.done:
		t.Fatalf("server exited:\n%s", sv.output())
	default:
	}
	if sv.panics() {
		t.Errorf("server panicked:\n%s", sv.output())
	}
	sv.kill()

	// Nothing lost, duplicated or half-written.
	if st := w.states(ids); st[target] != len(ids) {
		t.Errorf("states %v, want all %s", st, target)
	}
	for _, id := range ids {
		rows, err := w.s.DB.Query("SELECT trig, COUNT(*) FROM review_events WHERE review_id = ? GROUP BY trig", id)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for rows.Next() {
			var trig string
			var n int
			if err := rows.Scan(&trig, &n); err != nil {
				t.Fatal(err)
			}
			got[trig] = n
		}
		rows.Close()
		if len(got) != len(restartPath) {
			t.Errorf("review %d has events %v, want one of each of %v", id, got, restartPath)
			continue
		}
		for _, trig := range restartPath {
			if got[trig] != 1 {
				t.Errorf("review %d has %d %s events, want 1 (events %v)", id, got[trig], trig, got)
			}
		}
	}
	w.checkInvariants()
	events := w.count("SELECT COUNT(*) FROM review_events")
	t.Logf("transitions: %d ok (%d before the kill), %d committed though their answer was lost; answers %s",
		ok.Load(), okBefore, int64(events)-ok.Load(), answers.String())
	t.Logf("outage: %v down (%s answered while down), ready %v and first transition %v after MariaDB was back; whole scenario %v",
		outage.Round(time.Millisecond), probes.String(), readyAfter.Round(time.Millisecond), firstOKAfter.Round(time.Millisecond),
		time.Since(began).Round(time.Millisecond))
}
