package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/backup"
	"finreview/internal/docs"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

type source struct {
	s       *store.Store
	objects *docs.ObjectStore
	o       backup.Options
}

func newSource(t *testing.T) *source {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	objects := testenv.Objects(t)
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, body := range []string{"第一份资料", "第二份资料", "第一份资料"} {
		if err := objects.Put(ctx, "reviews/1/obj"+string(rune('a'+i)), strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	if err := audit.Anchor(ctx, s, time.Now()); err != nil {
		t.Fatal(err)
	}
	return &source{s: s, objects: objects, o: backup.Options{DSN: testenv.DSN(t, name), Store: s, Objects: objects,
		S3: backup.S3{Endpoint: envOr("FINREVIEW_TEST_S3_ENDPOINT", testenv.DefaultEndpoint), AccessKey: envOr("FINREVIEW_TEST_S3_ACCESS_KEY", testenv.DefaultKey),
			SecretKey: envOr("FINREVIEW_TEST_S3_SECRET_KEY", testenv.DefaultKey)}}}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// emptyTarget is a database name that does not exist yet (dropped at the
// end) and an empty bucket.
func emptyTarget(t *testing.T) (string, *docs.ObjectStore) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "finreview_test_" + hex.EncodeToString(b)
	dsn := testenv.DSN(t, name)
	t.Cleanup(func() {
		if t, err := store.OpenTarget(context.Background(), dsn); err == nil {
			_ = t.DropDatabase(context.Background())
			t.Close()
		}
	})
	return dsn, testenv.Objects(t)
}

func tableCount(t *testing.T, dsn string) int {
	t.Helper()
	tg, err := store.OpenTarget(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	names, err := tg.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(names)
}

func objectCount(t *testing.T, o *docs.ObjectStore) int {
	t.Helper()
	n := 0
	if err := o.List(context.Background(), "", func(docs.Object) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackupToDirectoryAndS3(t *testing.T) {
	src := newSource(t)
	ctx := context.Background()
	for _, where := range []string{t.TempDir(), "s3://" + testenv.Objects(t).Bucket + "/nightly"} {
		t.Run(strings.SplitN(where, ":", 2)[0], func(t *testing.T) {
			m, err := backup.Backup(ctx, src.o, where)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Objects) != 3 || m.Objects[0].SHA256 != m.Objects[2].SHA256 {
				t.Fatalf("objects %+v", m.Objects)
			}
			if _, err := backup.Verify(ctx, src.o, where, ""); err != nil {
				t.Fatalf("verify: %v", err)
			}
		})
	}
}

// TestSecondBackupCopiesOnlyChangedObjects: unchanged objects are not read
// again, a new one is copied once.
func TestSecondBackupCopiesOnlyChangedObjects(t *testing.T) {
	src := newSource(t)
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := backup.Backup(ctx, src.o, dir); err != nil {
		t.Fatal(err)
	}
	if err := src.objects.Put(ctx, "reviews/2/new", strings.NewReader("新资料"), int64(len("新资料")), "text/plain"); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	o := src.o
	o.Progress = &progress
	if _, err := backup.Backup(ctx, o, dir); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "新复制 1 个") || !strings.Contains(progress.String(), "沿用 3 个") {
		t.Errorf("second backup progress: %s", progress.String())
	}
	blobs, _ := filepath.Glob(filepath.Join(dir, "objects", "sha256", "*", "*"))
	if len(blobs) != 3 {
		t.Errorf("blobs = %d, want 3 (two distinct contents and the new one)", len(blobs))
	}
}

// cancelOn cancels a backup when its progress reaches a line containing at.
type cancelOn struct {
	mu     sync.Mutex
	at     string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.Contains(string(p), c.at) {
		c.cancel()
	}
	return len(p), nil
}

func TestBackupKilledHalfWayLeavesThePreviousWhole(t *testing.T) {
	src := newSource(t)
	ctx := context.Background()
	dir := t.TempDir()
	first, err := backup.Backup(ctx, src.o, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.objects.Put(ctx, "reviews/3/late", strings.NewReader("稍后的资料"), int64(len("稍后的资料")), "text/plain"); err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"数据库快照完成", "对象完成"} {
		kctx, cancel := context.WithCancel(ctx)
		o := src.o
		o.Progress = &cancelOn{at: at, cancel: cancel}
		if _, err := backup.Backup(kctx, o, dir); err == nil {
			t.Fatalf("backup cancelled at %q succeeded", at)
		}
		cancel()
	}
	latest, _ := os.ReadFile(filepath.Join(dir, "latest"))
	if strings.TrimSpace(string(latest)) != first.ID {
		t.Fatalf("latest = %q, want the first backup %s", latest, first.ID)
	}
	if _, err := backup.Verify(ctx, src.o, dir, ""); err != nil {
		t.Fatalf("the previous backup no longer verifies: %v", err)
	}
}

func TestRestoreRefusesANonEmptyTarget(t *testing.T) {
	src := newSource(t)
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := backup.Backup(ctx, src.o, dir); err != nil {
		t.Fatal(err)
	}
	var before int
	_ = src.s.DB.QueryRow("SELECT COUNT(*) FROM audit_events").Scan(&before)
	_, err := backup.Restore(ctx, src.o, backup.RestoreOptions{From: dir, DSN: src.o.DSN, Objects: src.objects})
	if !errors.Is(err, backup.ErrNotEmpty) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore over live data: %v", err)
	}
	var after int
	_ = src.s.DB.QueryRow("SELECT COUNT(*) FROM audit_events").Scan(&after)
	if after != before {
		t.Errorf("audit events %d → %d: the refused restore wrote", before, after)
	}
	// An empty database but a bucket holding objects is refused too.
	dsn, _ := emptyTarget(t)
	_, err = backup.Restore(ctx, src.o, backup.RestoreOptions{From: dir, DSN: dsn, Objects: src.objects})
	if !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("restore into a bucket with objects: %v", err)
	}
	if n := tableCount(t, dsn); n != 0 {
		t.Errorf("the refused restore created %d tables", n)
	}
}

// TestRestoreRefusesADamagedBackup: each kind of damage is named, and
// nothing reaches the empty target.
func TestRestoreRefusesADamagedBackup(t *testing.T) {
	src := newSource(t)
	ctx := context.Background()
	clean := t.TempDir()
	m, err := backup.Backup(ctx, src.o, clean)
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join("snapshots", m.ID, "manifest.json")
	blob := filepath.Join("objects", "sha256", m.Objects[1].SHA256[:2], m.Objects[1].SHA256)
	dump := filepath.Join("snapshots", m.ID, "db.sql.gz")
	tests := []struct {
		name   string
		damage func(dir string)
		want   string
	}{
		{"truncated object", func(dir string) { truncate(t, filepath.Join(dir, blob)) }, "对象 " + m.Objects[1].Key},
		{"missing object", func(dir string) { os.Remove(filepath.Join(dir, blob)) }, "缺失"},
		{"altered dump", func(dir string) { flip(t, filepath.Join(dir, dump)) }, "数据库转储"},
		{"truncated dump", func(dir string) { truncate(t, filepath.Join(dir, dump)) }, "被截断"},
		{"edited manifest", func(dir string) {
			p := filepath.Join(dir, manifest)
			b, _ := os.ReadFile(p)
			b = bytes.Replace(b, []byte(`"reviews": `), []byte(`"reviews": 9`), 1)
			os.WriteFile(p, b, 0o640)
		}, "自校验值不符"},
		{"truncated manifest", func(dir string) { truncate(t, filepath.Join(dir, manifest)) }, "无法解析"},
		{"no latest", func(dir string) { os.Remove(filepath.Join(dir, "latest")) }, "没有完整的备份"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, clean, dir)
			tc.damage(dir)
			dsn, objects := emptyTarget(t)
			_, err := backup.Restore(ctx, src.o, backup.RestoreOptions{From: dir, DSN: dsn, Objects: objects})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore = %v, want an error naming %q", err, tc.want)
			}
			if n := tableCount(t, dsn); n != 0 {
				t.Errorf("%d tables written", n)
			}
			if n := objectCount(t, objects); n != 0 {
				t.Errorf("%d objects written", n)
			}
			if _, err := backup.Verify(ctx, src.o, dir, ""); err == nil {
				t.Errorf("verify passed a damaged backup")
			}
		})
	}
}

