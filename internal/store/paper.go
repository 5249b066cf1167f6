package store

import (
	"context"
	"database/sql"
	"time"
	"unicode/utf8"
)

// Paper is an official paper issued for a review (业务通知书, 征求意见书,
// 评审结论, 费用结算单) with its 文号. Number is the serial within its
// jurisdiction, kind and year; DocNumber the full 文号 (巴财评〔2026〕15号).
// DocumentID is 0 until the PDF has been rendered and stored.
type Paper struct {
	ID             int64
	ReviewID       int64
	Kind           string
	JurisdictionID int64
	Year           int
	Number         int
	DocNumber      string
	DocumentID     int64
	IssuedBy       int64
	IssuedAt       time.Time
	VoidedAt       sql.NullTime
	VoidReason     string
	VoidedBy       int64
	// Snapshot is the JSON content the PDF was rendered from ("" until rendered).
	Snapshot string
	// IssuedByName is the name the paper was issued under.
	IssuedByName string
	// RenderAttempts counts the failed attempts at making its PDF,
	// RenderError is the last failure, and RenderFailedAt is set when the
	// paper was parked after too many (no longer rendered in background).
	RenderAttempts int
	RenderError    string
	RenderFailedAt sql.NullTime
	// Read-only joins.
	ProjectName string
	ProjectCode string
}

// Voided reports whether the number was voided.
func (p Paper) Voided() bool { return p.VoidedAt.Valid }

// RenderParked reports whether making the PDF failed too often and the
// paper waits for staff.
func (p Paper) RenderParked() bool { return p.DocumentID == 0 && p.RenderFailedAt.Valid }

const paperColumns = `pp.id, pp.review_id, pp.kind, pp.jurisdiction_id, pp.year, pp.number, pp.doc_number,
	COALESCE(pp.document_id,0), COALESCE(pp.issued_by,0), pp.issued_at, pp.voided_at, COALESCE(pp.void_reason,''),
	COALESCE(pp.voided_by,0), COALESCE(pp.snapshot,''), pp.issued_by_name, pp.render_attempts, COALESCE(pp.render_error,''),
	pp.render_failed_at, p.name, p.code`

const paperFrom = ` FROM papers pp JOIN reviews r ON r.id = pp.review_id JOIN projects p ON p.id = r.project_id`

func scanPaper(s scanner) (Paper, error) {
	var p Paper
	err := s.Scan(&p.ID, &p.ReviewID, &p.Kind, &p.JurisdictionID, &p.Year, &p.Number, &p.DocNumber,
		&p.DocumentID, &p.IssuedBy, &p.IssuedAt, &p.VoidedAt, &p.VoidReason, &p.VoidedBy, &p.Snapshot,
		&p.IssuedByName, &p.RenderAttempts, &p.RenderError, &p.RenderFailedAt, &p.ProjectName, &p.ProjectCode)
	return p, err
}

// NextPaperNumber takes the next number of a series for a jurisdiction and
// year. The counter row stays locked until the caller's transaction ends,
// so numbers are gap-free and never handed out twice; call it inside InTx.
//
// The upsert takes the row's exclusive lock at once. INSERT IGNORE followed
// by SELECT … FOR UPDATE would not do: on an existing row INSERT IGNORE
// takes a shared lock, and two transactions that both hold it and then ask
// for the exclusive one deadlock.
//
// A number an imported paper holds (its original 文号) is skipped: the same
// read tells whether the number is taken, and the counter moves on.
func (q *Queries) NextPaperNumber(ctx context.Context, jurisdictionID int64, series string, year int) (int, error) {
	for {
		if _, err := q.db.ExecContext(ctx,
			`INSERT INTO paper_counters (jurisdiction_id, series, year, last_number) VALUES (?, ?, ?, 1)
			 ON DUPLICATE KEY UPDATE last_number = last_number + 1`,
			jurisdictionID, series, year); err != nil {
			return 0, err
		}
		var n int
		var taken bool
		if err := q.db.QueryRowContext(ctx,
			`SELECT c.last_number, EXISTS(SELECT 1 FROM papers pp WHERE pp.jurisdiction_id = c.jurisdiction_id
			   AND pp.kind = c.series AND pp.year = c.year AND pp.number = c.last_number AND pp.imported)
			 FROM paper_counters c WHERE c.jurisdiction_id = ? AND c.series = ? AND c.year = ? FOR UPDATE`,
			jurisdictionID, series, year).Scan(&n, &taken); err != nil {
			return 0, translate(err)
		}
		if !taken {
			return n, nil
		}
	}
}

