package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"time"
)

// A transaction holds one pooled connection and sends its statements with
// as few round trips as their answers allow:
//   - START TRANSACTION travels with the first statement;
//   - writes whose outcome nothing waits for (timeline and audit events,
//     notifications, savepoints) are deferred with later and travel with the
//     next statement; so are a claim's review UPDATEs, whose version checks
//     the commit reads first (DeferReviewUpdates);
//   - COMMIT travels with the last deferred writes, or ahead of the reads of
//     the caller's answer (InTxThen).
//
// A batch stops at its first failing statement, so a write that fails
// fails the statement it travels with, and a COMMIT behind it never runs.

// InTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(q *Queries) error) error {
	return s.run(ctx, "", fn, nil)
}

// InClaimTx runs fn in a READ COMMITTED transaction, for claiming rows with
// FOR UPDATE SKIP LOCKED: without gap locks, instances claiming and
// updating rows of the same index never block or deadlock one another.
func (s *Store) InClaimTx(ctx context.Context, fn func(q *Queries) error) error {
	return s.run(ctx, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", fn, nil)
}

// InTxThen runs fn as InTx does, then then on the same connection once the
// transaction has committed: then's first query carries the COMMIT, so an
// answer read after a write costs no round trip of its own. InTxThen
// reports the transaction's outcome; then keeps its own errors, and when
// InTxThen returns nil the transaction has committed whatever then met.
func (s *Store) InTxThen(ctx context.Context, fn func(q *Queries) error, then func(q *Queries)) error {
	return s.run(ctx, "", fn, then)
}

// TxRetryFor bounds how long a transaction that keeps losing to
// conflicting ones is run again: with many writers of one row on
// different Galera nodes, each round of certification lets one node's
// writer through, and the others try again.
const TxRetryFor = 20 * time.Second

// run runs the transaction again, from fn, when it lost a deadlock: InnoDB
// chose it as the victim or, on a Galera cluster, another node's write set
// won certification (both error 1213, the transaction rolled back whole).
// Every kind of transaction is retried here and nowhere else (a single
// statement outside one, by pool.ExecContext): fn must decide its outcome
// afresh from what it reads, as a single server's serialization would
// have it, and keep no effects outside the transaction between attempts.
func (s *Store) run(ctx context.Context, setup string, fn func(q *Queries) error, then func(q *Queries)) error {
	var err error
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err = s.attempt(ctx, setup, fn, then)
		if !IsDeadlock(err) || ctx.Err() != nil || time.Since(start) > TxRetryFor {
			return err
		}
		s.retries.Add(1)
		if !pauseBeforeRetry(ctx, attempt) {
			return err
		}
	}
}

// pauseBeforeRetry waits a short pause, growing with attempt and spread,
// so that the writes that collided do not collide again in step; false
// when ctx ended first.
func pauseBeforeRetry(ctx context.Context, attempt int) bool {
	step := min(time.Duration(attempt*attempt)*time.Millisecond, 50*time.Millisecond)
	pause := step + rand.N(step+time.Millisecond)
	select {
	case <-ctx.Done():
		return false
	case <-time.After(pause):
		return true
	}
}

// Retries counts the transactions run again after a deadlock since start.
func (s *Store) Retries() int64 { return s.retries.Load() }

func (s *Store) attempt(ctx context.Context, setup string, fn func(q *Queries) error, then func(q *Queries)) (err error) {
	// Asked before the transaction takes its connection: a pool of one
	// would otherwise wait for itself.
	oneByOne := s.onGalera(ctx)
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	c := &txConn{conn: conn, oneByOne: oneByOne}
	_ = conn.Raw(func(dc any) error {
		c.pc, _ = dc.(*preparedConn)
		return nil
	})
	if setup != "" {
		c.pending = append(c.pending, stmt{query: setup})
	}
	c.pending = append(c.pending, stmt{query: "START TRANSACTION"})
	c.begin = len(c.pending)
	defer c.end(ctx)
	q := &Queries{db: c, cal: s.cal, sealer: s.sealer, suite: s.suite}
	if err := fn(q); err != nil {
		return err
	}
	if then == nil {
		return c.commit(ctx)
	}
	c.commitNext = true
	then(q)
	if c.commitErr != nil {
		return fmt.Errorf("commit: %w", translate(c.commitErr))
	}
	if !c.committed {
		// then sent nothing that could carry the COMMIT.
		return c.commit(ctx)
	}
	return nil
}

// txConn is a transaction's connection.
type txConn struct {
	conn *sql.Conn
	// pc is the driver connection when it runs prepared statements (see
	// prepared.go); preparing is set once a batch carried a PREPARE.
	pc        *preparedConn
	preparing bool
	pending   []stmt
	// begin counts the leading pending statements that open the
	// transaction; sent is set once anything went to the server.
	begin int
	sent  bool
	// commitNext makes the next query commit first (InTxThen); committed
	// is set once COMMIT ran, and commitErr when the batch carrying it
	// failed before it.
	commitNext bool
	committed  bool
	commitErr  error
	// checked is set once the transaction deferred a review UPDATE whose
	// version check the commit must read (DeferReviewUpdates).
	checked bool
	// oneByOne sends each statement in a query of its own, as on a Galera
	// node: there a transaction that loses a certification conflict is
	// rolled back at once, from another thread, and the statements of the
	// query it was running that come after the abort run outside any
	// transaction, each committed on its own (measured: with issuers on
	// two nodes, audit events and heads of aborted transactions kept and
	// the chains broken; deadlines fired twice). Nothing is deferred then:
	// every write goes at once and fails the transaction where it stands.
	oneByOne bool
}

