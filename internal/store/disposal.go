package store

import (
	"context"
	"database/sql"
	"time"
)

// ArchiveDue is an archived review whose retention period is over.
type ArchiveDue struct {
	ReviewID        int64
	ArchiveNumber   string
	ProjectCode     string
	ProjectName     string
	PaperReceivedOn time.Time
	RetentionYears  int
	// DueOn is the first day after the retention period.
	DueOn       time.Time
	ConfirmedAt sql.NullTime
	ConfirmedBy string
	Note        string
}

// ArchivesDue lists the archived reviews in scope whose retention period
// has ended by today (the period runs from the paper's receipt), the
// longest due first; reviewID, when not 0, limits the list to one.
func (q *Queries) ArchivesDue(ctx context.Context, scope Scope, today time.Time, reviewID int64) ([]ArchiveDue, error) {
	where, args := scope.reviewWhere()
	query := `SELECT a.review_id, a.archive_number, p.code, p.name, a.paper_received_on, a.retention_years,
		DATE_ADD(a.paper_received_on, INTERVAL a.retention_years YEAR) AS due_on,
		d.confirmed_at, COALESCE(d.confirmed_by_name, ''), COALESCE(d.note, '')
		FROM archive_records a JOIN reviews r ON r.id = a.review_id JOIN projects p ON p.id = r.project_id
		LEFT JOIN archive_disposals d ON d.review_id = a.review_id
		WHERE ` + where + ` AND DATE_ADD(a.paper_received_on, INTERVAL a.retention_years YEAR) <= ?`
	args = append(args, today.Format(time.DateOnly))
	if reviewID != 0 {
		query += " AND a.review_id = ?"
		args = append(args, reviewID)
	}
	return queryAll(ctx, q.db, func(s scanner) (ArchiveDue, error) {
		var d ArchiveDue
		err := s.Scan(&d.ReviewID, &d.ArchiveNumber, &d.ProjectCode, &d.ProjectName, &d.PaperReceivedOn, &d.RetentionYears,
			&d.DueOn, &d.ConfirmedAt, &d.ConfirmedBy, &d.Note)
		return d, err
	}, query+" ORDER BY due_on, a.review_id LIMIT 1000", args...)
}

// InsertArchiveDisposal records a confirmation; a second one for the same
// review is ErrDuplicate.
func (q *Queries) InsertArchiveDisposal(ctx context.Context, reviewID, userID int64, userName, note string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO archive_disposals (review_id, confirmed_by, confirmed_by_name, confirmed_at, note)
		VALUES (?, ?, ?, ?, ?)`, reviewID, userID, userName, at, note)
	return translate(err)
}
