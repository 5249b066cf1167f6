package store

import "context"

// Raw is what q runs its statements on: the pool or a transaction, for
// the tests.
func (q *Queries) Raw() DBTX { return q.db }

// QueryTexts runs query, whose rows are one text each, the way the store
// reads its lists.
func QueryTexts(ctx context.Context, db DBTX, query string) ([]string, error) {
	return queryAll(ctx, db, scanText, query)
}

// QueryText runs query the way the store reads one row.
func QueryText(ctx context.Context, db DBTX, query string) (string, error) {
	return queryOne(ctx, db, scanText, query)
}

func scanText(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}
