package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/shopspring/decimal"

	"finreview/workflow"
)

// Review is one review task of a project (评审任务).
type Review struct {
	ID              int64
	ProjectID       int64
	Kind            string
	Version         int
	JurisdictionID  int64
	UnitOrgID       int64
	SubmittedAmount decimal.Decimal
	// ReviewChange is the part of the row a transition writes: state,
	// round, audited amount, firm, supervisor, flags and dates.
	ReviewChange
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// ImportID is the import that brought a concluded review in from the
	// bureau's old registers (0: made here); such a review is read-only.
	ImportID int64
	// Read-only joins.
	ProjectCode      string
	ProjectName      string
	JurisdictionName string
	UnitName         string
	FirmName         string
}

const reviewRowColumns = `r.id, r.project_id, r.kind, r.state, r.version, r.round, r.jurisdiction_id, r.unit_org_id,
	r.submitted_amount, r.audited_amount, COALESCE(r.firm_id,0), COALESCE(r.supervisor_id,0), r.suspended, r.appeal_used,
	r.outcome, COALESCE(r.fee_schedule_id,0), r.delegated_at, r.submitted_at, r.concluded_at, COALESCE(r.created_by,0),
	r.created_at, r.updated_at, COALESCE(r.import_id,0)`

const reviewColumns = reviewRowColumns + `, p.code, p.name, j.name, u.name, COALESCE(f.name,'')`

// reviewLock reads a review as reviewColumns do, then its audit chain's
// head, and locks the review's row alone: the names come from subqueries,
// whose rows a locking read leaves unlocked (a join would lock them, and
// so serialize every review of a jurisdiction or unit).
const reviewLock = reviewLockSelect + " WHERE r.id = ? FOR UPDATE"

// reviewLockSelect is reviewLock without its WHERE clause (for locking
// several reviews at once).
const reviewLockSelect = "SELECT " + reviewRowColumns + `,
	(SELECT p.code FROM projects p WHERE p.id = r.project_id), (SELECT p.name FROM projects p WHERE p.id = r.project_id),
	(SELECT j.name FROM jurisdictions j WHERE j.id = r.jurisdiction_id), (SELECT u.name FROM organizations u WHERE u.id = r.unit_org_id),
	COALESCE((SELECT f.name FROM organizations f WHERE f.id = r.firm_id), ''), r.audit_seq, r.audit_hash
	FROM reviews r`

const reviewFrom = ` FROM reviews r JOIN projects p ON p.id = r.project_id JOIN jurisdictions j ON j.id = r.jurisdiction_id
	JOIN organizations u ON u.id = r.unit_org_id LEFT JOIN organizations f ON f.id = r.firm_id`

func scanReview(s scanner) (Review, error) { return scanInto(s, reviewDest) }

// reviewDest is where the columns of reviewColumns go, in order; a query
// with more columns appends their destinations.
func reviewDest(r *Review) []any {
	return append(reviewRowDest(r), &r.ProjectCode, &r.ProjectName, &r.JurisdictionName, &r.UnitName, &r.FirmName)
}

// reviewRowDest are the scan destinations of reviewRowColumns.
func reviewRowDest(r *Review) []any {
	return []any{&r.ID, &r.ProjectID, &r.Kind, &r.State, &r.Version, &r.Round, &r.JurisdictionID, &r.UnitOrgID,
		&r.SubmittedAmount, &r.AuditedAmount, &r.FirmID, &r.SupervisorID, &r.Suspended, &r.AppealUsed,
		&r.Outcome, &r.FeeScheduleID, &r.DelegatedAt, &r.SubmittedAt, &r.ConcludedAt, &r.CreatedBy,
		&r.CreatedAt, &r.UpdatedAt, &r.ImportID}
}

// InsertReview adds a review in state draft.
func (q *Queries) InsertReview(ctx context.Context, r Review) (int64, error) {
	now := time.Now()
	return q.insert(ctx,
		`INSERT INTO reviews (project_id, kind, state, version, round, jurisdiction_id, unit_org_id, submitted_amount,
		   outcome, created_by, created_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?, ?, 'normal', ?, ?, ?)`,
		r.ProjectID, r.Kind, workflow.Draft, r.JurisdictionID, r.UnitOrgID, r.SubmittedAmount, nullInt(r.CreatedBy), now, now)
}

// Review loads a review the scope may see; ErrNotFound otherwise.
func (q *Queries) Review(ctx context.Context, sc Scope, id int64) (Review, error) {
	w, args := sc.reviewWhere()
	return queryRow(ctx, q.db, scanReview, "SELECT "+reviewColumns+reviewFrom+" WHERE r.id = ? AND "+w,
		append([]any{id}, args...)...)
}

// LockReview loads a review FOR UPDATE inside a transaction, without scope
// (the caller checks it), locking the review's row alone.
func (q *Queries) LockReview(ctx context.Context, id int64) (Review, error) {
	r, err := queryOne(ctx, q.db, q.scanLocked, reviewLock, id)
	return r, translate(err)
}

