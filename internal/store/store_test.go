package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/migrations"
	"finreview/workflow"
)

func TestMigrateTwiceAtOnceAppliesEachFileOnce(t *testing.T) {
	s := testenv.DB(t) // migrated once already
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	dsn := testenv.DSN(t, name)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	applied := make([][]string, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = store.Migrate(context.Background(), dsn, migrations.FS)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrate %d: %v", i, err)
		}
		if len(applied[i]) != 0 {
			t.Fatalf("migrate %d re-applied %v", i, applied[i])
		}
	}
	var files, rows int
	entries, _ := migrations.FS.ReadDir(".")
	for _, e := range entries {
		if !e.IsDir() && len(e.Name()) > 4 && e.Name()[len(e.Name())-4:] == ".sql" {
			files++
		}
	}
	if err := s.DB.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != files {
		t.Fatalf("schema_migrations has %d rows for %d files", rows, files)
	}
}

// sideDatabase names a database beside s's, empty until migrated, dropped
// when the test ends, and returns its DSN.
func sideDatabase(t *testing.T, s *store.Store, suffix string) string {
	t.Helper()
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	side := name + suffix
	t.Cleanup(func() { s.DB.Exec("DROP DATABASE IF EXISTS `" + side + "`") })
	return testenv.DSN(t, side)
}

// sideStoreBefore opens a database of its own, migrated up to migration
// name (not included), with the demo city and one review in it. They are
// made by today's code in a fully migrated database and copied over column
// by column, so the old schema gets them whatever columns came later.
func sideStoreBefore(t *testing.T, name string) (string, *sql.DB, *store.Store, store.Review) {
	t.Helper()
	full := testenv.DB(t)
	r := insertReview(t, full)
	dsn := sideDatabase(t, full, "_"+name)
	migrateBefore(t, dsn, name)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	copyRows(t, full, db)
	return dsn, db, store.New(db), r
}

// copyRows copies every row of the side database's tables from the fully
// migrated database, in the columns the side has (migration bookkeeping
// excepted; rows the migrations themselves wrote are kept).
func copyRows(t *testing.T, full *store.Store, side *sql.DB) {
	t.Helper()
	ctx := context.Background()
	var from, to string
	if err := full.DB.QueryRow("SELECT DATABASE()").Scan(&from); err != nil {
		t.Fatal(err)
	}
	if err := side.QueryRow("SELECT DATABASE()").Scan(&to); err != nil {
		t.Fatal(err)
	}
	rows, err := side.QueryContext(ctx, `SELECT table_name, GROUP_CONCAT(CONCAT('`+"`"+`', column_name, '`+"`"+`') ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_schema = ? AND table_name NOT LIKE 'schema_migrations%'
		GROUP BY table_name`, to)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]string{}
	for rows.Next() {
		var table, c string
		if err := rows.Scan(&table, &c); err != nil {
			t.Fatal(err)
		}
		cols[table] = c
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	conn, err := side.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		t.Fatal(err)
	}
	for table, c := range cols {
		q := "INSERT IGNORE INTO `" + to + "`.`" + table + "` (" + c + ") SELECT " + c + " FROM `" + from + "`.`" + table + "`"
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("copy %s: %v", table, err)
		}
	}
}

// migrateBefore applies the migrations whose names sort before name.
func migrateBefore(t *testing.T, dsn, name string) {
	t.Helper()
	before := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") && e.Name() < name {
			b, err := fs.ReadFile(migrations.FS, e.Name())
			if err != nil {
				t.Fatal(err)
			}
			before[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	if _, err := store.Migrate(context.Background(), dsn, before); err != nil {
		t.Fatal(err)
	}
}

// countEvents counts a review's timeline events as q sees them.
func countEvents(t *testing.T, q *store.Queries, reviewID int64) int {
	t.Helper()
	events, err := q.ReviewEvents(context.Background(), reviewID)
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

// submitEvent is a timeline event of r, for tests that count them.
func submitEvent(r store.Review) store.ReviewEvent {
	return store.ReviewEvent{ReviewID: r.ID, Round: 1, At: time.Now(), ActorName: "测试", ActorRole: "review_center",
		Trigger: "submit", From: "draft", To: "submitted"}
}

func TestFreshDatabaseMigratesConcurrently(t *testing.T) {
	s := testenv.DB(t)
	dsn := sideDatabase(t, s, "_b")
	var wg sync.WaitGroup
	total := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done, err := store.Migrate(context.Background(), dsn, migrations.FS)
			if err != nil {
				t.Errorf("migrate: %v", err)
			}
			total[i] = len(done)
		}()
	}
	wg.Wait()
	entries, _ := migrations.FS.ReadDir(".")
	sqlFiles := 0
	for _, e := range entries {
		if len(e.Name()) > 4 && e.Name()[len(e.Name())-4:] == ".sql" {
			sqlFiles++
		}
	}
	if total[0]+total[1] != sqlFiles {
		t.Fatalf("two migrators applied %d+%d files, want %d in all", total[0], total[1], sqlFiles)
	}
}

