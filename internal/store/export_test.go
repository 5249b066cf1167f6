package store

// Hot registers a statement for preparing (prepared.go), for the tests.
var Hot = hot

// CountPlaceholders is countPlaceholders, for the tests.
var CountPlaceholders = countPlaceholders

// Raw is what q runs its statements on: the pool or a transaction's
// connection, for the tests.
func (q *Queries) Raw() DBTX { return q.db }
