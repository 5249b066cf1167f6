package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"finreview/internal/calendar"
)

// ReviewDossier is everything a review's answer shows (GET /reviews/{id}
// and the answer to a transition), read in one round trip.
type ReviewDossier struct {
	Review      Review
	Delegation  *Delegation // the active one, if any
	Deadlines   []Deadline
	Statement   *FeeStatement
	Papers      []Paper
	Suspensions []Suspension
	Archive     *ArchiveRecord
	Events      []ReviewEvent
	// Calendar is the working-day calendar in force (see Calendar).
	Calendar *calendar.Calendar
}

// DossierParts names the parts of a dossier a reader needs besides the
// review, its deadlines, papers and suspensions, which are always read.
type DossierParts struct {
	Delegation bool // the active delegation
	Statement  bool // the fee statement
	Archive    bool // the archive record
	Events     bool // the timeline
}

// AllParts is the whole dossier.
var AllParts = DossierParts{Delegation: true, Statement: true, Archive: true, Events: true}

// ReviewDossier reads review id, if sc sees it (ErrNotFound otherwise),
// with its active delegation, deadlines, fee statement, papers,
// suspensions, archive record and timeline.
func (q *Queries) ReviewDossier(ctx context.Context, sc Scope, id int64) (ReviewDossier, error) {
	return q.ReviewDossierParts(ctx, sc, id, AllParts)
}

// ReviewDossierParts is ReviewDossier reading only the parts named; the
// others are left empty.
func (q *Queries) ReviewDossierParts(ctx context.Context, sc Scope, id int64, parts DossierParts) (ReviewDossier, error) {
	var d ReviewDossier
	var found bool
	var calVersion int64
	w, args := sc.reviewWhere()
	row := stmt{query: "SELECT " + reviewColumns + ", (" + calendarVersionQuery + ")" + reviewFrom + " WHERE r.id = ? AND " + w,
		args: append([]any{id}, args...),
		scan: scanOptional(&found, func(s interface{ Scan(...any) error }) error {
			return s.Scan(append(reviewDest(&d.Review), &calVersion)...)
		})}
	if err := q.readDossier(ctx, &d, row, id, parts); err != nil {
		return ReviewDossier{}, err
	}
	if !found {
		return ReviewDossier{}, ErrNotFound
	}
	d.namePapers()
	var err error
	d.Calendar, err = q.calendarAt(ctx, calVersion)
	return d, err
}

// ReviewDossierAfter reads, after a transition, the dossier of the review
// the transaction locked as locked (LockReview) and left as after, its
// UPDATE (UpdateReview) written at at. The row is not read again: it is
// locked's, with after's values, the next version and at, as the database
// keeps them; the project, jurisdiction and unit names are the lock's,
// since no transition renames them, and the firm's name is read again
// only when the transition changed the firm. The calendar is the one the
// transaction used. It reads the parts named, as ReviewDossierParts does,
// the active delegation without its firm's name, which is the review's.
func (q *Queries) ReviewDossierAfter(ctx context.Context, locked Review, after ReviewChange, at time.Time, parts DossierParts) (ReviewDossier, error) {
	d := ReviewDossier{Review: rowAfter(locked, after, at)}
	r := &d.Review
	if err := q.readDossier(ctx, &d, stmt{}, locked.ID, parts); err != nil {
		return ReviewDossier{}, err
	}
	if r.FirmID != locked.FirmID {
		r.FirmName = ""
		if r.FirmID != 0 {
			if err := q.db.QueryRowContext(ctx, "SELECT name FROM organizations WHERE id = ?", r.FirmID).Scan(&r.FirmName); err != nil {
				return ReviewDossier{}, translate(err)
			}
		}
	}
	if g := d.Delegation; g != nil {
		if g.FirmID != r.FirmID {
			return ReviewDossier{}, fmt.Errorf("review %d: active delegation to firm %d, review held by firm %d", r.ID, g.FirmID, r.FirmID)
		}
		g.FirmName = r.FirmName
	}
	d.namePapers()
	var err error
	d.Calendar, err = q.calendarAt(ctx, q.calVersion)
	return d, err
}

