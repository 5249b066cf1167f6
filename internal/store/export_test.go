package store

import "time"

// Raw is what q runs its statements on: the pool or a transaction, for
// the tests.
func (q *Queries) Raw() DBTX { return q.db }

// SetCalendarClock sets the clock by which s trusts the calendar version
// it checked (CalendarTrust), for the tests.
func (s *Store) SetCalendarClock(now func() time.Time) { s.cal.now = now }
