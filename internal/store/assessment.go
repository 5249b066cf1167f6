package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/assign"
)

// AssessmentPeriod is one firm assessment period (考核期).
type AssessmentPeriod struct {
	ID         int64
	Name       string
	StartsOn   time.Time
	EndsOn     time.Time
	Closed     bool
	Criteria   string // JSON list of criteria and weights; "" = the default criteria
	BottomN    int
	Threshold  decimal.Decimal
	CreatedBy  int64
	CreatedAt  sql.NullTime
	ComputedAt sql.NullTime
	ClosedBy   int64
	ClosedAt   sql.NullTime
}

const periodColumns = `id, name, starts_on, ends_on, closed, COALESCE(criteria,''), bottom_n, threshold, COALESCE(created_by,0),
	created_at, computed_at, COALESCE(closed_by,0), closed_at`

func scanPeriod(s scanner) (AssessmentPeriod, error) {
	var p AssessmentPeriod
	err := s.Scan(&p.ID, &p.Name, &p.StartsOn, &p.EndsOn, &p.Closed, &p.Criteria, &p.BottomN, &p.Threshold, &p.CreatedBy,
		&p.CreatedAt, &p.ComputedAt, &p.ClosedBy, &p.ClosedAt)
	return p, err
}

// InsertAssessmentPeriod adds a period and returns its id.
func (q *Queries) InsertAssessmentPeriod(ctx context.Context, p AssessmentPeriod) (int64, error) {
	return q.insert(ctx,
		`INSERT INTO assessment_periods (name, starts_on, ends_on, closed, criteria, bottom_n, threshold, created_by, created_at)
		 VALUES (?, ?, ?, FALSE, ?, ?, ?, ?, ?)`,
		p.Name, p.StartsOn.Format("2006-01-02"), p.EndsOn.Format("2006-01-02"), nullString(p.Criteria), p.BottomN,
		p.Threshold, nullInt(p.CreatedBy), p.CreatedAt)
}

// AssessmentPeriods lists the periods, latest first.
func (q *Queries) AssessmentPeriods(ctx context.Context) ([]AssessmentPeriod, error) {
	return queryAll(ctx, q.db, scanPeriod, "SELECT "+periodColumns+" FROM assessment_periods ORDER BY starts_on DESC, id DESC")
}

// AssessmentPeriodByID loads one period.
func (q *Queries) AssessmentPeriodByID(ctx context.Context, id int64) (AssessmentPeriod, error) {
	return queryRow(ctx, q.db, scanPeriod, "SELECT "+periodColumns+" FROM assessment_periods WHERE id = ?", id)
}

// LockAssessmentPeriod loads a period FOR UPDATE inside a transaction.
func (q *Queries) LockAssessmentPeriod(ctx context.Context, id int64) (AssessmentPeriod, error) {
	return queryRow(ctx, q.db, scanPeriod, "SELECT "+periodColumns+" FROM assessment_periods WHERE id = ? FOR UPDATE", id)
}

// MarkPeriodComputed records when the period's assessments were last computed.
func (q *Queries) MarkPeriodComputed(ctx context.Context, id int64, at time.Time) error {
	_, err := q.db.ExecContext(ctx, "UPDATE assessment_periods SET computed_at = ? WHERE id = ?", at, id)
	return translate(err)
}

// ClosePeriod closes a period for good.
func (q *Queries) ClosePeriod(ctx context.Context, id, by int64, at time.Time) error {
	res, err := q.db.ExecContext(ctx,
		"UPDATE assessment_periods SET closed = TRUE, closed_by = ?, closed_at = ? WHERE id = ? AND NOT closed", nullInt(by), at, id)
	return changed(res, err, ErrStale)
}

// AssessmentInput is the staff-entered part of a firm's assessment.
type AssessmentInput struct {
	PeriodID      int64
	FirmID        int64
	Truthfulness  decimal.Decimal
	ReportQuality decimal.Decimal
	EnteredBy     int64
	EnteredAt     time.Time
}

