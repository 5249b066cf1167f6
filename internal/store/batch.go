package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// A Batch collects the row writes of many like steps of one transaction
// and sends them as a few multi-row statements, instead of a round trip
// per row. The deadline engine fires up to a page of due deadlines in one
// claim transaction: each firing writes a timeline event, an audit event,
// the review's row and its notices, and one statement per row would make
// the round trips, not the work, the cost of a page.
//
// While a transaction's batch is open (Queries.StartBatch), these methods
// collect their writes instead of sending them:
//
//   - InsertReviewEvent (the id it returns is then 0);
//   - AppendAuditEvent of a review's stream: LockAuditHead answers for
//     such a stream from the batch, so a chain's links are computed in Go,
//     in order, each on the last;
//   - UpdateReview: the version checks are made by the statement that
//     writes the rows, which fails with ErrStale, and the transaction with
//     it, when a review is not at the version its change was made from;
//   - NotifyUsers and NotifyParties (the recipients are still picked by
//     the statement that inserts the notices).
//
// Everything else runs at once. The collected writes are sent by Flush
// and, at the latest, before the transaction commits. Reads see none of
// them until then: a step that reads what an earlier one collected must
// Flush first (the engine does before it locks again a review it fired
// on). A review may be updated only once between flushes. Savepoint and
// RollbackToSavepoint forget the writes collected since the savepoint.
//
// Every statement is a single statement: no query carries two.
type Batch struct {
	q       *Queries
	events  []ReviewEvent
	audits  []AuditEvent
	updates []reviewUpdate
	notices []noticeRows
	// heads are review chains' heads as the database holds them, read by
	// LockAuditHead or written by Flush.
	heads map[int64]auditHead
	// marks are the collected counts at each savepoint set since the
	// last Flush.
	marks map[string]batchMark
}

type reviewUpdate struct {
	id      int64
	version int
	change  ReviewChange
	at      time.Time
}

// noticeRows is the SELECT of some notification rows (user_id, review_id,
// kind, title, body, created_at) with its arguments.
type noticeRows struct {
	query string
	args  []any
}

type auditHead struct {
	seq  int64
	hash string
}

type batchMark struct {
	events, audits, updates, notices int
}

// StartBatch opens the transaction's batch: the writes listed at Batch are
// collected from now on and sent at Flush or before the commit. Outside
// a transaction it panics.
func (q *Queries) StartBatch() *Batch {
	if !q.tx {
		panic("store: StartBatch outside a transaction")
	}
	if q.batch == nil {
		q.batch = &Batch{q: q, heads: map[int64]auditHead{}, marks: map[string]batchMark{}}
	}
	return q.batch
}

// Flush sends the collected writes: the timeline events, the audit events,
// the reviews' rows and their audit heads, each kind in multi-row
// statements of up to 500 rows, and the notices, up to 100 SELECTs of them
// in a statement. After an error the transaction must be rolled back.
func (b *Batch) Flush(ctx context.Context) error {
	if err := b.q.insertRows(ctx, reviewEventInsert, eventRows(b.events)); err != nil {
		return fmt.Errorf("timeline events: %w", err)
	}
	if err := b.q.insertRows(ctx, auditEventInsert, auditRows(b.audits)); err != nil {
		return fmt.Errorf("audit events: %w", err)
	}
	if err := b.updateReviews(ctx); err != nil {
		return err
	}
	if err := b.moveHeads(ctx); err != nil {
		return err
	}
	if err := b.insertNotices(ctx); err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	b.events, b.audits, b.updates, b.notices = nil, nil, nil, nil
	b.marks = map[string]batchMark{}
	return nil
}

// updateReviews writes the collected review changes, each checked against
// the version it was made from.
func (b *Batch) updateReviews(ctx context.Context) error {
	for rest := b.updates; len(rest) > 0; {
		n := min(len(rest), 500)
		rows := make([][]any, n)
		for i, u := range rest[:n] {
			c := u.change
			rows[i] = []any{u.id, u.version, c.State, c.Round, c.AuditedAmount, nullInt(c.FirmID), nullInt(c.SupervisorID),
				c.Suspended, c.AppealUsed, c.Outcome, nullInt(c.FeeScheduleID), c.DelegatedAt, c.SubmittedAt, c.ConcludedAt, u.at}
		}
		v, args := selectRows([]string{"id", "version", "state", "round", "audited_amount", "firm_id", "supervisor_id",
			"suspended", "appeal_used", "outcome", "fee_schedule_id", "delegated_at", "submitted_at", "concluded_at", "updated_at"}, rows)
		res, err := b.q.db.ExecContext(ctx, `UPDATE reviews r JOIN (`+v+`) v ON r.id = v.id AND r.version = v.version
			SET r.state = v.state, r.round = v.round, r.audited_amount = v.audited_amount, r.firm_id = v.firm_id,
			  r.supervisor_id = v.supervisor_id, r.suspended = v.suspended, r.appeal_used = v.appeal_used, r.outcome = v.outcome,
			  r.fee_schedule_id = v.fee_schedule_id, r.delegated_at = v.delegated_at, r.submitted_at = v.submitted_at,
			  r.concluded_at = v.concluded_at, r.version = r.version + 1, r.updated_at = v.updated_at`, args...)
		if err != nil {
			return fmt.Errorf("update reviews: %w", translate(err))
		}
		// Each row's version moves, so every row the join matched changed.
		if changed, err := res.RowsAffected(); err != nil {
			return err
		} else if changed != int64(n) {
			return ErrStale
		}
		rest = rest[n:]
	}
	return nil
}

