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

// ReviewDossier reads review id, if sc sees it (ErrNotFound otherwise),
// with its active delegation, deadlines, fee statement, papers,
// suspensions, archive record and timeline.
func (q *Queries) ReviewDossier(ctx context.Context, sc Scope, id int64) (ReviewDossier, error) {
	var d ReviewDossier
	var found bool
	var calVersion int64
	w, args := sc.reviewWhere()
	err := q.readBatch(ctx,
		stmt{query: "SELECT " + reviewColumns + ", (" + calendarVersionQuery + ")" + reviewFrom + " WHERE r.id = ? AND " + w,
			args: append([]any{id}, args...),
			scan: scanOptional(&found, func(s interface{ Scan(...any) error }) error {
				return s.Scan(append(reviewDest(&d.Review), &calVersion)...)
			})},
		stmt{query: "SELECT " + delegationColumns + delegationFrom + " WHERE g.review_id = ? AND g.status = 'active' ORDER BY g.id DESC LIMIT 1",
			args: []any{id}, scan: first(&d.Delegation, scanDelegation)},
		stmt{query: "SELECT " + deadlineColumns + " FROM deadlines d WHERE d.review_id = ? ORDER BY d.id", args: []any{id},
			scan: into(&d.Deadlines, func(s interface{ Scan(...any) error }) (Deadline, error) { return scanDeadline(s) })},
		stmt{query: "SELECT " + feeStatementColumns + " FROM fee_statements s JOIN fee_schedules fs ON fs.id = s.schedule_id WHERE s.review_id = ?",
			args: []any{id}, scan: first(&d.Statement, scanFeeStatement)},
		stmt{query: "SELECT " + paperColumns + paperFrom + " WHERE pp.review_id = ? ORDER BY pp.id", args: []any{id},
			scan: into(&d.Papers, scanPaper)},
		stmt{query: suspensionsOfReview, args: []any{id}, scan: into(&d.Suspensions, scanSuspension)},
		stmt{query: archiveRecordOfReview, args: []any{id}, scan: first(&d.Archive, scanArchiveRecord)},
		stmt{query: reviewEventsOfReview, args: []any{id}, scan: into(&d.Events, scanReviewEvent)},
	)
	if err != nil {
		return ReviewDossier{}, err
	}
	if !found {
		return ReviewDossier{}, ErrNotFound
	}
	d.Calendar, err = q.calendarAt(ctx, calVersion)
	return d, err
}
