package store

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is what an audit event says happened: who did what, on
// which review and object, with details. Callers hand the details as any
// value to record (audit.Entry); an event keeps them as JSON text.
type AuditEntry[D any] struct {
	ActorID    int64
	ActorName  string
	Action     string
	ReviewID   int64
	ObjectType string
	ObjectID   string
	Detail     D
}

// AuditEvent is one link of a hash chain.
type AuditEvent struct {
	ID     int64
	Stream string
	Seq    int64
	At     time.Time
	AuditEntry[string]
	PrevHash string
	Hash     string
}

// LockAuditHead returns the head of a stream, locked until the transaction
// ends; a stream seen for the first time starts at seq 0 with an empty hash.
// A review's stream ("review:<id>") keeps its head on the review's row.
func (q *Queries) LockAuditHead(ctx context.Context, stream string) (seq int64, hash string, err error) {
	if id, ok := streamReview(stream); ok {
		if q.batch != nil {
			h, err := q.batch.head(ctx, id)
			return h.seq, h.hash, err
		}
		err = q.db.QueryRowContext(ctx, "SELECT audit_seq, audit_hash FROM reviews WHERE id = ? FOR UPDATE", id).Scan(&seq, &hash)
		return seq, hash, translate(err)
	}
	// ON DUPLICATE KEY UPDATE takes the row's exclusive lock at once; INSERT
	// IGNORE would take a shared one first, and two appenders upgrading
	// their shared locks deadlock.
	if _, err := q.db.ExecContext(ctx, "INSERT INTO audit_heads (stream, seq, hash) VALUES (?, 0, '') ON DUPLICATE KEY UPDATE seq = seq", stream); err != nil {
		return 0, "", translate(err)
	}
	err = q.db.QueryRowContext(ctx, "SELECT seq, hash FROM audit_heads WHERE stream = ? FOR UPDATE", stream).Scan(&seq, &hash)
	return seq, hash, translate(err)
}