// scanLocked scans a row of reviewLock; a transaction's batch keeps the
// audit head it carries (batch.go).
func (q *Queries) scanLocked(s scanner) (Review, error) {
	var r Review
	var h auditHead
	if err := s.Scan(append(reviewDest(&r), &h.seq, &h.hash)...); err != nil {
		return Review{}, err
	}
	if q.batch != nil {
		q.batch.heads[r.ID] = h
	}
	return r, nil
}

// ReviewChange is what a transition writes to the review row.
type ReviewChange struct {
	State         workflow.State
	Round         int
	AuditedAmount decimal.NullDecimal
	FirmID        int64
	SupervisorID  int64
	Suspended     bool
	AppealUsed    bool
	Outcome       string
	FeeScheduleID int64
	DelegatedAt   sql.NullTime
	SubmittedAt   sql.NullTime
	ConcludedAt   sql.NullTime
}

// UpdateReview writes a change if the row is still at version; it returns
// ErrStale when another transition won. In a batch (batch.go) the write
// and its check wait for the batch's Flush.
func (q *Queries) UpdateReview(ctx context.Context, id int64, version int, c ReviewChange, now time.Time) error {
	if q.batch != nil {
		return q.batch.addUpdate(reviewUpdate{id: id, version: version, change: c, at: now})
	}
	res, err := q.db.ExecContext(ctx,
		`UPDATE reviews SET state = ?, round = ?, audited_amount = ?, firm_id = ?, supervisor_id = ?, suspended = ?,
		   appeal_used = ?, outcome = ?, fee_schedule_id = ?, delegated_at = ?, submitted_at = ?, concluded_at = ?,
		   version = version + 1, updated_at = ?
		 WHERE id = ? AND version = ?`,
		c.State, c.Round, c.AuditedAmount, nullInt(c.FirmID), nullInt(c.SupervisorID), c.Suspended,
		c.AppealUsed, c.Outcome, nullInt(c.FeeScheduleID), c.DelegatedAt, c.SubmittedAt, c.ConcludedAt, now, id, version)
	return changed(res, err, ErrStale)
}

// Change returns the writable part of a review, to modify and pass to UpdateReview.
func (r Review) Change() ReviewChange {
	return r.ReviewChange
}

// UpdateSubmittedAmount changes a draft's submitted amount.
func (q *Queries) UpdateSubmittedAmount(ctx context.Context, id int64, version int, amount decimal.Decimal, now time.Time) error {
	res, err := q.db.ExecContext(ctx,
		"UPDATE reviews SET submitted_amount = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
		amount, now, id, version)
	return changed(res, err, ErrStale)
}

// ReviewFilter narrows a review list.
type ReviewFilter struct {
	States         []workflow.State
	Kind           string
	JurisdictionID int64
	UnitOrgID      int64
	FirmID         int64
	ProjectID      int64
	Search         string
	From, To       time.Time
	MinAmount      decimal.NullDecimal
	MaxAmount      decimal.NullDecimal
	Suspended      *bool
	Sort           string // "created" (default), "amount", "updated", "state"
	Desc           bool
	Limit, Offset  int
}

func (f ReviewFilter) where(sc Scope) (string, []any) {
	w, args := sc.reviewWhere()
	if len(f.States) > 0 {
		w += " AND r.state IN (" + placeholders(len(f.States)) + ")"
		for _, s := range f.States {
			args = append(args, s)
		}
	}
	if f.Kind != "" {
		w += " AND r.kind = ?"
		args = append(args, f.Kind)
	}
	if f.JurisdictionID != 0 {
		w += " AND r.jurisdiction_id = ?"
		args = append(args, f.JurisdictionID)
	}
	if f.UnitOrgID != 0 {
		w += " AND r.unit_org_id = ?"
		args = append(args, f.UnitOrgID)
	}
	if f.FirmID != 0 {
		w += " AND r.firm_id = ?"
		args = append(args, f.FirmID)
	}
	if f.ProjectID != 0 {
		w += " AND r.project_id = ?"
		args = append(args, f.ProjectID)
	}
	if f.Search != "" {
		like := "%" + escapeLike(f.Search) + "%"
		w += " AND (p.name LIKE ? OR p.code LIKE ?)"
		args = append(args, like, like)
	}
	if !f.From.IsZero() {
		w += " AND r.created_at >= ?"
		args = append(args, f.From)
	}
	if !f.To.IsZero() {
		w += " AND r.created_at < ?"
		args = append(args, f.To)
	}
	if f.MinAmount.Valid {
		w += " AND r.submitted_amount >= ?"
		args = append(args, f.MinAmount.Decimal)
	}
	if f.MaxAmount.Valid {
		w += " AND r.submitted_amount <= ?"
		args = append(args, f.MaxAmount.Decimal)
	}
	if f.Suspended != nil {
		w += " AND r.suspended = ?"
		args = append(args, *f.Suspended)
	}
	return w, args
}

// Reviews lists the reviews a scope may see, with the total count.
func (q *Queries) Reviews(ctx context.Context, sc Scope, f ReviewFilter) ([]Review, int, error) {
	return q.reviews(ctx, sc, f, 0)
}

