package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"finreview/internal/calendar"
	"finreview/workflow"
)

// Deadline states.
const (
	DeadlinePending   = "pending"   // running; fired by the deadline engine when due
	DeadlinePaused    = "paused"    // the review is suspended; RemainingWorkdays is kept
	DeadlineFired     = "fired"     // passed and handled, exactly once
	DeadlineCancelled = "cancelled" // the review moved on before it passed
	DeadlineFailed    = "failed"    // its firing failed too often; parked for staff, FireError says why
)

// Deadline is one working-day deadline of one visit of a review state.
type Deadline struct {
	ID       int64
	ReviewID int64
	Kind     string
	DueAt    time.Time
	// Workdays is the period as first scheduled.
	Workdays int
	State    string
	// RemainingWorkdays is set while paused (the working days left when the
	// review was suspended) and after a resume (the count due_at was
	// re-computed with, from StartsAt).
	RemainingWorkdays sql.NullInt64
	// FlaggedYear is a year without holiday data that the computation
	// crossed (computed as plain Mon–Fri until the year's data is entered).
	FlaggedYear     sql.NullInt64
	FiredAt         sql.NullTime
	FiredBy         string
	CreatedAt       time.Time
	Reminded2       bool
	Reminded1       bool
	OverdueNotified bool

	// StartsAt is the moment the count runs from (receipt, or resume).
	StartsAt time.Time
	// CalendarVersion identifies the holiday data due_at was computed with.
	CalendarVersion string
	Remind2At       sql.NullTime
	Remind1At       sql.NullTime
	// NextRemindAt is when the next reminder is due (NULL when none is left).
	NextRemindAt sql.NullTime
	// EndedAt is when it was fired, cancelled or parked as failed.
	EndedAt sql.NullTime
	// FireAttempts counts its failed firings, FireError is the last one's.
	FireAttempts int
	FireError    string
}

// Count is the number of working days due_at is computed with from StartsAt.
func (d Deadline) Count() int {
	if d.RemainingWorkdays.Valid {
		return int(d.RemainingWorkdays.Int64)
	}
	return d.Workdays
}

const deadlineColumns = `d.id, d.review_id, d.kind, d.due_at, d.workdays, d.state, d.remaining_workdays, d.flagged_year,
	d.fired_at, COALESCE(d.fired_by,''), d.created_at, d.reminded_2, d.reminded_1, d.overdue_notified,
	COALESCE(d.starts_at, d.created_at), d.calendar_version, d.remind2_at, d.remind1_at, d.next_remind_at, d.ended_at,
	d.fire_attempts, COALESCE(d.fire_error,'')`

func scanDeadline(s scanner) (Deadline, error) { return scanInto(s, deadlineDest) }

// deadlineDest are the scan destinations of deadlineColumns.
func deadlineDest(d *Deadline) []any {
	return []any{&d.ID, &d.ReviewID, &d.Kind, &d.DueAt, &d.Workdays, &d.State, &d.RemainingWorkdays, &d.FlaggedYear,
		&d.FiredAt, &d.FiredBy, &d.CreatedAt, &d.Reminded2, &d.Reminded1, &d.OverdueNotified,
		&d.StartsAt, &d.CalendarVersion, &d.Remind2At, &d.Remind1At, &d.NextRemindAt, &d.EndedAt,
		&d.FireAttempts, &d.FireError}
}

func (q *Queries) deadlines(ctx context.Context, query string, args ...any) ([]Deadline, error) {
	return queryAll(ctx, q.db, scanDeadline, query, args...)
}

