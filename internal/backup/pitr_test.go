package backup_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/backup"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/migrations"
)

// binlogServer starts a private mariadbd with the binary log on, on a free
// port with its data in a temporary directory, and stops it when the test
// ends. It returns the server's address and its data directory (where the
// binary logs are).
func binlogServer(t *testing.T) (addr, datadir string) {
	t.Helper()
	mariadbd := "/usr/sbin/mariadbd"
	if p, err := exec.LookPath("mariadbd"); err == nil {
		mariadbd = p
	}
	for _, bin := range []string{"mariadb-install-db", mariadbd, "mariadb-binlog", "mariadb"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: install mariadb-server and mariadb-client (make test installs them)", bin)
		}
	}
	dir := t.TempDir()
	datadir = filepath.Join(dir, "data")
	install := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+datadir, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--user="+currentUser())
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv := exec.Command(mariadbd, "--no-defaults", "--datadir="+datadir, "--user="+currentUser(), fmt.Sprintf("--port=%d", port),
		"--bind-address=127.0.0.1", "--socket="+filepath.Join(dir, "sock"), "--log-bin="+filepath.Join(datadir, "binlog"),
		"--server-id=1", "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--pid-file="+filepath.Join(dir, "pid"))
	logf, _ := os.Create(filepath.Join(dir, "err.log"))
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		t.Fatalf("mariadbd: %v", err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = srv.Process.Kill()
			<-done
		}
		logf.Close()
	})
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if i > 60 {
			b, _ := os.ReadFile(filepath.Join(dir, "err.log"))
			t.Fatalf("mariadbd did not start on %s:\n%s", addr, b)
		}
		time.Sleep(250 * time.Millisecond)
	}
	return addr, datadir
}

func currentUser() string {
	if os.Geteuid() == 0 {
		return "root"
	}
	return os.Getenv("USER")
}

func event(t *testing.T, s *store.Store, what string) {
	t.Helper()
	ctx := context.Background()
	err := s.InTx(ctx, func(q *store.Queries) error {
		_, err := audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: "note", ObjectType: "test", ObjectID: what})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func notes(t *testing.T, s *store.Store) string {
	t.Helper()
	rows, err := s.DB.Query("SELECT object_id FROM audit_events WHERE action = 'note' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		_ = rows.Scan(&v)
		out = append(out, v)
	}
	return strings.Join(out, ",")
}

// TestPointInTimeRecovery: a write made after the backup and before the
// chosen time is recovered by replaying the binary log; a later one is not.
func TestPointInTimeRecovery(t *testing.T) {
	ctx := context.Background()
	addr, datadir := binlogServer(t)
	dsn := "root@tcp(" + addr + ")/finreview?parseTime=true&loc=Asia%2FShanghai"
	if _, err := store.Migrate(ctx, dsn, migrations.FS); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := store.New(db)
	s.SetAuditKey(testenv.AuditKey)
	event(t, s, "before-backup")
	objects := testenv.Objects(t)
	o := backup.Options{DSN: dsn, Store: s, Objects: objects}
	dir := t.TempDir()
	m, err := backup.Backup(ctx, o, dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Database.BinlogFile == "" || m.Database.BinlogPos == 0 {
		t.Fatalf("no binary-log position in the manifest: %+v", m.Database)
	}
	event(t, s, "after-backup")
	time.Sleep(1200 * time.Millisecond)
	until := time.Now().Truncate(time.Second)
	time.Sleep(1200 * time.Millisecond)
	event(t, s, "too-late")

	target := "root@tcp(" + addr + ")/finreview_restored?parseTime=true&loc=Asia%2FShanghai"
	_, err = backup.Restore(ctx, o, backup.RestoreOptions{From: dir, DSN: target, Objects: testenv.Objects(t),
		Replay: &backup.Replay{BinlogDir: datadir, Until: until}})
	if err != nil {
		t.Fatalf("point-in-time restore: %v", err)
	}
	rdb, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rs := store.New(rdb)
	rs.SetAuditKey(testenv.AuditKey)
	if got := notes(t, rs); got != "before-backup,after-backup" {
		t.Errorf("recovered notes = %q, want before-backup,after-backup", got)
	}
	if res, err := audit.Verify(ctx, rs); err != nil || !res.OK {
		t.Errorf("audit chains after point-in-time recovery: %+v %v", res, err)
	}
}
