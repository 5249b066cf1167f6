package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/shopspring/decimal"
)

// Records a review keeps beside its state: work plans, signatures,
// disputes, site surveys, tracking records, sample re-reviews, suspensions
// and the experts drawn for it.

// WorkPlan is a firm's work plan (评审方案) for a delegated review.
type WorkPlan struct {
	ID         int64
	ReviewID   int64
	FirmID     int64
	Mode       string
	SurveyDate sql.NullTime
	KeyIssues  string
	Staff      string
	// PlannedCompletion is the date the firm plans to report by.
	PlannedCompletion sql.NullTime
	Status            string // submitted | approved | redo
	ApprovedBy        int64
	ApprovedAt        sql.NullTime
	// ReviewNote is the supervisor's reason when the plan is to be redone.
	ReviewNote string
	CreatedAt  time.Time
}

// InsertWorkPlan records a submitted plan.
func (q *Queries) InsertWorkPlan(ctx context.Context, p WorkPlan) (int64, error) {
	return q.insert(ctx,
		`INSERT INTO work_plans (review_id, firm_id, mode, survey_date, key_issues, staff, planned_completion, status, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ReviewID, p.FirmID, p.Mode, p.SurveyDate, p.KeyIssues, p.Staff, p.PlannedCompletion,
		p.Status, p.CreatedAt)
}

// LatestWorkPlan returns the newest plan of the review by the firm (ErrNotFound if none).
func (q *Queries) LatestWorkPlan(ctx context.Context, reviewID, firmID int64) (WorkPlan, error) {
	var p WorkPlan
	err := q.db.QueryRowContext(ctx,
		`SELECT id, review_id, firm_id, mode, survey_date, key_issues, staff, planned_completion, status, COALESCE(approved_by,0),
		   approved_at, COALESCE(review_note,''), created_at
		 FROM work_plans WHERE review_id = ? AND firm_id = ? ORDER BY id DESC LIMIT 1`, reviewID, firmID).
		Scan(&p.ID, &p.ReviewID, &p.FirmID, &p.Mode, &p.SurveyDate, &p.KeyIssues, &p.Staff, &p.PlannedCompletion, &p.Status,
			&p.ApprovedBy, &p.ApprovedAt, &p.ReviewNote, &p.CreatedAt)
	return p, translate(err)
}

// ReturnWorkPlan sends a plan back to be redone, with the supervisor's note.
func (q *Queries) ReturnWorkPlan(ctx context.Context, id, userID int64, note string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, "UPDATE work_plans SET status = 'redo', approved_by = ?, approved_at = ?, review_note = ? WHERE id = ?",
		nullInt(userID), at, note, id)
	return err
}

// ApproveWorkPlan marks a plan approved.
func (q *Queries) ApproveWorkPlan(ctx context.Context, id, userID int64, at time.Time) error {
	_, err := q.db.ExecContext(ctx, "UPDATE work_plans SET status = 'approved', approved_by = ?, approved_at = ? WHERE id = ?",
		nullInt(userID), at, id)
	return err
}

// Signature is a party's signature on the opinion letter.
type Signature struct {
	ID       int64
	ReviewID int64
	Round    int
	Party    string // unit | contractor
	OrgID    int64
	UserID   int64
	Agree    bool
	Reasons  string
	At       time.Time
}

// InsertSignature records a signature.
func (q *Queries) InsertSignature(ctx context.Context, s Signature) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO signatures (review_id, round, party, org_id, user_id, agree, reasons, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		s.ReviewID, s.Round, s.Party, nullInt(s.OrgID), nullInt(s.UserID), s.Agree, s.Reasons, s.At)
	return translate(err)
}

// Signatures lists a review's signatures, oldest first.
func (q *Queries) Signatures(ctx context.Context, reviewID int64) ([]Signature, error) {
	return queryAll(ctx, q.db, func(sc scanner) (Signature, error) {
		var s Signature
		err := sc.Scan(&s.ID, &s.ReviewID, &s.Round, &s.Party, &s.OrgID, &s.UserID, &s.Agree, &s.Reasons, &s.At)
		return s, err
	}, `SELECT id, review_id, round, party, COALESCE(org_id,0), COALESCE(user_id,0), agree, reasons, at
		 FROM signatures WHERE review_id = ? ORDER BY id`, reviewID)
}

// OpenDispute records the unit's objections.
func (q *Queries) OpenDispute(ctx context.Context, reviewID int64, reasons string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, "INSERT INTO disputes (review_id, reasons, opened_at) VALUES (?, ?, ?)", reviewID, reasons, at)
	return translate(err)
}

// SetDisputeExperts records the experts of the open dispute.
func (q *Queries) SetDisputeExperts(ctx context.Context, reviewID int64, expertIDs string) error {
	_, err := q.db.ExecContext(ctx,
		"UPDATE disputes SET expert_ids = ? WHERE review_id = ? AND resolved_at IS NULL", expertIDs, reviewID)
	return err
}

// ResolveDispute closes the open dispute with the party at fault and the revised amount.
func (q *Queries) ResolveDispute(ctx context.Context, reviewID int64, faultParty string, revised decimal.Decimal, at time.Time) error {
	_, err := q.db.ExecContext(ctx,
		"UPDATE disputes SET fault_party = ?, revised_amount = ?, resolved_at = ? WHERE review_id = ? AND resolved_at IS NULL",
		faultParty, revised, at, reviewID)
	return err
}

// AddReviewExpert draws an expert for a review.
func (q *Queries) AddReviewExpert(ctx context.Context, reviewID, expertID int64, purpose string, at time.Time) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT IGNORE INTO review_experts (review_id, expert_id, purpose, drawn_at) VALUES (?, ?, ?, ?)", reviewID, expertID, purpose, at)
	return translate(err)
}

// ExpertExists reports whether an active expert has the id.
func (q *Queries) ExpertExists(ctx context.Context, id int64) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM experts WHERE id = ? AND active", id).Scan(&n)
	return n > 0, err
}

// SiteSurvey is a firm's site survey (现场踏勘).
type SiteSurvey struct {
	ReviewID   int64
	SurveyDate time.Time
	People     string
	Findings   string
	CreatedBy  int64
	CreatedAt  time.Time
}

// InsertSiteSurvey records a survey.
func (q *Queries) InsertSiteSurvey(ctx context.Context, s SiteSurvey) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO site_surveys (review_id, survey_date, people, findings, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		s.ReviewID, s.SurveyDate, s.People, s.Findings, nullInt(s.CreatedBy), s.CreatedAt)
	return translate(err)
}

// TrackingRecord is an entry of a tracking review (跟踪评审记录).
type TrackingRecord struct {
	ReviewID    int64
	Kind        string
	RecordDate  time.Time
	Title       string
	Description string
	Amount      decimal.NullDecimal
	CreatedBy   int64
	CreatedAt   time.Time
}

// InsertTrackingRecord records a tracking entry.
func (q *Queries) InsertTrackingRecord(ctx context.Context, t TrackingRecord) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO tracking_records (review_id, kind, record_date, title, description, amount, created_by, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ReviewID, t.Kind, t.RecordDate, t.Title, t.Description, t.Amount, nullInt(t.CreatedBy), t.CreatedAt)
	return translate(err)
}

// SampleRecheck is the Review Center's sample re-review of a concluded review.
type SampleRecheck struct {
	ReviewID        int64
	FirmID          int64
	RecheckedAmount decimal.Decimal
	Deviation       decimal.Decimal
	Accurate        bool
	Note            string
	CreatedBy       int64
	CreatedAt       time.Time
}

// InsertSampleRecheck records a sample re-review.
func (q *Queries) InsertSampleRecheck(ctx context.Context, s SampleRecheck) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO sample_rechecks (review_id, firm_id, rechecked_amount, deviation, accurate, note, created_by, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ReviewID, nullInt(s.FirmID), s.RecheckedAmount, s.Deviation, s.Accurate, s.Note, nullInt(s.CreatedBy), s.CreatedAt)
	return translate(err)
}

// StartSuspension records a suspension (中止评审).
func (q *Queries) StartSuspension(ctx context.Context, reviewID int64, reason string, expectedWorkdays int, by int64, at time.Time) error {
	_, err := q.db.ExecContext(ctx, "INSERT INTO suspensions (review_id, reason, expected_workdays, started_at, started_by) VALUES (?, ?, ?, ?, ?)",
		reviewID, reason, expectedWorkdays, at, nullInt(by))
	return translate(err)
}

// EndSuspension closes the open suspension.
func (q *Queries) EndSuspension(ctx context.Context, reviewID, by int64, at time.Time) error {
	_, err := q.db.ExecContext(ctx, "UPDATE suspensions SET ended_at = ?, ended_by = ? WHERE review_id = ? AND ended_at IS NULL",
		at, nullInt(by), reviewID)
	return translate(err)
}