// moveHeads moves the reviews' audit heads to their last collected links.
func (b *Batch) moveHeads(ctx context.Context) error {
	last := map[int64]auditHead{}
	var order []int64
	for _, e := range b.audits {
		id, _ := streamReview(e.Stream)
		if _, seen := last[id]; !seen {
			order = append(order, id)
		}
		last[id] = auditHead{seq: e.Seq, hash: e.Hash}
	}
	for len(order) > 0 {
		n := min(len(order), 500)
		rows := make([][]any, n)
		for i, id := range order[:n] {
			rows[i] = []any{id, last[id].seq, last[id].hash}
		}
		v, args := selectRows([]string{"id", "seq", "hash"}, rows)
		if _, err := b.q.db.ExecContext(ctx, "UPDATE reviews r JOIN ("+v+") v ON r.id = v.id SET r.audit_seq = v.seq, r.audit_hash = v.hash",
			args...); err != nil {
			return fmt.Errorf("audit heads: %w", translate(err))
		}
		order = order[n:]
	}
	for id, h := range last {
		b.heads[id] = h
	}
	return nil
}

// insertNotices inserts the collected notices, up to 100 SELECTs of them
// in a statement.
func (b *Batch) insertNotices(ctx context.Context) error {
	for rest := b.notices; len(rest) > 0; {
		n := min(len(rest), 100)
		parts := make([]string, n)
		var args []any
		for i, r := range rest[:n] {
			parts[i] = r.query
			args = append(args, r.args...)
		}
		if _, err := b.q.db.ExecContext(ctx, noticeInsert+strings.Join(parts, "\nUNION ALL "), args...); err != nil {
			return translate(err)
		}
		rest = rest[n:]
	}
	return nil
}

// head returns the head of review id's chain: its last collected link,
// else the head as stored, read once.
func (b *Batch) head(ctx context.Context, id int64) (auditHead, error) {
	for i := len(b.audits) - 1; i >= 0; i-- {
		if e := b.audits[i]; e.Stream == ReviewStream(id) {
			return auditHead{seq: e.Seq, hash: e.Hash}, nil
		}
	}
	if h, ok := b.heads[id]; ok {
		return h, nil
	}
	var h auditHead
	err := b.q.db.QueryRowContext(ctx, "SELECT audit_seq, audit_hash FROM reviews WHERE id = ? FOR UPDATE", id).Scan(&h.seq, &h.hash)
	if err != nil {
		return h, translate(err)
	}
	b.heads[id] = h
	return h, nil
}

// addUpdate collects a review change.
func (b *Batch) addUpdate(u reviewUpdate) error {
	for _, o := range b.updates {
		if o.id == u.id {
			return fmt.Errorf("review %d updated twice in one batch: Flush between", u.id)
		}
	}
	b.updates = append(b.updates, u)
	return nil
}

// mark remembers the collected counts at savepoint name.
func (b *Batch) mark(name string) {
	b.marks[name] = batchMark{events: len(b.events), audits: len(b.audits), updates: len(b.updates), notices: len(b.notices)}
}

// rollBack forgets the writes collected since savepoint name (all of them
// when it was set before the last Flush), and the heads read since: a
// rollback to a savepoint set before a Flush undoes part of what it sent.
func (b *Batch) rollBack(name string) {
	m := b.marks[name] // none when set before the last Flush: forget all
	b.events, b.audits, b.updates, b.notices = b.events[:m.events], b.audits[:m.audits], b.updates[:m.updates], b.notices[:m.notices]
	b.heads = map[int64]auditHead{}
}

// selectRows is a derived table of rows, its columns named by names: one
// SELECT per row joined by UNION ALL, and the rows' values as arguments.
func selectRows(names []string, rows [][]any) (string, []any) {
	var s strings.Builder
	args := make([]any, 0, len(rows)*len(names))
	for i, r := range rows {
		if i > 0 {
			s.WriteString(" UNION ALL ")
		}
		s.WriteString("SELECT ")
		for j := range r {
			if j > 0 {
				s.WriteString(", ")
			}
			s.WriteByte('?')
			if i == 0 {
				s.WriteString(" AS " + names[j])
			}
		}
		args = append(args, r...)
	}
	return s.String(), args
}
