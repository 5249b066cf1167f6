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
	stmts := []stmt{
		{query: "SELECT " + reviewColumns + ", (" + calendarVersionQuery + ")" + reviewFrom + " WHERE r.id = ? AND " + w,
			args: append([]any{id}, args...),
			scan: scanOptional(&found, func(s interface{ Scan(...any) error }) error {
				return s.Scan(append(reviewDest(&d.Review), &calVersion)...)
			})},
		{query: "SELECT " + deadlineColumns + " FROM deadlines d WHERE d.review_id = ? ORDER BY d.id", args: []any{id},
			scan: into(&d.Deadlines, func(s interface{ Scan(...any) error }) (Deadline, error) { return scanDeadline(s) })},
		{query: "SELECT " + paperColumns + paperFrom + " WHERE pp.review_id = ? ORDER BY pp.id", args: []any{id},
			scan: into(&d.Papers, scanPaper)},
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
	if err := q.readBatch(ctx, stmts...); err != nil {
		return ReviewDossier{}, err
	}
	if !found {
		return ReviewDossier{}, ErrNotFound
	}
	var err error
	d.Calendar, err = q.calendarAt(ctx, calVersion)
	return d, err
}