// take makes one query of the pending statements and then those given,
// each registered statement as the EXECUTE of its prepared copy, preceded
// by the PREPAREs the connection still lacks.
func (c *txConn) take(then ...stmt) (string, []any) {
	c.sent = true
	stmts := append(c.pending, then...)
	c.pending = nil
	if c.oneByOne {
		// Only the statements that open the transaction lead the first
		// one (nothing is held before it runs), and the COMMIT leads the
		// reads after it: no statement follows a write it could outlive.
		return joinStmts(stmts)
	}
	if c.pc == nil {
		return joinStmts(stmts)
	}
	var prepares []stmt
	for i := range stmts {
		send, prepare := c.pc.swap(stmts[i].query)
		stmts[i].query = send
		if prepare != "" {
			prepares = append(prepares, stmt{query: prepare})
		}
	}
	if len(prepares) > 0 {
		c.preparing = true
		stmts = append(prepares, stmts...)
	}
	return joinStmts(stmts)
}

// one is a caller's statement for take.
func one(query string, args []any) stmt { return stmt{query: query, args: args} }

func (c *txConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := c.commitFirst(ctx); err != nil {
		return nil, err
	}
	query, args = c.take(one(query, args))
	return c.conn.ExecContext(ctx, query, args...)
}

func (c *txConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.queryStmts(ctx, one(query, args))
}

// queryStmts runs stmts in one round trip, the result sets in order.
func (c *txConn) queryStmts(ctx context.Context, stmts ...stmt) (*sql.Rows, error) {
	if !c.commitNext {
		query, args := c.take(stmts...)
		return c.conn.QueryContext(ctx, query, args...)
	}
	// COMMIT, then a one-row marker, then the caller's reads: the query
	// answers only when every statement up to the marker ran, so an error
	// here means the transaction did not commit.
	c.commitNext = false
	if err := c.verify(ctx); err != nil {
		c.commitErr = err
		return nil, err
	}
	c.pending = append(c.pending, stmt{query: "COMMIT"}, stmt{query: "SELECT 1"})
	query, args := c.take(stmts...)
	rows, err := c.conn.QueryContext(ctx, query, args...)
	if err != nil {
		c.commitErr = err
		return nil, err
	}
	c.committed = true
	if !rows.NextResultSet() {
		err := rows.Err()
		rows.Close()
		if err == nil {
			err = fmt.Errorf("batch: the reads after COMMIT returned nothing")
		}
		return nil, err
	}
	return rows, nil
}

func (c *txConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := c.commitFirst(ctx); err != nil {
		c.commitErr = err
	}
	query, args = c.take(one(query, args))
	return c.conn.QueryRowContext(ctx, query, args...)
}

// commitFirst commits on its own when a statement that cannot carry the
// COMMIT comes first after InTxThen's fn.
func (c *txConn) commitFirst(ctx context.Context) error {
	if !c.commitNext {
		return nil
	}
	c.commitNext = false
	if err := c.commit(ctx); err != nil {
		c.commitErr = err
		return err
	}
	return nil
}

// commit sends the deferred writes and COMMIT in one round trip.
func (c *txConn) commit(ctx context.Context) error {
	if !c.sent && len(c.pending) == c.begin {
		c.committed = true // nothing was ever sent: nothing to commit
		c.pending = nil
		return nil
	}
	if err := c.verify(ctx); err != nil {
		return err
	}
	c.pending = append(c.pending, stmt{query: "COMMIT"})
	query, args := c.take()
	if _, err := c.conn.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	c.committed = true
	return nil
}

// verify sends the deferred writes with a read of the count of deferred
// review UPDATEs that changed no row, and fails with ErrStale
// unless it is zero (see DeferReviewUpdates).
func (c *txConn) verify(ctx context.Context) error {
	if !c.checked {
		return nil
	}
	var stale sql.NullInt64
	query, args := c.take(one("SELECT @fr_before + @fr_stale", nil))
	if err := c.conn.QueryRowContext(ctx, query, args...).Scan(&stale); err != nil {
		return translate(err)
	}
	if !stale.Valid || stale.Int64 != 0 {
		return ErrStale
	}
	return nil
}

// end rolls back what did not commit and returns the connection to the
// pool; a connection that cannot say ROLLBACK is closed, never reused
// with a transaction open.
func (c *txConn) end(ctx context.Context) {
	if c.preparing && !c.committed {
		// A batch that failed may have stopped before a PREPARE it carried.
		c.pc.forget()
	}
	if c.sent && !c.committed {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, err := c.conn.ExecContext(rctx, "ROLLBACK")
		cancel()
		if err != nil {
			_ = c.conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	_ = c.conn.Close()
}
