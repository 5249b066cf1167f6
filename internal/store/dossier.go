package store

import (
	"context"

	"finreview/internal/calendar"
)

// ReviewDossier is everything a review's answer shows (GET /reviews/{id}
// and the answer to a transition).
type ReviewDossier struct {
	Review      Review
	Delegation  *Delegation // the active one, if any
	Deadlines   []Deadline
	Statement   *FeeStatement
	Papers      []Paper
	Suspensions []Suspension
	Archive     *ArchiveRecord
	Events      []ReviewEvent
	// SupervisorName is the display name of the review's supervisor
	// ("" when it has none), read with the review.
	SupervisorName string
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
	return q.ReviewDossierOf(ctx, sc, id, func(Review) DossierParts { return parts })
}

// ReviewDossierOf is ReviewDossier reading only the parts that parts
// names for the review as read (the parts it can have); the others are
// left empty.
func (q *Queries) ReviewDossierOf(ctx context.Context, sc Scope, id int64, partsOf func(Review) DossierParts) (ReviewDossier, error) {
	w, args := sc.reviewWhere()
	d, err := queryOne(ctx, q.db, func(s scanner) (ReviewDossier, error) {
		var d ReviewDossier
		err := s.Scan(append(reviewDest(&d.Review), &d.SupervisorName)...)
		return d, err
	}, "SELECT "+reviewColumns+", COALESCE((SELECT s.display_name FROM users s WHERE s.id = r.supervisor_id), '')"+
		reviewFrom+" WHERE r.id = ? AND "+w, append([]any{id}, args...)...)
	if err != nil {
		return ReviewDossier{}, translate(err)
	}
	parts := partsOf(d.Review)
	if d.Deadlines, err = q.ReviewDeadlines(ctx, id); err != nil {
		return ReviewDossier{}, err
	}
	if d.Papers, err = q.Papers(ctx, id); err != nil {
		return ReviewDossier{}, err
	}
	if d.Suspensions, err = q.Suspensions(ctx, id); err != nil {
		return ReviewDossier{}, err
	}
	if parts.Delegation {
		if d.Delegation, err = optional(q.ActiveDelegation(ctx, id)); err != nil {
			return ReviewDossier{}, err
		}
	}
	if parts.Statement {
		if d.Statement, err = optional(q.FeeStatementByReview(ctx, id)); err != nil {
			return ReviewDossier{}, err
		}
	}
	if parts.Archive {
		if d.Archive, err = optional(q.ArchiveRecordFor(ctx, id)); err != nil {
			return ReviewDossier{}, err
		}
	}
	if parts.Events {
		if d.Events, err = q.ReviewEvents(ctx, id); err != nil {
			return ReviewDossier{}, err
		}
	}
	d.Calendar, err = q.Calendar(ctx)
	return d, err
}