// UpsertAssessmentInput stores or replaces the entered scores of a firm.
func (q *Queries) UpsertAssessmentInput(ctx context.Context, in AssessmentInput) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO assessment_inputs (period_id, firm_id, truthfulness, report_quality, entered_by, entered_at)
		 VALUES (?, ?, ?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE truthfulness = VALUES(truthfulness), report_quality = VALUES(report_quality),
		   entered_by = VALUES(entered_by), entered_at = VALUES(entered_at)`,
		in.PeriodID, in.FirmID, in.Truthfulness, in.ReportQuality, nullInt(in.EnteredBy), in.EnteredAt)
	return translate(err)
}

// AssessmentInputs returns the entered scores of a period by firm.
func (q *Queries) AssessmentInputs(ctx context.Context, periodID int64) (map[int64]AssessmentInput, error) {
	return queryByKey(ctx, q.db, func(s scanner) (AssessmentInput, error) {
		var in AssessmentInput
		err := s.Scan(&in.PeriodID, &in.FirmID, &in.Truthfulness, &in.ReportQuality, &in.EnteredBy, &in.EnteredAt)
		return in, err
	}, func(in AssessmentInput) int64 { return in.FirmID },
		`SELECT period_id, firm_id, truthfulness, report_quality, COALESCE(entered_by,0), entered_at
		 FROM assessment_inputs WHERE period_id = ?`, periodID)
}

// deadlineDelegation joins a deadline d to the delegation g it was set
// under: of the review's delegations not ended before the deadline was
// created, the one made closest to its creation (the review service
// schedules the report deadline in the delegation's own transaction, with
// its own clock reading).
const deadlineDelegation = `g.id = (SELECT g2.id FROM delegations g2 WHERE g2.review_id = d.review_id
	AND (g2.ended_at IS NULL OR g2.ended_at >= d.created_at)
	ORDER BY ABS(TIMESTAMPDIFF(MICROSECOND, g2.at, d.created_at)), g2.id DESC LIMIT 1)`

// PeriodMetrics counts, for every firm with any record in [from, to), its
// delegations and declines (by delegation time), report deadlines due in the
// range that were met or missed (a deadline belongs to the delegation it was
// set under; one still pending after now counts as missed; those of a
// declined delegation are left out, the decline counting instead), sample re-reviews and
// their errors, expert re-reviews resolved with the firm at fault, and
// delegations cancelled after an appeal (appeals lost). The scores staff
// enter (truthfulness, report quality) are left zero.
func (q *Queries) PeriodMetrics(ctx context.Context, from, to, now time.Time) (map[int64]assign.Metrics, error) {
	out := map[int64]assign.Metrics{}
	type apply func(m *assign.Metrics, a, b int)
	type counts struct {
		firm int64
		a, b int
	}
	run := func(query string, fn apply, args ...any) error {
		return queryEach(ctx, q.db, func(s scanner) (counts, error) {
			var c counts
			err := s.Scan(&c.firm, &c.a, &c.b)
			return c, err
		}, func(c counts) error {
			m := out[c.firm]
			fn(&m, c.a, c.b)
			out[c.firm] = m
			return nil
		}, query, args...)
	}
	steps := []struct {
		query string
		fn    apply
		args  []any
	}{
		{`SELECT firm_id, COUNT(*), COALESCE(SUM(status = 'declined'),0) FROM delegations
		  WHERE at >= ? AND at < ? GROUP BY firm_id`,
			func(m *assign.Metrics, a, b int) { m.Delegations, m.Declines = a, b }, []any{from, to}},
		{`SELECT firm_id, COUNT(*), 0 FROM delegations
		  WHERE status = 'cancelled' AND ended_at >= ? AND ended_at < ? GROUP BY firm_id`,
			func(m *assign.Metrics, a, _ int) { m.AppealsLost = a }, []any{from, to}},
		{`SELECT g.firm_id,
		    COALESCE(SUM(d.fired_at IS NULL AND d.state NOT IN ('pending','paused','failed')),0),
		    COALESCE(SUM(d.fired_at IS NOT NULL OR d.state = 'failed' OR (d.state = 'pending' AND d.due_at < ?)),0)
		  FROM deadlines d JOIN delegations g ON ` + deadlineDelegation + `
		  WHERE d.kind = 'report' AND g.status <> 'declined' AND d.due_at >= ? AND d.due_at < ?
		  GROUP BY g.firm_id`,
			func(m *assign.Metrics, a, b int) { m.DeadlinesMet, m.DeadlinesMissed = a, b }, []any{now, from, to}},
		{`SELECT firm_id, COUNT(*), COALESCE(SUM(NOT accurate),0) FROM sample_rechecks
		  WHERE firm_id IS NOT NULL AND created_at >= ? AND created_at < ? GROUP BY firm_id`,
			func(m *assign.Metrics, a, b int) { m.SampleRechecks, m.SampleRecheckErrors = a, b }, []any{from, to}},
		{`SELECT r.firm_id, COUNT(*), 0 FROM disputes d JOIN reviews r ON r.id = d.review_id
		  WHERE d.fault_party = 'firm' AND r.firm_id IS NOT NULL AND d.resolved_at >= ? AND d.resolved_at < ?
		  GROUP BY r.firm_id`,
			func(m *assign.Metrics, a, _ int) { m.ExpertReviewsLost = a }, []any{from, to}},
	}
	for _, s := range steps {
		if err := run(s.query, s.fn, s.args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FirmAssessment is a firm's computed assessment of one period.
type FirmAssessment struct {
	ID            int64
	PeriodID      int64
	PeriodName    string
	PeriodClosed  bool
	FirmID        int64
	FirmName      string
	AdmittedAt    time.Time
	Timeliness    decimal.Decimal
	Accuracy      decimal.Decimal
	Truthfulness  decimal.Decimal
	ReportQuality decimal.Decimal
	Total         decimal.Decimal
	Rank          int
	Flagged       bool
	Evidence      string
	Metrics       string // JSON
	CreatedBy     int64
	CreatedAt     time.Time
}

// UpsertFirmAssessment stores or replaces a firm's assessment of a period.
func (q *Queries) UpsertFirmAssessment(ctx context.Context, a FirmAssessment) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO firm_assessments (period_id, firm_id, timeliness, accuracy, truthfulness, report_quality, total, rank_no,
		   flagged, evidence, metrics, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE timeliness = VALUES(timeliness), accuracy = VALUES(accuracy), truthfulness = VALUES(truthfulness),
		   report_quality = VALUES(report_quality), total = VALUES(total), rank_no = VALUES(rank_no), flagged = VALUES(flagged),
		   evidence = VALUES(evidence), metrics = VALUES(metrics), created_by = VALUES(created_by), created_at = VALUES(created_at)`,
		a.PeriodID, a.FirmID, a.Timeliness, a.Accuracy, a.Truthfulness, a.ReportQuality, a.Total, a.Rank,
		a.Flagged, a.Evidence, a.Metrics, nullInt(a.CreatedBy), a.CreatedAt)
	return translate(err)
}

