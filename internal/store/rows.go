package store

import (
	"context"
	"database/sql"
	"errors"
)

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs query on db and returns every row, scanned by scan.
func queryAll[T any](ctx context.Context, db DBTX, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
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
	return queryAll(ctx, q.db, scanInt64, query, args...)
}

// scanInt64 scans a row of one integer column (an id).
func scanInt64(s scanner) (int64, error) {
	var n int64
	err := s.Scan(&n)
	return n, err
}

// int64Args returns ids as statement arguments.
func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}
