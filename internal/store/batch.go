package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// A transition is a couple of dozen small statements, and each round trip
// costs both processes system calls and a wake-up. The reads and writes
// here send several statements in one round trip (the pool has
// multiStatements on; arguments are escaped by the driver as ever).

// stmt is one statement of a batch; a SELECT's result set goes to scan.
type stmt struct {
	query string
	args  []any
	scan  func(*sql.Rows) error
	// headMove marks the deferred move of a review's audit head, which that
	// review's own UPDATE may carry instead (UpdateReview).
	headMove *headMove
	// rowsOf marks a deferred INSERT … SELECT into that table; rows is its
	// SELECT, which a following insert of the same table may join.
	rowsOf, rows string
}

// readBatch runs the SELECTs of parts in one round trip and hands each
// result set, in order, to its part's scanner. Statements that return no
// rows (a locking INSERT before a SELECT) may only lead the batch.
func (q *Queries) readBatch(ctx context.Context, parts ...stmt) error {
	var rows *sql.Rows
	var err error
	if c, ok := q.db.(*txConn); ok {
		rows, err = c.queryStmts(ctx, parts...)
	} else {
		query, args := joinStmts(parts)
		rows, err = q.db.QueryContext(ctx, query, args...)
	}
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

// changed returns none when an UPDATE or DELETE changed no row, and the
// statement's own error otherwise.
func changed(res sql.Result, err error, none error) error {
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}

// joinStmts makes one multi-statement query of stmts, their arguments in
// order.
func joinStmts(stmts []stmt) (string, []any) {
	queries := make([]string, len(stmts))
	var args []any
	for i, s := range stmts {
		queries[i] = s.query
		args = append(args, s.args...)
	}
	return strings.Join(queries, ";\n"), args
}

// inTx reports whether q runs inside a transaction.
func (q *Queries) inTx() bool {
	_, ok := q.db.(*txConn)
	return ok
}

// scanOptional scans the first row of a result set with scan and sets
// found; an empty result set leaves found false.
func scanOptional(found *bool, scan func(interface{ Scan(...any) error }) error) func(*sql.Rows) error {
	return func(rows *sql.Rows) error {
		*found = rows.Next()
		if !*found {
			return rows.Err()
		}
		return scan(rows)
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

// later defers a write to the transaction's next round trip; outside a
// transaction it runs at once.
func (q *Queries) later(ctx context.Context, s stmt) error {
	if c, ok := q.db.(*txConn); ok && !c.oneByOne {
		// Rows for the table the last deferred INSERT … SELECT fills join
		// it, UNION ALL: one statement, the rows in the same order.
		if n := len(c.pending); n > 0 && s.rowsOf != "" && c.pending[n-1].rowsOf == s.rowsOf {
			last := &c.pending[n-1]
			last.query += "\nUNION ALL " + s.rows
			last.args = append(last.args, s.args...)
			return nil
		}
		c.pending = append(c.pending, s)
		return nil
	}
	_, err := q.db.ExecContext(ctx, s.query, s.args...)
	return translate(err)
}