// streamReview returns the review of a "review:<id>" stream.
func streamReview(stream string) (int64, bool) {
	rest, ok := strings.CutPrefix(stream, "review:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// AppendAuditEvent inserts an event and moves its stream's head to it; the
// caller holds the head locked (LockAuditHead). In a batch (batch.go) an
// event of a review's stream, and its head's move, wait for the batch's
// Flush.
func (q *Queries) AppendAuditEvent(ctx context.Context, e AuditEvent) error {
	id, ofReview := streamReview(e.Stream)
	if ofReview && q.batch != nil {
		q.batch.audits = append(q.batch.audits, e)
		return nil
	}
	query, args := valuesStatement(auditEventInsert, auditRows([]AuditEvent{e}))
	if _, err := q.db.ExecContext(ctx, query, args...); err != nil {
		return translate(err)
	}
	var err error
	if ofReview {
		_, err = q.db.ExecContext(ctx, "UPDATE reviews SET audit_seq = ?, audit_hash = ? WHERE id = ?", e.Seq, e.Hash, id)
	} else {
		_, err = q.db.ExecContext(ctx, "UPDATE audit_heads SET seq = ?, hash = ? WHERE stream = ?", e.Seq, e.Hash, e.Stream)
	}
	return translate(err)
}

const auditEventInsert = "INSERT INTO audit_events (stream, seq, at, actor_id, actor_name, action, review_id, object_type, object_id, detail, prev_hash, hash)"

// auditRows are the values of auditEventInsert for events.
func auditRows(events []AuditEvent) [][]any {
	rows := make([][]any, len(events))
	for i, e := range events {
		rows[i] = []any{e.Stream, e.Seq, e.At, nullInt(e.ActorID), e.ActorName, e.Action, nullInt(e.ReviewID),
			e.ObjectType, e.ObjectID, e.Detail, e.PrevHash, e.Hash}
	}
	return rows
}

// AuditHead is the last link of a stream as stored: its seq (the number
// of events in the stream) and hash.
type AuditHead struct {
	Seq  int64
	Hash string
}

// AuditHeads returns every stream's stored head.
func (q *Queries) AuditHeads(ctx context.Context) (map[string]AuditHead, error) {
	return q.heads(ctx, `SELECT stream, seq, hash FROM audit_heads
		UNION ALL SELECT CONCAT('review:', id), audit_seq, audit_hash FROM reviews WHERE audit_seq > 0`)
}

// heads runs a query of (stream, seq, hash) and returns the heads by stream.
func (q *Queries) heads(ctx context.Context, query string) (map[string]AuditHead, error) {
	out := map[string]AuditHead{}
	err := queryEach(ctx, q.db, func(s scanner) (AnchorHead, error) {
		var h AnchorHead // of no anchor
		err := s.Scan(&h.Stream, &h.Seq, &h.Hash)
		return h, err
	}, func(h AnchorHead) error {
		out[h.Stream] = h.AuditHead
		return nil
	}, query)
	return out, err
}

// AnchorHead is a stream's head as an anchor vouched for it.
type AnchorHead struct {
	AnchorSeq int64
	Stream    string
	AuditHead
}

// InsertAnchorHeads records the heads an anchor vouches for.
func (q *Queries) InsertAnchorHeads(ctx context.Context, heads []AnchorHead) error {
	const batch = 500
	for len(heads) > 0 {
		n := min(batch, len(heads))
		var b strings.Builder
		b.WriteString("INSERT INTO audit_anchor_heads (anchor_seq, stream, seq, hash) VALUES ")
		args := make([]any, 0, 4*n)
		for i, h := range heads[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?)")
			args = append(args, h.AnchorSeq, h.Stream, h.Seq, h.Hash)
		}
		if _, err := q.db.ExecContext(ctx, b.String(), args...); err != nil {
			return translate(err)
		}
		heads = heads[n:]
	}
	return nil
}

// AnchoredHeads returns, for every stream an anchor vouched for, the head
// of the latest anchor that did.
func (q *Queries) AnchoredHeads(ctx context.Context) (map[string]AuditHead, error) {
	return q.heads(ctx, `SELECT h.stream, h.seq, h.hash FROM audit_anchor_heads h
		JOIN (SELECT stream, MAX(anchor_seq) AS anchor_seq FROM audit_anchor_heads GROUP BY stream) l
		  ON l.stream = h.stream AND l.anchor_seq = h.anchor_seq`)
}

// EachAnchorHead calls fn for every head any anchor vouched for, ordered
// by anchor.
func (q *Queries) EachAnchorHead(ctx context.Context, fn func(AnchorHead) error) error {
	return queryEach(ctx, q.db, scanAnchorHead, fn, "SELECT anchor_seq, stream, seq, hash FROM audit_anchor_heads ORDER BY anchor_seq, stream")
}

func scanAnchorHead(s scanner) (AnchorHead, error) {
	var h AnchorHead
	err := s.Scan(&h.AnchorSeq, &h.Stream, &h.Seq, &h.Hash)
	return h, err
}

// StreamEvents returns a stream's events in order (the anchors, say).
func (q *Queries) StreamEvents(ctx context.Context, stream string) ([]AuditEvent, error) {
	return queryAll(ctx, q.db, scanAudit, "SELECT "+auditColumns+" FROM audit_events WHERE stream = ? ORDER BY seq", stream)
}

const auditColumns = "id, stream, seq, at, COALESCE(actor_id,0), actor_name, action, COALESCE(review_id,0), object_type, object_id, detail, prev_hash, hash"

func scanAudit(s scanner) (AuditEvent, error) { return scanInto(s, auditFields) }

// auditFields are the fields of e that auditColumns scan into.
func auditFields(e *AuditEvent) []any {
	return []any{&e.ID, &e.Stream, &e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.ReviewID,
		&e.ObjectType, &e.ObjectID, &e.Detail, &e.PrevHash, &e.Hash}
}

// eachAudit calls fn for every event query selects (auditColumns), in
// order, scanning each into the same event: the trail's long reads (its
// verification, the export) allocate nothing per event but its values.
func eachAudit(ctx context.Context, db DBTX, fn func(AuditEvent) error, query string, args ...any) error {
	var e AuditEvent
	return queryEachInto(ctx, db, auditFields(&e), func() error { return fn(e) }, query, args...)
}

// EachAuditEvent calls fn for every event, ordered by stream and seq.
func (q *Queries) EachAuditEvent(ctx context.Context, fn func(AuditEvent) error) error {
	return eachAudit(ctx, q.db, fn, "SELECT "+auditColumns+" FROM audit_events ORDER BY stream, seq")
}

// AuditEventsFilter narrows the audit log listing.
type AuditEventsFilter struct {
	ReviewID int64
	ActorID  int64
	Action   string
	// From and To bound the events' time: at or after From, before To
	// (zero: unbounded).
	From, To time.Time
	Limit    int
	Offset   int
	// CountTo bounds the count AuditEvents returns: exact below it,
	// CountTo when as many or more match (0: count them all). The trail
	// grows by millions of events; counting all of them on every page of
	// the audit log read every index entry.
	CountTo int
}

// where is the condition and the order of the events the scope sees that
// f selects: newest first by time, a review's events in its stream's
// order. Every index of the trail but its streams' ends in its time (and
// the id after it), so a listing by time reads its index in order
// whatever it filters by: a period, an action, an actor, or none. By id,
// a filtered listing sorted every event it matched (a week's export: 60,000
// events of a province, sorted before the first left the database).
func (f AuditEventsFilter) where(sc Scope) (where, order string, args []any) {
	w, args := sc.auditWhere()
	where, order = " a WHERE "+w, " ORDER BY at DESC, id DESC"
	if f.ReviewID != 0 {
		// A review's events are its stream's, in the order of their seq.
		where, order = where+" AND stream = ?", " ORDER BY seq DESC"
		args = append(args, ReviewStream(f.ReviewID))
	}
	if f.ActorID != 0 {
		where += " AND actor_id = ?"
		args = append(args, f.ActorID)
	}
	if f.Action != "" {
		where += " AND action = ?"
		args = append(args, f.Action)
	}
	if !f.From.IsZero() {
		where += " AND at >= ?"
		args = append(args, f.From)
	}
	if !f.To.IsZero() {
		where += " AND at < ?"
		args = append(args, f.To)
	}
	return where, order, args
}

// AuditEvents lists the events the scope sees, newest first, with their
// count (bounded by f.CountTo).
func (q *Queries) AuditEvents(ctx context.Context, sc Scope, f AuditEventsFilter) ([]AuditEvent, int, error) {
	where, order, args := f.where(sc)
	count := "SELECT COUNT(*) FROM audit_events" + where
	countArgs := args
	if f.CountTo > 0 {
		count = "SELECT COUNT(*) FROM (SELECT 1 FROM audit_events" + where + " LIMIT ?) t"
		countArgs = append(args[:len(args):len(args)], f.CountTo)
	}
	var total int
	if err := q.db.QueryRowContext(ctx, count, countArgs...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	out, err := queryAll(ctx, q.db, scanAudit, "SELECT "+auditColumns+" FROM audit_events"+where+order+" LIMIT ? OFFSET ?",
		append(args, f.Limit, f.Offset)...)
	return out, total, err
}

// EachAuditEventOf calls fn for the first limit events the scope sees that
// f selects, in the listing's order, as one query read as it arrives: an
// export of 100,000 events neither counts them nor pages through them.
// An event holds what the export shows (exportedAuditColumns): its place
// in its chain (Stream, Seq, PrevHash) and its ActorID are left zero.
func (q *Queries) EachAuditEventOf(ctx context.Context, sc Scope, f AuditEventsFilter, limit int, fn func(AuditEvent) error) error {
	where, order, args := f.where(sc)
	var e AuditEvent
	fields := []any{&e.ID, &e.At, &e.ActorName, &e.Action, &e.ReviewID, &e.ObjectType, &e.ObjectID, &e.Detail, &e.Hash}
	return queryEachInto(ctx, q.db, fields, func() error { return fn(e) },
		"SELECT "+exportedAuditColumns+" FROM audit_events"+where+order+" LIMIT ?", append(args, limit)...)
}

// exportedAuditColumns are the columns of an event the audit export shows;
// the others (the previous hash alone is 64 bytes an event) would be read
// for nothing.
const exportedAuditColumns = "id, at, actor_name, action, COALESCE(review_id,0), object_type, object_id, detail, hash"

// LastAuditAction returns when an action was last recorded for a review
// (ErrNotFound if never).
func (q *Queries) LastAuditAction(ctx context.Context, reviewID int64, action string) (time.Time, error) {
	var at time.Time
	err := q.db.QueryRowContext(ctx,
		"SELECT at FROM audit_events WHERE stream = ? AND action = ? ORDER BY seq DESC LIMIT 1", ReviewStream(reviewID), action).Scan(&at)
	return at, translate(err)
}

// ReviewStream names the audit chain of review id: every audit event about
// the review, and no other, is in it.
func ReviewStream(id int64) string {
	return "review:" + strconv.FormatInt(id, 10)
}
