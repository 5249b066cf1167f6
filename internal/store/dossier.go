package store

import (
	"context"

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
// the transaction locked as locked (LockReview): the row afresh, with the
// project, jurisdiction and unit names the lock read, since no transition
// renames them, the firm's name read again only when the transition
// changed the firm, and the calendar the transaction used. It reads the
// parts named, as ReviewDossierParts does.
func (q *Queries) ReviewDossierAfter(ctx context.Context, locked Review, parts DossierParts) (ReviewDossier, error) {
	var d ReviewDossier
	var found bool
	row := stmt{query: "SELECT " + reviewRowColumns + " FROM reviews r WHERE r.id = ?", args: []any{locked.ID},
		scan: scanOptional(&found, func(s interface{ Scan(...any) error }) error {
			return s.Scan(reviewRowDest(&d.Review)...)
		})}
	if err := q.readDossier(ctx, &d, row, locked.ID, parts); err != nil {
		return ReviewDossier{}, err
	}
	if !found {
		return ReviewDossier{}, ErrNotFound
	}
	r := &d.Review
	r.ProjectCode, r.ProjectName, r.JurisdictionName, r.UnitName = locked.ProjectCode, locked.ProjectName, locked.JurisdictionName, locked.UnitName
	r.FirmName = locked.FirmName
	if r.FirmID != locked.FirmID {
		r.FirmName = ""
		if r.FirmID != 0 {
			if err := q.db.QueryRowContext(ctx, "SELECT name FROM organizations WHERE id = ?", r.FirmID).Scan(&r.FirmName); err != nil {
				return ReviewDossier{}, translate(err)
			}
		}
	}
	d.namePapers()
	var err error
	d.Calendar, err = q.calendarAt(ctx, q.calVersion)
	return d, err
}

// readDossier reads, in one round trip, a review's row with row and then
// its deadlines, papers, suspensions and the parts named. The papers come
// without their project's names, which are their review's (namePapers).
func (q *Queries) readDossier(ctx context.Context, d *ReviewDossier, row stmt, id int64, parts DossierParts) error {
	stmts := []stmt{row,
		{query: "SELECT " + deadlineColumns + " FROM deadlines d WHERE d.review_id = ? ORDER BY d.id", args: []any{id},
			scan: into(&d.Deadlines, func(s interface{ Scan(...any) error }) (Deadline, error) { return scanDeadline(s) })},
		{query: "SELECT " + paperOwnColumns + ", '', '' FROM papers pp LEFT JOIN users iu ON iu.id = pp.issued_by WHERE pp.review_id = ? ORDER BY pp.id",
			args: []any{id}, scan: into(&d.Papers, scanPaper)},
		{query: suspensionsOfReview, args: []any{id}, scan: into(&d.Suspensions, scanSuspension)},
	}
	if parts.Delegation {
		stmts = append(stmts, stmt{query: "SELECT " + delegationColumns + delegationFrom + " WHERE g.review_id = ? AND g.status = 'active' ORDER BY g.id DESC LIMIT 1",
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
