package store_test

import (
	"context"
	"testing"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

func TestCountPlaceholders(t *testing.T) {
	for _, c := range []struct {
		text string
		want int
	}{
		{"SELECT 1", 0},
		{"SELECT ? FROM t WHERE a = ? AND b IN (?, ?)", 4},
		{"SELECT '?' , ?", 1},
		{`SELECT "a?b", ?`, 1},
		{"SELECT `we?rd` FROM t WHERE x = ?", 1},
		{`SELECT 'it''s ?', ?`, 1},
		{`SELECT 'back\'slash ?', ?`, 1},
		{"SELECT CONCAT('〔代', ?, '〕')", 1},
	} {
		if got := store.CountPlaceholders(c.text); got != c.want {
			t.Errorf("%s: %d placeholders, want %d", c.text, got, c.want)
		}
	}
}

// sessionCounts reads the connection's own PREPARE and EXECUTE counters.
func sessionCounts(t *testing.T, ctx context.Context, q *store.Queries) (prepares, executes int) {
	t.Helper()
	rows, err := q.Raw().QueryContext(ctx, "SHOW SESSION STATUS WHERE Variable_name IN ('Com_prepare_sql', 'Com_execute_sql')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		if name == "Com_prepare_sql" {
			prepares = n
		} else {
			executes = n
		}
	}
	return prepares, executes
}

// A registered statement runs, in a transaction, from its prepared copy:
// prepared once per connection, in the batch of its first use, with the
// same answer as its text, quotes and backslashes included.
func TestPreparedStatementsRunOncePrepared(t *testing.T) {
	s := testenv.DB(t)
	s.DB.SetMaxOpenConns(1)
	ctx := context.Background()
	query := store.Hot(`SELECT CONCAT('it''s ', ?, ' \\ ?'), ? + 1`)

	read := func() (string, int, int, int) {
		var text string
		var n, prepares, executes int
		err := s.InTx(ctx, func(q *store.Queries) error {
			if err := q.Raw().QueryRowContext(ctx, query, "甲", 41).Scan(&text, &n); err != nil {
				return err
			}
			prepares, executes = sessionCounts(t, ctx, q)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return text, n, prepares, executes
	}
	var want string
	var wantN int
	if err := s.DB.QueryRowContext(ctx, query, "甲", 41).Scan(&want, &wantN); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		text, n, prepares, executes := read()
		if text != want || n != wantN {
			t.Fatalf("run %d: %q %d, want %q %d as the text gives", i, text, n, want, wantN)
		}
		wantPrepares, wantExecutes := 1, i
		if onGalera(t, s) { // one statement per query, as its text (tx.go)
			wantPrepares, wantExecutes = 0, 0
		}
		if prepares != wantPrepares || executes != wantExecutes {
			t.Fatalf("run %d: %d PREPARE and %d EXECUTE on the connection, want %d and %d", i, prepares, executes, wantPrepares, wantExecutes)
		}
	}
}

// A transaction that fails where it carried a PREPARE leaves the
// connection to prepare again: here the PREPARE itself fails, for a table
// that does not exist yet, and once it exists the statement runs.
func TestPreparedStatementFailureForgets(t *testing.T) {
	s := testenv.DB(t)
	s.DB.SetMaxOpenConns(1)
	ctx := context.Background()
	query := store.Hot("SELECT COUNT(*) FROM prepared_later WHERE id > ?")
	count := func() (int, error) {
		var n int
		err := s.InTx(ctx, func(q *store.Queries) error {
			return q.Raw().QueryRowContext(ctx, query, 0).Scan(&n)
		})
		return n, err
	}
	if _, err := count(); err == nil {
		t.Fatal("a statement on a missing table ran")
	}
	if _, err := s.DB.ExecContext(ctx, "CREATE TABLE prepared_later (id BIGINT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.ExecContext(ctx, "INSERT INTO prepared_later VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	n, err := count()
	if err != nil || n != 2 {
		t.Fatalf("after the table exists: %d, %v; want 2 rows", n, err)
	}
}

// A statement is prepared byte for byte whatever the session's escaping
// rules: with NO_BACKSLASH_ESCAPES, a backslash in its text stays one.
func TestPreparedStatementKeepsItsTextUnderNoBackslashEscapes(t *testing.T) {
	s := testenv.DB(t)
	s.DB.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := s.DB.ExecContext(ctx, "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"); err != nil {
		t.Fatal(err)
	}
	query := store.Hot(`SELECT CONCAT('a\b', ?)`)
	var want, got string
	if err := s.DB.QueryRowContext(ctx, query, "c").Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want != `a\bc` {
		t.Fatalf("the text gives %q; the session does not keep backslashes", want)
	}
	if err := s.InTx(ctx, func(q *store.Queries) error {
		return q.Raw().QueryRowContext(ctx, query, "c").Scan(&got)
	}); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("prepared: %q, text: %q", got, want)
	}
}

// onGalera reports whether the test server is a Galera node.
func onGalera(t *testing.T, s *store.Store) bool {
	t.Helper()
	var on int
	if err := s.DB.QueryRow("SELECT @@GLOBAL.wsrep_on").Scan(&on); err != nil {
		t.Fatal(err)
	}
	return on == 1
}
