package store

// Raw is what q runs its statements on: the pool or a transaction, for
// the tests.
func (q *Queries) Raw() DBTX { return q.db }
