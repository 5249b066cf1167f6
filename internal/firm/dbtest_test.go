package firm_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/store"
	"finreview/migrations"
)

// testDB creates a migrated database finreview_test_<random> on the test
// server (FINREVIEW_TEST_DSN) and drops it when the test ends. It mirrors
// internal/testenv.DB, which this package cannot import: testenv loads the
// demo city, whose reviews need this package.
func testDB(t *testing.T) *store.Store {
	t.Helper()
	dsn := os.Getenv("FINREVIEW_TEST_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/?parseTime=true&loc=Asia%2FShanghai"
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("FINREVIEW_TEST_DSN: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "finreview_test_" + hex.EncodeToString(b)
	cfg.DBName = name
	cfg.ParseTime = true
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		cfg.Loc = loc
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := store.Migrate(ctx, cfg.FormatDSN(), migrations.FS); err != nil {
		t.Fatalf("migrate %s: %v (is MariaDB up? run `make services`)", name, err)
	}
	db, err := store.Open(ctx, cfg.FormatDSN())
	if err != nil {
		t.Fatalf("MariaDB unreachable: %v; run `make services`", err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer ccancel()
		if _, err := db.ExecContext(cctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
		db.Close()
	})
	return store.New(db)
}
