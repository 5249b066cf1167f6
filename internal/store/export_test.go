package store

import (
	"context"
	"time"
)

// Raw is what q runs its statements on: the pool or a transaction, for
// the tests.
func (q *Queries) Raw() DBTX { return q.db }

// SetCalendarClock sets the clock by which s trusts the calendar version
// it checked (CalendarTrust), for the tests.
func (s *Store) SetCalendarClock(now func() time.Time) { s.cal.now = now }

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

// AuditExportQuery is the statement and arguments of the audit export of
// what f selects, for the tests.
func AuditExportQuery(f AuditEventsFilter, limit int) (string, []any) {
	where, order, args := f.where(Scope{All: true})
	return "SELECT " + exportedAuditColumns + " FROM audit_events" + where + order + " LIMIT ?", append(args, limit)
}
