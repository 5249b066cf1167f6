package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"
)

// InTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise (an error, a panic, a cancelled context).
func (s *Store) InTx(ctx context.Context, fn func(q *Queries) error) error {
	return s.run(ctx, nil, fn)
}

// InClaimTx runs fn in a READ COMMITTED transaction, for claiming rows with
// FOR UPDATE SKIP LOCKED: without gap locks, instances claiming and
// updating rows of the same index never block or deadlock one another.
func (s *Store) InClaimTx(ctx context.Context, fn func(q *Queries) error) error {
	return s.run(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, fn)
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
func (s *Store) run(ctx context.Context, opts *sql.TxOptions, fn func(q *Queries) error) error {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := s.attempt(ctx, opts, fn)
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

// attempt runs fn once in a transaction of its own.
func (s *Store) attempt(ctx context.Context, opts *sql.TxOptions, fn func(q *Queries) error) error {
	tx, err := s.DB.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Rolls back unless the commit below ran; after a commit it does
	// nothing.
	defer tx.Rollback()
	q := &Queries{db: tx, tx: true, cal: s.cal, sealer: s.sealer, suite: s.suite, orgWrites: &s.orgWrites}
	if err := fn(q); err != nil {
		return err
	}
	if q.batch != nil {
		if err := q.batch.Flush(ctx); err != nil {
			return err
		}
	}
	err = tx.Commit()
	if q.orgsWritten {
		// Counted once committed, or once a commit's outcome is unknown:
		// a list read before the count moved is not trusted after it.
		s.orgWrites.Add(1)
	}
	if err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	if q.calWritten {
		// Seen at once on this instance (CalendarTrust).
		s.cal.changed()
	}
	return nil
}