// InsertDeadline adds a deadline and returns its id.
func (q *Queries) InsertDeadline(ctx context.Context, d Deadline) (int64, error) {
	if d.State == "" {
		d.State = DeadlinePending
	}
	return q.insert(ctx,
		`INSERT INTO deadlines (review_id, kind, starts_at, due_at, workdays, state, remaining_workdays, flagged_year,
		   calendar_version, reminded_2, reminded_1, overdue_notified, remind2_at, remind1_at, next_remind_at, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ReviewID, d.Kind, d.StartsAt, d.DueAt, d.Workdays, d.State, d.RemainingWorkdays, d.FlaggedYear,
		d.CalendarVersion, d.Reminded2, d.Reminded1, d.OverdueNotified, d.Remind2At, d.Remind1At, d.NextRemindAt, d.CreatedAt)
}

// UpdateDeadline writes every mutable field of d.
func (q *Queries) UpdateDeadline(ctx context.Context, d Deadline) error {
	_, err := q.db.ExecContext(ctx, `UPDATE deadlines SET starts_at = ?, due_at = ?, state = ?, remaining_workdays = ?, flagged_year = ?,
		   calendar_version = ?, reminded_2 = ?, reminded_1 = ?, overdue_notified = ?, remind2_at = ?, remind1_at = ?,
		   next_remind_at = ?, fired_at = ?, fired_by = ?, ended_at = ?
		 WHERE id = ?`,
		d.StartsAt, d.DueAt, d.State, d.RemainingWorkdays, d.FlaggedYear, d.CalendarVersion, d.Reminded2, d.Reminded1,
		d.OverdueNotified, d.Remind2At, d.Remind1At, d.NextRemindAt, d.FiredAt, nullString(d.FiredBy), d.EndedAt, d.ID)
	return translate(err)
}

// MarkDeadlinesFired records, in one statement, that the deadlines ids
// fired at at, by the instance by: each ends then, with no reminder left
// and its overdue notice sent. The deadline engine marks a claim's fired
// deadlines at its end, all but those whose firing was undone.
func (q *Queries) MarkDeadlinesFired(ctx context.Context, ids []int64, at time.Time, by string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{DeadlineFired, at, by, at}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := q.db.ExecContext(ctx, `UPDATE deadlines SET state = ?, fired_at = ?, fired_by = ?, ended_at = ?, next_remind_at = NULL,
		   overdue_notified = TRUE WHERE id IN (`+placeholders(len(ids))+")", args...)
	return translate(err)
}

// RecordDeadlineFireFailure counts a failed firing of a pending deadline
// and keeps its error; with park the deadline leaves the engine's passes
// as failed (ended at at).
func (q *Queries) RecordDeadlineFireFailure(ctx context.Context, id int64, reason string, park bool, at time.Time) error {
	reason = failureText(reason)
	var err error
	if park {
		_, err = q.db.ExecContext(ctx, `UPDATE deadlines SET fire_attempts = fire_attempts + 1, fire_error = ?, state = ?,
		   ended_at = ?, next_remind_at = NULL WHERE id = ? AND state = ?`, reason, DeadlineFailed, at, id, DeadlinePending)
	} else {
		_, err = q.db.ExecContext(ctx, "UPDATE deadlines SET fire_attempts = fire_attempts + 1, fire_error = ? WHERE id = ? AND state = ?",
			reason, id, DeadlinePending)
	}
	return translate(err)
}

// Deadline loads one deadline.
func (q *Queries) Deadline(ctx context.Context, id int64) (Deadline, error) {
	return queryRow(ctx, q.db, scanDeadline, "SELECT "+deadlineColumns+" FROM deadlines d WHERE d.id = ?", id)
}

// ReviewDeadlines lists every deadline of a review, oldest first.
func (q *Queries) ReviewDeadlines(ctx context.Context, reviewID int64) ([]Deadline, error) {
	return q.deadlines(ctx, "SELECT "+deadlineColumns+" FROM deadlines d WHERE d.review_id = ? ORDER BY d.id", reviewID)
}

// ReviewDeadlines is a review's deadlines, oldest first, with the review's
// state and whether it is suspended, for describing them in lists.
type ReviewDeadlines struct {
	State     workflow.State
	Suspended bool
	Deadlines []Deadline
}

// DeadlinesOfReviews reads, in one query, the deadlines of each review of
// ids (a page of a list) but the cancelled ones, which no list shows; a
// review without such deadlines is not in the map. The cancelled are most
// of a province's deadlines (256,000 of 290,000): their entries of
// (review_id, state) are passed over without reading their rows.
func (q *Queries) DeadlinesOfReviews(ctx context.Context, ids []int64) (map[int64]ReviewDeadlines, error) {
	out := make(map[int64]ReviewDeadlines, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := anyArgs(ids)
	type row struct {
		d         Deadline
		state     workflow.State
		suspended bool
	}
	rows, err := queryAll(ctx, q.db, func(s scanner) (row, error) {
		var r row
		err := s.Scan(append(deadlineDest(&r.d), &r.state, &r.suspended)...)
		return r, err
	}, "SELECT "+deadlineColumns+`, r.state, r.suspended
		FROM deadlines d JOIN reviews r ON r.id = d.review_id
		WHERE d.review_id IN (`+placeholders(len(ids))+") AND d.state <> '"+DeadlineCancelled+"' ORDER BY d.review_id, d.id", args...)
	for _, r := range rows {
		out[r.d.ReviewID] = ReviewDeadlines{State: r.state, Suspended: r.suspended,
			Deadlines: append(out[r.d.ReviewID].Deadlines, r.d)}
	}
	return out, err
}

// LockReviewDeadlines loads, FOR UPDATE, a review's deadlines in the given
// states (and kinds; all kinds when none given), earliest due first.
func (q *Queries) LockReviewDeadlines(ctx context.Context, reviewID int64, states []string, kinds []string) ([]Deadline, error) {
	// The review's own index: locking through idx_deadlines_due would lock a
	// range of every review's pending deadlines and serialize transitions.
	query := "SELECT " + deadlineColumns + " FROM deadlines d FORCE INDEX (idx_deadlines_review) WHERE d.review_id = ?"
	args := []any{reviewID}
	query, args = andIn(query, args, "d.state IN", states)
	query, args = andIn(query, args, "d.kind IN", kinds)
	return q.deadlines(ctx, query+" ORDER BY d.due_at, d.id FOR UPDATE", args...)
}

// ClaimDueDeadlines locks up to limit pending deadlines passed at now
// (due_at < now: a deadline runs through its last second), skipping rows other transactions hold (each instance claims its own
// rows) and the ids in skip.
func (q *Queries) ClaimDueDeadlines(ctx context.Context, now time.Time, limit int, skip []int64) ([]Deadline, error) {
	query := "SELECT " + deadlineColumns + " FROM deadlines d WHERE d.state = 'pending' AND d.due_at < ?"
	args := []any{now}
	query, args = andIn(query, args, "d.id NOT IN", skip)
	return q.deadlines(ctx, query+" ORDER BY d.due_at, d.id LIMIT ? FOR UPDATE SKIP LOCKED", append(args, limit)...)
}

// ClaimReminderDeadlines locks up to limit pending deadlines whose next
// reminder is due at or before now, as ClaimDueDeadlines does.
func (q *Queries) ClaimReminderDeadlines(ctx context.Context, now time.Time, limit int, skip []int64) ([]Deadline, error) {
	query := "SELECT " + deadlineColumns + " FROM deadlines d WHERE d.state = 'pending' AND d.next_remind_at <= ?"
	args := []any{now}
	query, args = andIn(query, args, "d.id NOT IN", skip)
	return q.deadlines(ctx, query+" ORDER BY d.next_remind_at, d.id LIMIT ? FOR UPDATE SKIP LOCKED", append(args, limit)...)
}

// CancelReviewDeadlines cancels a review's pending and paused deadlines of
// the given kinds (all kinds when none given).
func (q *Queries) CancelReviewDeadlines(ctx context.Context, reviewID int64, kinds []string, at time.Time) error {
	query := "UPDATE deadlines d SET d.state = 'cancelled', d.ended_at = ?, d.next_remind_at = NULL WHERE d.review_id = ? AND d.state IN ('pending', 'paused')"
	args := []any{at, reviewID}
	query, args = andIn(query, args, "d.kind IN", kinds)
	_, err := q.db.ExecContext(ctx, query, args...)
	return translate(err)
}

// DeadlinesCrossingYear lists the pending deadlines flagged with year or
// whose computation (from starts_at to due_at) touches year, locked FOR
// UPDATE when lock is set.
func (q *Queries) DeadlinesCrossingYear(ctx context.Context, year int, lock bool) ([]Deadline, error) {
	query := "SELECT " + deadlineColumns + ` FROM deadlines d WHERE d.state = 'pending'
		AND (d.flagged_year = ? OR (YEAR(COALESCE(d.starts_at, d.created_at)) <= ? AND YEAR(d.due_at) >= ?))
		ORDER BY d.due_at, d.id`
	if lock {
		query += " FOR UPDATE"
	}
	return q.deadlines(ctx, query, year, year, year)
}

// PendingDeadlineCount counts the deadlines in state pending.
func (q *Queries) PendingDeadlineCount(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deadlines WHERE state = 'pending'").Scan(&n)
	return n, err
}

// LockDeadlineReview locks a review row FOR UPDATE SKIP LOCKED and reads
// it as LockReview does; ok is false when another transaction holds it (a
// person's transition in progress: the deadline is looked at again on the
// next pass).
func (q *Queries) LockDeadlineReview(ctx context.Context, id int64) (r Review, ok bool, err error) {
	r, err = queryOne(ctx, q.db, q.scanLocked, reviewLock+" SKIP LOCKED", id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	return r, true, nil
}

// LockDeadlineReviews locks, FOR UPDATE SKIP LOCKED, the reviews of ids
// that no other transaction holds, in one statement, and reads each as
// LockReview does; a review held elsewhere is missing from the map.
func (q *Queries) LockDeadlineReviews(ctx context.Context, ids []int64) (map[int64]Review, error) {
	out := make(map[int64]Review, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rs, err := queryAll(ctx, q.db, q.scanLocked, reviewLockSelect+" WHERE r.id IN ("+placeholders(len(ids))+") FOR UPDATE SKIP LOCKED",
		anyArgs(ids)...)
	for _, r := range rs {
		out[r.ID] = r
	}
	return out, err
}

// NotifyUsers inserts the same message for each user, created at n.CreatedAt.
// A user away who named a stand-in for the day (see stand_ins): the
// stand-in gets a copy, marked with whom it was meant for, in the same
// statement. In a batch (batch.go) the notices wait for its Flush.
func (q *Queries) NotifyUsers(ctx context.Context, userIDs []int64, n Notification) error {
	if len(userIDs) == 0 {
		return nil
	}
	var b strings.Builder
	args := make([]any, 0, len(userIDs)*7+6)
	for _, id := range userIDs {
		b.WriteString("SELECT ?, ?, ?, ?, ?, ? UNION ALL ")
		args = append(args, id, nullInt(n.ReviewID), n.Kind, n.Title, n.Body, n.CreatedAt)
	}
	args = append(args, nullInt(n.ReviewID), n.Kind, n.Title, n.Body, n.CreatedAt, calendar.DateOf(n.CreatedAt).String())
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows := b.String() + `SELECT s.stand_in_id, ?, ?, CONCAT('〔代', u.display_name, '〕', ?), ?, ? FROM stand_ins s JOIN users u ON u.id = s.user_id
		WHERE s.revoked_at IS NULL AND ? BETWEEN s.starts_on AND s.ends_on AND s.user_id IN (` + placeholders(len(userIDs)) + ")"
	return q.insertNotices(ctx, noticeRows{query: rows, args: args})
}

// noticeInsert is the INSERT of notices, followed by the SELECT of their rows.
const noticeInsert = "INSERT INTO notifications (user_id, review_id, kind, title, body, created_at) "

// insertNotices inserts the notices rows select, or collects them in a batch.
func (q *Queries) insertNotices(ctx context.Context, rows noticeRows) error {
	if q.batch != nil {
		q.batch.notices = append(q.batch.notices, rows)
		return nil
	}
	_, err := q.db.ExecContext(ctx, noticeInsert+rows.query, rows.args...)
	return translate(err)
}

// Parties picks, in the database, the active users a notice goes to: the
// users of an organization, of a project's contractors, or the city-wide
// users and those of a jurisdiction; of one role, or of any when Role is
// empty.
type Parties struct {
	Role           string
	OrgID          int64 // the users of this organization (unit, firm)
	ProjectID      int64 // the users of this project's contractors
	JurisdictionID int64 // finance section and review center: city-wide users and this jurisdiction's
	Except         int64 // the actor, not told of their own act
}

// where is the condition on users u that picks the parties.
func (p Parties) where() (string, []any) {
	w, args := "u.active AND u.id <> ?", []any{p.Except}
	if p.Role != "" {
		w, args = "u.role = ? AND "+w, append([]any{p.Role}, args...)
	}
	switch {
	case p.OrgID != 0:
		return w + " AND u.org_id = ?", append(args, p.OrgID)
	case p.ProjectID != 0:
		return w + " AND u.org_id IN (SELECT c.contractor_org_id FROM project_contractors c WHERE c.project_id = ?)", append(args, p.ProjectID)
	default:
		return w + " AND (u.city_grant OR u.jurisdiction_id = ?)", append(args, p.JurisdictionID)
	}
}

// NotifyParties is NotifyUsers for the users p picks, chosen by the
// statement that inserts the notices: no round trip reads them first. In a
// batch (batch.go) the notices wait for its Flush.
func (q *Queries) NotifyParties(ctx context.Context, p Parties, n Notification) error {
	w, wargs := p.where()
	args := append([]any{nullInt(n.ReviewID), n.Kind, n.Title, n.Body, n.CreatedAt}, wargs...)
	args = append(args, nullInt(n.ReviewID), n.Kind, n.Title, n.Body, n.CreatedAt, calendar.DateOf(n.CreatedAt).String())
	args = append(args, wargs...)
	rows := `SELECT u.id, ?, ?, ?, ?, ? FROM users u WHERE ` + w + `
		UNION ALL SELECT s.stand_in_id, ?, ?, CONCAT('〔代', su.display_name, '〕', ?), ?, ? FROM stand_ins s JOIN users su ON su.id = s.user_id
		WHERE s.revoked_at IS NULL AND ? BETWEEN s.starts_on AND s.ends_on AND s.user_id IN (SELECT u.id FROM users u WHERE ` + w + `)`
	return q.insertNotices(ctx, noticeRows{query: rows, args: args})
}

// PastDueDeadline is a deadline past due with its review, for the overdue list.
type PastDueDeadline struct {
	Deadline
	ReviewState      workflow.State
	ReviewKind       string
	ProjectCode      string
	ProjectName      string
	JurisdictionName string
	UnitName         string
	FirmName         string
}

// PastDueDeadlines lists, within the scope, the latest deadline of each
// kind of each review that is past due at now and still pending, fired or
// parked as failed, on reviews not suspended; the caller keeps those whose
// review is still in the deadline's state.
func (q *Queries) PastDueDeadlines(ctx context.Context, sc Scope, now time.Time) ([]PastDueDeadline, error) {
	w, args := sc.reviewWhere()
	return queryAll(ctx, q.db, func(s scanner) (PastDueDeadline, error) {
		var o PastDueDeadline
		err := s.Scan(append(deadlineDest(&o.Deadline), &o.ReviewState, &o.ReviewKind, &o.ProjectCode, &o.ProjectName,
			&o.JurisdictionName, &o.UnitName, &o.FirmName)...)
		return o, err
	}, "SELECT "+deadlineColumns+`, r.state, r.kind, p.code, p.name, j.name, u.name, COALESCE(f.name,'')
		FROM deadlines d JOIN reviews r ON r.id = d.review_id JOIN projects p ON p.id = r.project_id
		JOIN jurisdictions j ON j.id = r.jurisdiction_id JOIN organizations u ON u.id = r.unit_org_id
		LEFT JOIN organizations f ON f.id = r.firm_id
		WHERE d.due_at < ? AND d.state IN ('pending', 'fired', 'failed') AND NOT r.suspended
		  AND d.id = (SELECT MAX(d2.id) FROM deadlines d2 WHERE d2.review_id = d.review_id AND d2.kind = d.kind)
		  AND `+w+` ORDER BY d.due_at, d.id`, append([]any{now}, args...)...)
}

// Savepoint marks a point inside the current transaction to roll back to.
func (q *Queries) Savepoint(ctx context.Context, name string) error {
	return q.savepoint(ctx, "SAVEPOINT ", name, (*Batch).mark)
}

// RollbackToSavepoint undoes the statements since the savepoint, and
// forgets the writes a batch collected since.
func (q *Queries) RollbackToSavepoint(ctx context.Context, name string) error {
	return q.savepoint(ctx, "ROLLBACK TO SAVEPOINT ", name, (*Batch).rollBack)
}

// savepoint runs verb ("SAVEPOINT ", "ROLLBACK TO SAVEPOINT ") on the
// savepoint name, then hands name to the transaction's batch, if any,
// through tell.
func (q *Queries) savepoint(ctx context.Context, verb, name string, tell func(*Batch, string)) error {
	if _, err := q.db.ExecContext(ctx, verb+savepointName(name)); err != nil {
		return err
	}
	if q.batch != nil {
		tell(q.batch, name)
	}
	return nil
}

// savepointName keeps identifier characters only, quoted.
func savepointName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "sp"
	}
	// Quoted: a name may be a reserved word (UNDO).
	return "`" + b.String() + "`"
}

// andIn appends " AND cond (?, …)", cond being "col IN" or "col NOT IN",
// when there are values.
func andIn[T any](query string, args []any, cond string, values []T) (string, []any) {
	if len(values) == 0 {
		return query, args
	}
	return query + " AND " + cond + " (" + placeholders(len(values)) + ")", append(args, anyArgs(values)...)
}
