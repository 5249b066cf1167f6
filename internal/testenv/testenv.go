// Package testenv gives integration tests a fresh MariaDB database and a
// fresh MinIO bucket each, against the real services started by
// `make services`. It never skips: a test that cannot reach a service fails
// and says how to start it.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/minio/minio-go/v7"

	"finreview/internal/demo"
	"finreview/internal/docs"
	"finreview/internal/store"
	"finreview/migrations"
)

// Defaults of the test services (overridden by the environment).
const (
	DefaultDSN      = "root@tcp(127.0.0.1:3306)/?parseTime=true&loc=Asia%2FShanghai"
	DefaultEndpoint = "127.0.0.1:9000"
	DefaultKey      = "minioadmin"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func random() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DSN returns the data source name of a database called name on the test server.
func DSN(t testing.TB, name string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(env("FINREVIEW_TEST_DSN", DefaultDSN))
	if err != nil {
		t.Fatalf("FINREVIEW_TEST_DSN is not a valid DSN: %v", err)
	}
	cfg.DBName = name
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.ParseTime = true
	if cfg.Loc == nil || cfg.Loc == time.UTC {
		if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
			cfg.Loc = loc
		}
	}
	return cfg.FormatDSN()
}

// DB creates a database finreview_test_<random>, applies every migration,
// and drops it when the test ends.
func DB(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := "finreview_test_" + random()
	dsn := DSN(t, name)
	if _, err := store.Migrate(ctx, dsn, migrations.FS); err != nil {
		if strings.Contains(err.Error(), "connect") || strings.Contains(err.Error(), "refused") {
			t.Fatalf("MariaDB unreachable (FINREVIEW_TEST_DSN): %v; run `make services`", err)
		}
		t.Fatalf("migrate test database %s: %v (is MariaDB up? run `make services`)", name, err)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("MariaDB unreachable (FINREVIEW_TEST_DSN): %v; run `make services`", err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer ccancel()
		if _, err := db.ExecContext(cctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		db.Close()
	})
	s := store.New(db)
	s.SetAuditKey(AuditKey)
	return s
}

// AuditKey is the anchor key every test store holds, as a deployment's
// stores hold the key of FINREVIEW_AUDIT_KEY_FILE.
var AuditKey = []byte("finreview-test-audit-anchor-key-not-a-secret")

// AuditKeyFile writes AuditKey to a file of the test's own, for commands
// that load FINREVIEW_AUDIT_KEY_FILE.
func AuditKeyFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.key")
	if err := os.WriteFile(path, AuditKey, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Objects creates a bucket test-<random> and removes it (with its
// objects) when the test ends.
func Objects(t testing.TB) *docs.ObjectStore {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	key := env("FINREVIEW_TEST_S3_ACCESS_KEY", DefaultKey)
	secret := env("FINREVIEW_TEST_S3_SECRET_KEY", DefaultKey)
	bucket := "test-" + random()
	o, err := docs.NewObjectStore(ctx, docs.ObjectStoreOptions{
		Endpoint: env("FINREVIEW_TEST_S3_ENDPOINT", DefaultEndpoint), AccessKey: key, SecretKey: secret, Bucket: bucket,
	})
	if err != nil {
		t.Fatalf("MinIO unreachable (FINREVIEW_TEST_S3_ENDPOINT): %v; run `make services`", err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer ccancel()
		for obj := range o.Client.ListObjects(cctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				break
			}
			_ = o.Client.RemoveObject(cctx, bucket, obj.Key, minio.RemoveObjectOptions{})
		}
		if err := o.Client.RemoveBucket(cctx, bucket); err != nil {
			t.Logf("remove test bucket %s: %v", bucket, err)
		}
	})
	return o
}

// Demo loads the demo city into s.
func Demo(t testing.TB, s *store.Store) demo.Seeded {
	t.Helper()
	seeded, err := demo.Load(context.Background(), s)
	if err != nil {
		t.Fatalf("load demo data: %v", err)
	}
	return seeded
}

// NodeDSNs returns n data source names of the database called name, one
// per database node: with FINREVIEW_TEST_NODES (the host:port of each
// node of a cluster, comma-separated), on the nodes in turn, so that
// writers on different nodes meet as they do in production; otherwise
// all on the test server.
func NodeDSNs(t testing.TB, name string, n int) []string {
	t.Helper()
	var nodes []string
	for _, a := range strings.Split(os.Getenv("FINREVIEW_TEST_NODES"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			nodes = append(nodes, a)
		}
	}
	out := make([]string, n)
	for i := range out {
		cfg, err := mysql.ParseDSN(DSN(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(nodes) > 0 {
			cfg.Addr = nodes[i%len(nodes)]
		}
		out[i] = cfg.FormatDSN()
	}
	return out
}

// NodeStores returns n stores of s's database, one per database node as
// NodeDSNs has them, closed when the test ends.
func NodeStores(t testing.TB, s *store.Store, n int) []*store.Store {
	t.Helper()
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	var out []*store.Store
	for _, dsn := range NodeDSNs(t, name, n) {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open a store on %s: %v", dsn, err)
		}
		t.Cleanup(func() { db.Close() })
		ns := store.New(db)
		ns.SetAuditKey(AuditKey)
		out = append(out, ns)
	}
	return out
}

// IDs runs query, whose rows are one id each, on s and returns the ids.
func IDs(t testing.TB, s *store.Store, query string, args ...any) []int64 {
	t.Helper()
	rows, err := s.DB.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// FirstExperts returns the ids of the first n experts of the demo city, in
// the order they were loaded, joined as a transition's "experts" takes
// them: ids are not 1, 2, 3… on a Galera cluster, which interleaves
// auto-increments between nodes.
func FirstExperts(t testing.TB, s *store.Store, n int) string {
	t.Helper()
	ids := IDs(t, s, "SELECT id FROM experts ORDER BY id LIMIT ?", n)
	if len(ids) != n {
		t.Fatalf("the demo city has %d experts, want at least %d", len(ids), n)
	}
	return store.JoinIDs(ids)
}
