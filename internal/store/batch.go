package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// A transition is a couple of dozen small statements; on a busy server
// their round trips, not their execution, are most of its cost. The reads
// and writes here send several statements in one round trip (the pool has
// multiStatements on; arguments are escaped by the driver as ever).

// stmt is one statement of a batch; a SELECT's result set goes to scan.
type stmt struct {
	query string
	args  []any
	scan  func(*sql.Rows) error
}

// readBatch runs the SELECTs of parts in one round trip and hands each
// result set, in order, to its part's scanner. Statements that return no
// rows (a locking INSERT before a SELECT) may only lead the batch.
func (q *Queries) readBatch(ctx context.Context, parts ...stmt) error {
	queries := make([]string, len(parts))
	var args []any
	for i, p := range parts {
		queries[i] = p.query
		args = append(args, p.args...)
	}
	rows, err := q.db.QueryContext(ctx, strings.Join(queries, ";\n"), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for i, p := range parts {
		if i > 0 && !rows.NextResultSet() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("batch: result set %d of %d missing", i+1, len(parts))
		}
		if err := p.scan(rows); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return rows.Close()
}

// execBatch runs statements that return no rows in one round trip and
// returns the rows affected by the last one.
func (q *Queries) execBatch(ctx context.Context, stmts ...stmt) (int64, error) {
	queries := make([]string, len(stmts))
	var args []any
	for i, s := range stmts {
		queries[i] = s.query
		args = append(args, s.args...)
	}
	res, err := q.db.ExecContext(ctx, strings.Join(queries, ";\n"), args...)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

// scanOne scans the single row of a result set with scan; no row is
// ErrNotFound.
func scanOne(scan func(interface{ Scan(...any) error }) error) func(*sql.Rows) error {
	return func(rows *sql.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return ErrNotFound
		}
		return scan(rows)
	}
}

// scanOptional is scanOne that leaves found false instead of failing when
// the result set is empty.
func scanOptional(found *bool, scan func(interface{ Scan(...any) error }) error) func(*sql.Rows) error {
	return func(rows *sql.Rows) error {
		err := scanOne(scan)(rows)
		*found = err == nil
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
}

// scanAll scans every row of a result set with scan.
func scanAll(scan func(interface{ Scan(...any) error }) error) func(*sql.Rows) error {
	return func(rows *sql.Rows) error {
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

// into appends every row of a result set, scanned by scan, to out.
func into[T any](out *[]T, scan func(interface{ Scan(...any) error }) (T, error)) func(*sql.Rows) error {
	return scanAll(func(s interface{ Scan(...any) error }) error {
		v, err := scan(s)
		if err != nil {
			return err
		}
		*out = append(*out, v)
		return nil
	})
}

// first sets *dst to the first row of a result set, scanned by scan, and
// leaves it nil when the set is empty.
func first[T any](dst **T, scan func(interface{ Scan(...any) error }) (T, error)) func(*sql.Rows) error {
	return func(rows *sql.Rows) error {
		if !rows.Next() {
			return rows.Err()
		}
		v, err := scan(rows)
		if err != nil {
			return err
		}
		*dst = &v
		return nil
	}
}
