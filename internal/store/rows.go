package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs query on db and returns every row, scanned by scan.
func queryAll[T any](ctx context.Context, db DBTX, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := queryEach(ctx, db, scan, func(v T) error {
		out = append(out, v)
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// queryByKey runs query on db and returns every row, scanned by scan, by
// its key; a later row replaces an earlier one of the same key.
func queryByKey[K comparable, T any](ctx context.Context, db DBTX, scan func(scanner) (T, error), key func(T) K, query string, args ...any) (map[K]T, error) {
	out := map[K]T{}
	err := queryEach(ctx, db, scan, func(v T) error {
		out[key(v)] = v
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// queryEach runs query on db and calls fn with every row in order,
// scanned by scan; an error of fn's stops it.
func queryEach[T any](ctx context.Context, db DBTX, scan func(scanner) (T, error), fn func(T) error, query string, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return statementErr(rows, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// queryEachInto runs query on db and calls fn after scanning each row, in
// order, into dest, the same values every row: for long reads whose fn is
// done with a row before the next, without allocating a row's scan
// targets each time. An error of fn's stops it.
func queryEachInto(ctx context.Context, db DBTX, dest []any, fn func() error, query string, args ...any) error {
	scan := func(s scanner) (struct{}, error) { return struct{}{}, s.Scan(dest...) }
	return queryEach(ctx, db, scan, func(struct{}) error { return fn() }, query, args...)
}

// queryOne runs query on db and returns its first row, scanned by scan,
// or sql.ErrNoRows; as queryEach does, it reports the statement's own
// failure rather than the scan error of a row that failure cut short.
func queryOne[T any](ctx context.Context, db DBTX, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	var out T
	found := false
	err := queryEach(ctx, db, scan, func(v T) error {
		if !found {
			out, found = v, true
		}
		return nil
	}, query, args...)
	if err == nil && !found {
		err = sql.ErrNoRows
	}
	return out, err
}

// queryRow is queryOne for the getters: its error translated, so
// ErrNotFound when there is no row.
func queryRow[T any](ctx context.Context, db DBTX, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	v, err := queryOne(ctx, db, scan, query, args...)
	return v, translate(err)
}

// statementErr is the error of a statement one of whose rows would not
// scan. A row the server cut short can hold NULL where a subquery's value
// belongs: a Galera node aborts a local transaction that conflicts with a
// replicated write set while its statement runs, and the subqueries of the
// row being built then find nothing. The statement's own error (1213, which
// the transaction's retry knows) follows that row; it is the one to report.
func statementErr(rows *sql.Rows, scanErr error) error {
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return scanErr
}

// queryPairs runs a query of two columns on db and calls fn with every
// row's two values in order; an error of fn's stops it.
func queryPairs[A, B any](ctx context.Context, db DBTX, fn func(A, B) error, query string, args ...any) error {
	type pair struct {
		a A
		b B
	}
	return queryEach(ctx, db, func(s scanner) (pair, error) {
		var p pair
		err := s.Scan(&p.a, &p.b)
		return p, err
	}, func(p pair) error {
		return fn(p.a, p.b)
	}, query, args...)
}

// queryInto runs a query of two columns, a key and a value, on db and
// adds its rows to out.
func queryInto[K comparable, V any](ctx context.Context, db DBTX, out map[K]V, query string, args ...any) error {
	return queryPairs(ctx, db, func(k K, v V) error {
		out[k] = v
		return nil
	}, query, args...)
}

// scanInto scans a row into a new T, at the destinations dest gives.
func scanInto[T any](s scanner, dest func(*T) []any) (T, error) {
	var v T
	err := s.Scan(dest(&v)...)
	return v, err
}

// scanValue scans a row of one column.
func scanValue[T any](s scanner) (T, error) {
	var v T
	err := s.Scan(&v)
	return v, err
}

// optional turns a read that may find nothing (ErrNotFound) into a
// pointer, nil then.
func optional[T any](v T, err error) (*T, error) {
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
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

// ids runs a query of one column of ids and returns them.
func (q *Queries) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	return queryAll(ctx, q.db, scanValue[int64], query, args...)
}

// anyArgs returns values as statement arguments.
func anyArgs[T any](values []T) []any {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return args
}

// insertRows inserts rows with one multi-row INSERT per 500 rows; head is
// the statement up to VALUES.
func (q *Queries) insertRows(ctx context.Context, head string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), 500)
		query, args := valuesStatement(head, rows[:n])
		if _, err := q.db.ExecContext(ctx, query, args...); err != nil {
			return translate(err)
		}
		rows = rows[n:]
	}
	return nil
}

// valuesStatement is head followed by one VALUES tuple per row, and the
// rows' values as its arguments.
func valuesStatement(head string, rows [][]any) (string, []any) {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(" VALUES ")
	args := make([]any, 0, len(rows)*len(rows[0]))
	row := "(" + placeholders(len(rows[0])) + ")"
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
		args = append(args, r...)
	}
	return b.String(), args
}

// placeholders returns n comma-separated question marks.
func placeholders(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// insert runs an INSERT of one row and returns the row's id.
func (q *Queries) insert(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, translate(err)
	}
	return res.LastInsertId()
}