func truncate(t *testing.T, p string) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, p string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(p, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o750)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o640)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestVerifyDetectsAChainRewrittenAfterTheBackup: an audit event forged in
// the live database, with its stream's hashes recomputed so the chain is
// consistent on its own, no longer matches the backup's heads and anchors.
func TestVerifyDetectsAChainRewrittenAfterTheBackup(t *testing.T) {
	src := newSource(t)
	ctx := context.Background()
	err := src.s.InTx(ctx, func(q *store.Queries) error {
		_, err := audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "李红梅", Action: "note", ObjectType: "test", ObjectID: "付款 1000.00"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Anchor(ctx, src.s, time.Now()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := backup.Backup(ctx, src.o, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Verify(ctx, src.o, dir, ""); err != nil {
		t.Fatalf("verify before the rewrite: %v", err)
	}
	var stream string
	if err := src.s.DB.QueryRow("SELECT stream FROM audit_events WHERE action = 'note'").Scan(&stream); err != nil {
		t.Fatal(err)
	}
	var events []store.AuditEvent
	if err := src.s.EachAuditEvent(ctx, func(e store.AuditEvent) error {
		if e.Stream == stream {
			events = append(events, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, e := range events {
		if e.Action == "note" {
			e.ObjectID = "付款 9000.00"
		}
		e.PrevHash = prev
		e.Hash = audit.Hash(e)
		prev = e.Hash
		if _, err := src.s.DB.Exec("UPDATE audit_events SET object_id = ?, prev_hash = ?, hash = ? WHERE id = ?", e.ObjectID, e.PrevHash, e.Hash, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := src.s.DB.Exec("UPDATE audit_heads SET hash = ? WHERE stream = ?", prev, stream); err != nil {
		t.Fatal(err)
	}
	_, err = backup.Verify(ctx, src.o, dir, "")
	if err == nil || !strings.Contains(err.Error(), "审计链 "+stream) || !strings.Contains(err.Error(), "被改写") {
		t.Fatalf("verify after the rewrite of %s: %v", stream, err)
	}
}