func seedReview(t *testing.T, s *store.Store) store.Review {
	t.Helper()
	r, err := s.Review(context.Background(), store.Scope{All: true}, insertReview(t, s).ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// insertReview adds a draft review to the demo city and returns what was
// inserted without reading it back, so that it also serves a database
// migrated only up to an earlier version than the store's queries read.
func insertReview(t *testing.T, s *store.Store) store.Review {
	t.Helper()
	seeded := testenv.Demo(t, s)
	ctx := context.Background()
	pid := seeded.Projects["LH-2026-001"]
	p, err := s.Project(ctx, store.Scope{All: true}, pid)
	if err != nil {
		t.Fatal(err)
	}
	r := store.Review{ProjectID: pid, Kind: "settlement", Version: 1, ReviewChange: store.ReviewChange{State: workflow.Draft, Round: 1},
		JurisdictionID: p.JurisdictionID, UnitOrgID: p.UnitOrgID, SubmittedAmount: decimal.RequireFromString("12345678.90")}
	if r.ID, err = s.InsertReview(ctx, r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestUpdateReviewOptimisticLock(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	if !r.SubmittedAmount.Equal(decimal.RequireFromString("12345678.90")) {
		t.Fatalf("amount round trip: %s", r.SubmittedAmount)
	}
	c := r.Change()
	c.State = workflow.Submitted
	if err := s.UpdateReview(ctx, r.ID, r.Version, c, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateReview(ctx, r.ID, r.Version, c, time.Now()); !errors.Is(err, store.ErrStale) {
		t.Fatalf("second update at the old version: got %v, want ErrStale", err)
	}
	got, err := s.Review(ctx, store.Scope{All: true}, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != r.Version+1 || got.State != workflow.Submitted {
		t.Fatalf("after update: version %d state %s", got.Version, got.State)
	}
}

func TestReviewScope(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	other, err := s.OrganizationByName(ctx, "五原县民政局")
	if err != nil {
		t.Fatal(err)
	}
	wuyuan, err := s.JurisdictionByName(ctx, "五原县")
	if err != nil {
		t.Fatal(err)
	}
	var firm int64
	if err := s.DB.QueryRowContext(ctx, "SELECT id FROM organizations WHERE kind = 'firm' ORDER BY id LIMIT 1").Scan(&firm); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.ExecContext(ctx, "UPDATE reviews SET firm_id = ? WHERE id = ?", firm, r.ID); err != nil {
		t.Fatal(err)
	}
	r.FirmID = firm
	tests := []struct {
		name    string
		scope   store.Scope
		visible bool
	}{
		{"all", store.Scope{All: true}, true},
		{"own jurisdiction", store.Scope{JurisdictionID: r.JurisdictionID}, true},
		{"other jurisdiction", store.Scope{JurisdictionID: wuyuan.ID}, false},
		{"own unit", store.Scope{UnitID: r.UnitOrgID}, true},
		{"other unit", store.Scope{UnitID: other.ID}, false},
		{"other firm", store.Scope{FirmID: firm + 1}, false},
		{"delegated firm", store.Scope{FirmID: firm}, true},
		{"none", store.Scope{None: true}, false},
		{"zero scope", store.Scope{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Review(ctx, tt.scope, r.ID)
			if tt.visible && err != nil {
				t.Fatalf("want visible, got %v", err)
			}
			if !tt.visible && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("want ErrNotFound, got %v", err)
			}
			_, total, err := s.Reviews(ctx, tt.scope, store.ReviewFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if (total == 1) != tt.visible {
				t.Fatalf("list total %d, visible %v", total, tt.visible)
			}
			// Deciding from the row must agree with the SQL.
			if ok, decided := tt.scope.Sees(r); !decided || ok != tt.visible {
				t.Fatalf("Sees = %v (decided %v), want %v", ok, decided, tt.visible)
			}
		})
	}
}

func TestDuplicateIsTranslated(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	j := store.Jurisdiction{Code: "X1", Name: "测试区"}
	if _, err := s.InsertJurisdiction(ctx, j, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertJurisdiction(ctx, j, 2); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("got %v, want ErrDuplicate", err)
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.InTx(ctx, func(q *store.Queries) error {
		if _, err := q.InsertJurisdiction(ctx, store.Jurisdiction{Code: "R1", Name: "回滚区"}, 1); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if _, err := s.JurisdictionByName(ctx, "回滚区"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("row survived the rollback: %v", err)
	}
}

func TestIsDeadlock(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	for _, code := range []string{"D1", "D2"} {
		if _, err := s.InsertJurisdiction(ctx, store.Jurisdiction{Code: code, Name: "死锁" + code}, 1); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := s.DB.BeginTx(ctx, nil)
	b, _ := s.DB.BeginTx(ctx, nil)
	defer a.Rollback()
	defer b.Rollback()
	mustExec := func(tx *sql.Tx, q string) {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(a, "UPDATE jurisdictions SET sort_order = 5 WHERE code = 'D1'")
	mustExec(b, "UPDATE jurisdictions SET sort_order = 5 WHERE code = 'D2'")
	errs := make(chan error, 2)
	go func() { _, err := a.Exec("UPDATE jurisdictions SET sort_order = 6 WHERE code = 'D2'"); errs <- err }()
	time.Sleep(200 * time.Millisecond)
	go func() { _, err := b.Exec("UPDATE jurisdictions SET sort_order = 6 WHERE code = 'D1'"); errs <- err }()
	first, second := <-errs, <-errs
	if !store.IsDeadlock(first) && !store.IsDeadlock(second) {
		t.Fatalf("no deadlock reported: %v / %v", first, second)
	}
	if store.IsDeadlock(errors.New("boom")) || store.IsDeadlock(nil) {
		t.Fatal("only InnoDB's deadlock error is a deadlock")
	}
}