// DeleteFirmAssessments removes a period's computed assessments (before recomputing).
func (q *Queries) DeleteFirmAssessments(ctx context.Context, periodID int64) error {
	_, err := q.db.ExecContext(ctx, "DELETE FROM firm_assessments WHERE period_id = ?", periodID)
	return err
}

const assessmentSelect = `SELECT a.id, a.period_id, p.name, p.closed, a.firm_id, o.name, f.admitted_at, a.timeliness, a.accuracy,
	a.truthfulness, a.report_quality, a.total, a.rank_no, a.flagged, a.evidence, COALESCE(a.metrics,''), COALESCE(a.created_by,0),
	a.created_at
	FROM firm_assessments a JOIN assessment_periods p ON p.id = a.period_id JOIN firms f ON f.org_id = a.firm_id
	JOIN organizations o ON o.id = a.firm_id`

func (q *Queries) assessments(ctx context.Context, where string, args ...any) ([]FirmAssessment, error) {
	return queryAll(ctx, q.db, func(s scanner) (FirmAssessment, error) {
		var a FirmAssessment
		err := s.Scan(&a.ID, &a.PeriodID, &a.PeriodName, &a.PeriodClosed, &a.FirmID, &a.FirmName, &a.AdmittedAt,
			&a.Timeliness, &a.Accuracy, &a.Truthfulness, &a.ReportQuality, &a.Total, &a.Rank, &a.Flagged, &a.Evidence,
			&a.Metrics, &a.CreatedBy, &a.CreatedAt)
		return a, err
	}, assessmentSelect+where, args...)
}

// FirmAssessments lists a period's assessments in rank order.
func (q *Queries) FirmAssessments(ctx context.Context, periodID int64) ([]FirmAssessment, error) {
	return q.assessments(ctx, " WHERE a.period_id = ? ORDER BY a.rank_no, a.firm_id", periodID)
}

// FirmAssessmentHistory lists a firm's assessments, latest period first.
func (q *Queries) FirmAssessmentHistory(ctx context.Context, firmID int64) ([]FirmAssessment, error) {
	return q.assessments(ctx, " WHERE a.firm_id = ? ORDER BY p.starts_on DESC, p.id DESC", firmID)
}

// AssessmentHistory lists the assessments of the given firms in every
// period, latest period first (the ranking history).
func (q *Queries) AssessmentHistory(ctx context.Context, limitPeriods int) ([]FirmAssessment, error) {
	return q.assessments(ctx, ` WHERE a.period_id IN (SELECT id FROM (SELECT id FROM assessment_periods
		ORDER BY starts_on DESC, id DESC LIMIT ?) recent) ORDER BY p.starts_on DESC, p.id DESC, a.rank_no`, limitPeriods)
}