// InsertPaper records an issued paper.
func (q *Queries) InsertPaper(ctx context.Context, p Paper) (int64, error) {
	return q.insert(ctx,
		`INSERT INTO papers (review_id, kind, jurisdiction_id, year, number, doc_number, issued_by, issued_by_name, issued_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ReviewID, p.Kind, p.JurisdictionID, p.Year, p.Number, p.DocNumber, nullInt(p.IssuedBy), p.IssuedByName, p.IssuedAt)
}

// Paper loads one paper.
func (q *Queries) Paper(ctx context.Context, id int64) (Paper, error) {
	return queryRow(ctx, q.db, scanPaper, "SELECT "+paperColumns+paperFrom+" WHERE pp.id = ?", id)
}

// Papers lists the papers issued for a review, oldest first (voided ones included).
func (q *Queries) Papers(ctx context.Context, reviewID int64) ([]Paper, error) {
	return queryAll(ctx, q.db, scanPaper, "SELECT "+paperColumns+paperFrom+" WHERE pp.review_id = ? ORDER BY pp.id", reviewID)
}

// UnrenderedPapers lists papers issued but not yet stored as a document,
// with ids above afterID, leaving out the parked ones.
func (q *Queries) UnrenderedPapers(ctx context.Context, afterID int64, limit int) ([]Paper, error) {
	return queryAll(ctx, q.db, scanPaper, "SELECT "+paperColumns+paperFrom+
		" WHERE pp.document_id IS NULL AND pp.voided_at IS NULL AND pp.render_failed_at IS NULL AND NOT pp.imported AND pp.id > ?"+
		" ORDER BY pp.id LIMIT ?",
		afterID, limit)
}

// RecordPaperRenderFailure counts a failed attempt at a paper's PDF and
// keeps its error; at the maxAttempts-th failure the paper is parked
// (render_failed_at set). It reports the attempts so far and whether the
// paper is parked now.
func (q *Queries) RecordPaperRenderFailure(ctx context.Context, id int64, reason string, at time.Time, maxAttempts int) (int, bool, error) {
	reason = failureText(reason)
	if _, err := q.db.ExecContext(ctx,
		`UPDATE papers SET render_failed_at = IF(render_attempts + 1 >= ?, ?, render_failed_at),
		   render_attempts = render_attempts + 1, render_error = ?
		 WHERE id = ? AND document_id IS NULL`, maxAttempts, at, reason, id); err != nil {
		return 0, false, err
	}
	var n int
	var failed sql.NullTime
	if err := q.db.QueryRowContext(ctx, "SELECT render_attempts, render_failed_at FROM papers WHERE id = ?", id).Scan(&n, &failed); err != nil {
		return 0, false, translate(err)
	}
	return n, failed.Valid, nil
}

// SetPaperDocument links a rendered paper to its stored document and
// content snapshot; ErrNotFound when another instance rendered it first.
func (q *Queries) SetPaperDocument(ctx context.Context, paperID, documentID int64, snapshot string) error {
	res, err := q.db.ExecContext(ctx,
		"UPDATE papers SET document_id = ?, snapshot = ? WHERE id = ? AND document_id IS NULL", documentID, snapshot, paperID)
	return changed(res, err, ErrNotFound)
}

// VoidPaper records that a number was voided (it is never reused);
// ErrNotFound when the paper does not exist or was voided already.
func (q *Queries) VoidPaper(ctx context.Context, id, by int64, reason string, at time.Time) error {
	res, err := q.db.ExecContext(ctx,
		"UPDATE papers SET voided_at = ?, void_reason = ?, voided_by = ? WHERE id = ? AND voided_at IS NULL",
		at, reason, nullInt(by), id)
	return changed(res, err, ErrNotFound)
}

// PaperFilter narrows a search of papers.
type PaperFilter struct {
	// DocNumber matches any part of the 文号.
	DocNumber     string
	Kind          string
	Limit, Offset int
}

// SearchPapers lists the papers of reviews the scope may see, newest first,
// with the total count.
func (q *Queries) SearchPapers(ctx context.Context, sc Scope, f PaperFilter) ([]Paper, int, error) {
	w, args := sc.reviewWhere()
	if f.DocNumber != "" {
		w += " AND pp.doc_number LIKE ?"
		args = append(args, "%"+escapeLike(f.DocNumber)+"%")
	}
	if f.Kind != "" {
		w += " AND pp.kind = ?"
		args = append(args, f.Kind)
	}
	var total int
	if err := q.db.QueryRowContext(ctx, "SELECT COUNT(*)"+paperFrom+" WHERE "+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	out, err := queryAll(ctx, q.db, scanPaper, "SELECT "+paperColumns+paperFrom+" WHERE "+w+" ORDER BY pp.issued_at DESC, pp.id DESC LIMIT ? OFFSET ?",
		append(args, f.Limit, f.Offset)...)
	return out, total, err
}

// failureText keeps at most 2000 bytes of a failure's text for its
// column, cut at a character boundary.
func failureText(s string) string {
	n := 2000
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