// rowAfter is the review row UpdateReview left: locked with after's
// values, the next version and at, the times in the location the driver
// reads them in (locked's) and the audited amount at the column's two
// places. at must be whole microseconds, as DATETIME(6) keeps it.
func rowAfter(locked Review, after ReviewChange, at time.Time) Review {
	r := locked
	loc := locked.CreatedAt.Location()
	in := func(t sql.NullTime) sql.NullTime {
		if t.Valid {
			t.Time = t.Time.In(loc)
		}
		return t
	}
	r.State, r.Round, r.FirmID, r.SupervisorID = after.State, after.Round, after.FirmID, after.SupervisorID
	r.Suspended, r.AppealUsed, r.Outcome, r.FeeScheduleID = after.Suspended, after.AppealUsed, after.Outcome, after.FeeScheduleID
	r.AuditedAmount = after.AuditedAmount
	if r.AuditedAmount.Valid {
		r.AuditedAmount.Decimal = r.AuditedAmount.Decimal.Round(2)
	}
	r.DelegatedAt, r.SubmittedAt, r.ConcludedAt = in(after.DelegatedAt), in(after.SubmittedAt), in(after.ConcludedAt)
	r.Version = locked.Version + 1
	r.UpdatedAt = at.In(loc)
	return r
}

var (
	deadlinesOfReview      = hot("SELECT " + deadlineColumns + " FROM deadlines d WHERE d.review_id = ? ORDER BY d.id")
	papersOfReview         = hot("SELECT " + paperOwnColumns + ", '', '' FROM papers pp WHERE pp.review_id = ? ORDER BY pp.id")
	suspensionsOfReviewSQL = hot(suspensionsOfReview)
)

// readDossier reads, in one round trip, a review's row with row (if any) and then
// its deadlines, papers, suspensions and the parts named. The papers come
// without their project's names, which are their review's (namePapers).
func (q *Queries) readDossier(ctx context.Context, d *ReviewDossier, row stmt, id int64, parts DossierParts) error {
	var stmts []stmt
	if row.query != "" {
		stmts = append(stmts, row)
	}
	stmts = append(stmts,
		stmt{query: deadlinesOfReview, args: []any{id},
			scan: into(&d.Deadlines, func(s interface{ Scan(...any) error }) (Deadline, error) { return scanDeadline(s) })},
		stmt{query: papersOfReview,
			args: []any{id}, scan: into(&d.Papers, scanPaper)},
		stmt{query: suspensionsOfReviewSQL, args: []any{id}, scan: into(&d.Suspensions, scanSuspension)},
	)
	if parts.Delegation {
		// Without the review's row, its firm names the delegation.
		cols, from := delegationColumns, delegationFrom
		if row.query == "" {
			cols, from = delegationUnnamedColumns, " FROM delegations g"
		}
		stmts = append(stmts, stmt{query: hot("SELECT " + cols + from + " WHERE g.review_id = ? AND g.status = 'active' ORDER BY g.id DESC LIMIT 1"),
			args: []any{id}, scan: first(&d.Delegation, scanDelegation)})
	}
	if parts.Statement {
		stmts = append(stmts, stmt{query: "SELECT " + feeStatementColumns + " FROM fee_statements s JOIN fee_schedules fs ON fs.id = s.schedule_id WHERE s.review_id = ?",
			args: []any{id}, scan: first(&d.Statement, scanFeeStatement)})
	}
	if parts.Archive {
		stmts = append(stmts, stmt{query: archiveRecordOfReview, args: []any{id}, scan: first(&d.Archive, scanArchiveRecord)})
	}
	if parts.Events {
		stmts = append(stmts, stmt{query: reviewEventsOfReview, args: []any{id}, scan: into(&d.Events, scanReviewEvent)})
	}
	return q.readBatch(ctx, stmts...)
}

// namePapers gives the papers their review's project names.
func (d *ReviewDossier) namePapers() {
	for i := range d.Papers {
		d.Papers[i].ProjectName, d.Papers[i].ProjectCode = d.Review.ProjectName, d.Review.ProjectCode
	}
}
