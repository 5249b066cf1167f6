package store_test

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/migrations"
)

// Two processes migrating a fresh database at the same moment, through
// different nodes when FINREVIEW_TEST_NODES names a cluster's: each file
// is applied once, by one of them.
func TestMigrateAtOnceOnTwoNodes(t *testing.T) {
	s := testenv.DB(t)
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	fresh := name + "_fresh"
	t.Cleanup(func() { s.DB.Exec("DROP DATABASE IF EXISTS `" + fresh + "`") })
	dsns := testenv.NodeDSNs(t, fresh, 2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	applied := make([][]string, 2)
	start := make(chan struct{})
	for i := range dsns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = store.Migrate(context.Background(), dsns[i], migrations.FS)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrate %d: %v", i, err)
		}
	}
	all := append(append([]string{}, applied[0]...), applied[1]...)
	sort.Strings(all)
	entries, _ := migrations.FS.ReadDir(".")
	var files []string
	for _, e := range entries {
		if len(e.Name()) > 4 && e.Name()[len(e.Name())-4:] == ".sql" {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	if len(all) != len(files) {
		t.Fatalf("applied %d files (%v and %v) for %d", len(all), applied[0], applied[1], len(files))
	}
	for i := range files {
		if all[i] != files[i] {
			t.Fatalf("applied %v, want each of %v once", all, files)
		}
	}
	var holder *string
	if err := s.DB.QueryRow("SELECT holder FROM `" + fresh + "`.schema_migrations_lock WHERE id = 1").Scan(&holder); err != nil || holder != nil {
		t.Fatalf("the migration lock after both: holder %v (%v), want released", holder, err)
	}
}

// Two transactions that update the same two rows in opposite orders, on
// two nodes when FINREVIEW_TEST_NODES names a cluster's: on one server
// InnoDB picks a deadlock victim, on a cluster certification fails one at
// COMMIT. Either way the loser runs again and both take effect, as they
// would one after the other.
func TestDeadlockVictimRunsAgain(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	if _, err := s.DB.Exec("CREATE TABLE tx_pair (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec("INSERT INTO tx_pair VALUES (1, 0), (2, 0)"); err != nil {
		t.Fatal(err)
	}
	nodes := testenv.NodeStores(t, s, 2)
	retriesBefore := nodes[0].Retries() + nodes[1].Retries()
	// Each transaction's first attempt holds its first row until the other
	// holds its own, so that they cross; later attempts run straight on.
	var ready sync.WaitGroup
	ready.Add(2)
	var attempts [2]atomic.Int32
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, second := 1, 2
			if i == 1 {
				first, second = 2, 1
			}
			errs[i] = nodes[i].InTx(ctx, func(q *store.Queries) error {
				if _, err := q.Raw().ExecContext(ctx, "UPDATE tx_pair SET n = n + 1 WHERE id = ?", first); err != nil {
					return err
				}
				if attempts[i].Add(1) == 1 {
					ready.Done()
					waitGroupTimeout(&ready, 5*time.Second)
				}
				_, err := q.Raw().ExecContext(ctx, "UPDATE tx_pair SET n = n + 1 WHERE id = ?", second)
				return err
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("transaction %d: %v (after %d attempts)", i, err, attempts[i].Load())
		}
	}
	var a, b int
	if err := s.DB.QueryRow("SELECT (SELECT n FROM tx_pair WHERE id = 1), (SELECT n FROM tx_pair WHERE id = 2)").Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != 2 || b != 2 {
		t.Fatalf("rows counted %d and %d, want 2 and 2", a, b)
	}
	if r := nodes[0].Retries() + nodes[1].Retries() - retriesBefore; r < 1 {
		t.Fatalf("no transaction ran again (%d, %d attempts): the two did not cross", attempts[0].Load(), attempts[1].Load())
	}
}

func waitGroupTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// Statements outside a transaction that write the same row from two nodes
// at once, as two instances signing the same person in do (the user's
// last sign-in, the account's throttle row): on one server they queue on
// the row lock; on a cluster one of them may lose certification (error
// 1213, the statement had no effect), and the store sends it again, as it
// runs a whole transaction again.
func TestOneStatementWritesFromTwoNodes(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	if _, err := s.DB.Exec("CREATE TABLE hot_row (id INT PRIMARY KEY, n INT NOT NULL, at DATETIME(6) NULL) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec("INSERT INTO hot_row VALUES (1, 0, NULL)"); err != nil {
		t.Fatal(err)
	}
	nodes := testenv.NodeStores(t, s, 2)
	// A read waits until the node has applied the table and its row
	// (wsrep_sync_wait=1); a write would not, and an UPDATE that ran ahead
	// of the INSERT would change nothing.
	for i, ns := range nodes {
		var n int
		if err := ns.DB.QueryRow("SELECT n FROM hot_row WHERE id = 1").Scan(&n); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
	const each = 150
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range each {
				if _, err := nodes[i].Raw().ExecContext(ctx, "UPDATE hot_row SET n = n + 1, at = NOW(6) WHERE id = 1"); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
	var n int
	if err := s.DB.QueryRow("SELECT n FROM hot_row WHERE id = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2*each {
		t.Fatalf("row counted %d updates, want %d", n, 2*each)
	}
	t.Logf("%d updates, sent again %d times", n, nodes[0].Retries()+nodes[1].Retries())
}