// reviews is Reviews with the total counted up to countTo (all when 0).
func (q *Queries) reviews(ctx context.Context, sc Scope, f ReviewFilter, countTo int) ([]Review, int, error) {
	w, args := f.where(sc)
	total, err := q.countReviews(ctx, w, args, countTo)
	if err != nil {
		return nil, 0, err
	}
	order, desc := f.order()
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	// Page the ids on reviews (and projects, for search and scope) first,
	// then join the names for just that page: the optimizer never starts
	// from a small joined table and sorts the whole filtered set.
	page := "SELECT r.id FROM " + listFrom(w, "") + " WHERE " + w +
		" ORDER BY " + order + dir + ", r.id DESC LIMIT ? OFFSET ?"
	query := "SELECT " + reviewColumns + " FROM (" + page + ") pg STRAIGHT_JOIN reviews r ON r.id = pg.id" +
		" JOIN projects p ON p.id = r.project_id JOIN jurisdictions j ON j.id = r.jurisdiction_id" +
		" JOIN organizations u ON u.id = r.unit_org_id LEFT JOIN organizations f ON f.id = r.firm_id" +
		" ORDER BY " + order + dir + ", r.id DESC"
	out, err := queryAll(ctx, q.db, scanReview, query, append(args, f.Limit, f.Offset)...)
	return out, total, err
}

// ReviewEvent is one transition in a review's timeline.
type ReviewEvent struct {
	ID        int64
	ReviewID  int64
	Round     int
	At        time.Time
	ActorID   int64
	ActorName string
	ActorRole string
	Trigger   workflow.Trigger
	From      workflow.State
	To        workflow.State
	Reason    string
	Params    string
	// ProjectName is filled by listings across reviews.
	ProjectName string
}

// InsertReviewEvent appends a transition to the timeline and returns its
// id; in a batch (batch.go) it is written at the batch's Flush, and the
// id is 0.
func (q *Queries) InsertReviewEvent(ctx context.Context, e ReviewEvent) (int64, error) {
	if q.batch != nil {
		q.batch.events = append(q.batch.events, e)
		return 0, nil
	}
	query, args := valuesStatement(reviewEventInsert, eventRows([]ReviewEvent{e}))
	return q.insert(ctx, query, args...)
}

const reviewEventInsert = "INSERT INTO review_events (review_id, round, at, actor_id, actor_name, actor_role, trig, from_state, to_state, reason, params)"

// eventRows are the values of reviewEventInsert for events.
func eventRows(events []ReviewEvent) [][]any {
	rows := make([][]any, len(events))
	for i, e := range events {
		if e.Params == "" {
			e.Params = "{}"
		}
		rows[i] = []any{e.ReviewID, e.Round, e.At, nullInt(e.ActorID), e.ActorName, e.ActorRole, e.Trigger, e.From, e.To, e.Reason, e.Params}
	}
	return rows
}

// ReviewEvents lists a review's timeline, oldest first.
func (q *Queries) ReviewEvents(ctx context.Context, reviewID int64) ([]ReviewEvent, error) {
	return queryAll(ctx, q.db, scanReviewEvent,
		`SELECT `+reviewEventColumns+` FROM review_events e WHERE e.review_id = ? ORDER BY e.id`, reviewID)
}

const reviewEventColumns = `e.id, e.review_id, e.round, e.at, COALESCE(e.actor_id,0), e.actor_name, e.actor_role, e.trig,
	e.from_state, e.to_state, e.reason, e.params`

func scanReviewEvent(s scanner) (ReviewEvent, error) { return scanInto(s, reviewEventDest) }

// reviewEventDest are the scan destinations of reviewEventColumns.
func reviewEventDest(e *ReviewEvent) []any {
	return []any{&e.ID, &e.ReviewID, &e.Round, &e.At, &e.ActorID, &e.ActorName, &e.ActorRole, &e.Trigger,
		&e.From, &e.To, &e.Reason, &e.Params}
}

// CountReviewsByState counts visible reviews per state.
func (q *Queries) CountReviewsByState(ctx context.Context, sc Scope) (map[workflow.State]int, error) {
	w, args := sc.reviewWhere()
	out := map[workflow.State]int{}
	err := queryInto(ctx, q.db, out, "SELECT r.state, COUNT(*) FROM reviews r JOIN projects p ON p.id = r.project_id WHERE "+w+" GROUP BY r.state", args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReviewEventsByActor lists the latest transitions made by a user (已办):
// from the user's events in id order (idx_review_events_actor), each
// joined to its review and project, whatever the tables' statistics.
func (q *Queries) ReviewEventsByActor(ctx context.Context, actorID int64, limit int) ([]ReviewEvent, error) {
	return queryAll(ctx, q.db, func(s scanner) (ReviewEvent, error) {
		var e ReviewEvent
		err := s.Scan(append(reviewEventDest(&e), &e.ProjectName)...)
		return e, err
	}, `SELECT `+reviewEventColumns+`, p.name
		 FROM review_events e STRAIGHT_JOIN reviews r ON r.id = e.review_id STRAIGHT_JOIN projects p ON p.id = r.project_id
		 WHERE e.actor_id = ? ORDER BY e.id DESC LIMIT ?`, actorID, limit)
}
