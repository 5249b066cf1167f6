package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"finreview/workflow"
)

// FeeSchedule is one stored version of a fee schedule (费率表). Body is the
// schedule's JSON in the form of data/fee-schedule.example.json; a schedule
// that priced a statement is Used and never changes again.
type FeeSchedule struct {
	ID            int64
	Name          string
	Version       int
	EffectiveFrom time.Time // a date, midnight Asia/Shanghai
	Body          string
	IsExample     bool
	Used          bool
	CreatedBy     int64
	CreatedAt     time.Time
}

const feeScheduleColumns = "id, name, version, effective_from, body, is_example, used, COALESCE(created_by,0), created_at"

func scanFeeSchedule(s scanner) (FeeSchedule, error) {
	var f FeeSchedule
	err := s.Scan(&f.ID, &f.Name, &f.Version, &f.EffectiveFrom, &f.Body, &f.IsExample, &f.Used, &f.CreatedBy, &f.CreatedAt)
	return f, err
}

// InsertFeeSchedule adds a schedule as the next version (one above the
// highest stored version) and returns it with its id and version. The
// version counter is read under a lock, so two concurrent inserts never
// share a number; call it inside a transaction.
func (q *Queries) InsertFeeSchedule(ctx context.Context, f FeeSchedule) (FeeSchedule, error) {
	var last int
	if err := q.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version),0) FROM fee_schedules FOR UPDATE").Scan(&last); err != nil {
		return FeeSchedule{}, fmt.Errorf("next schedule version: %w", err)
	}
	f.Version = last + 1
	if f.CreatedAt.IsZero() {
		f.CreatedAt = time.Now()
	}
	id, err := q.insert(ctx,
		`INSERT INTO fee_schedules (name, version, effective_from, body, is_example, used, created_by, created_at)
		 VALUES (?, ?, ?, ?, ?, FALSE, ?, ?)`,
		f.Name, f.Version, f.EffectiveFrom.Format("2006-01-02"), f.Body, f.IsExample, nullInt(f.CreatedBy), f.CreatedAt)
	if err != nil {
		return FeeSchedule{}, err
	}
	f.ID = id
	f.Used = false
	return f, nil
}

// UpdateUnusedFeeSchedule rewrites a schedule that has not priced any
// statement yet. It returns ErrNotFound for an unknown id and ErrScheduleUsed
// when the schedule is used (immutable).
func (q *Queries) UpdateUnusedFeeSchedule(ctx context.Context, f FeeSchedule) error {
	res, err := q.db.ExecContext(ctx,
		`UPDATE fee_schedules SET name = ?, effective_from = ?, body = ?, is_example = ? WHERE id = ? AND used = FALSE`,
		f.Name, f.EffectiveFrom.Format("2006-01-02"), f.Body, f.IsExample, f.ID)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		return nil
	}
	var used bool
	if err := q.db.QueryRowContext(ctx, "SELECT used FROM fee_schedules WHERE id = ?", f.ID).Scan(&used); err != nil {
		return translate(err)
	}
	if used {
		return ErrScheduleUsed
	}
	return nil // unchanged values: MariaDB reports 0 rows affected
}

// ErrScheduleUsed refuses to change a schedule that priced a statement.
var ErrScheduleUsed = scheduleUsedError{}

type scheduleUsedError struct{}

func (scheduleUsedError) Error() string {
	return "该费率表已用于费用结算,不可修改;请新建一个版本"
}
func (scheduleUsedError) HTTPStatus() int { return 409 }
func (scheduleUsedError) Code() string    { return "schedule_used" }

// FeeSchedules lists every schedule version, newest version first.
func (q *Queries) FeeSchedules(ctx context.Context) ([]FeeSchedule, error) {
	return queryAll(ctx, q.db, scanFeeSchedule, "SELECT "+feeScheduleColumns+" FROM fee_schedules ORDER BY version DESC")
}

// FeeScheduleByID loads one schedule version.
func (q *Queries) FeeScheduleByID(ctx context.Context, id int64) (FeeSchedule, error) {
	return queryRow(ctx, q.db, scanFeeSchedule, "SELECT "+feeScheduleColumns+" FROM fee_schedules WHERE id = ?", id)
}

// FeeScheduleInForce returns the schedule in force on a date: the latest
// effective_from on or before it (the highest version among equal dates).
// ErrNotFound when no schedule had taken effect yet.
func (q *Queries) FeeScheduleInForce(ctx context.Context, date time.Time) (FeeSchedule, error) {
	return queryRow(ctx, q.db, scanFeeSchedule,
		"SELECT "+feeScheduleColumns+" FROM fee_schedules WHERE effective_from <= ? ORDER BY effective_from DESC, version DESC LIMIT 1",
		date.Format("2006-01-02"))
}

// CountFeeSchedules counts stored schedule versions.
func (q *Queries) CountFeeSchedules(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM fee_schedules").Scan(&n)
	return n, err
}

// MarkFeeScheduleUsed flags a schedule as used, which makes it immutable.
// The update locks the row, so a concurrent edit of an unused schedule
// either finishes first or is refused.
func (q *Queries) MarkFeeScheduleUsed(ctx context.Context, id int64) error {
	res, err := q.db.ExecContext(ctx, "UPDATE fee_schedules SET used = TRUE WHERE id = ?", id)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		// Already used (0 rows changed) or unknown.
		var one int
		if err := q.db.QueryRowContext(ctx, "SELECT 1 FROM fee_schedules WHERE id = ?", id).Scan(&one); err != nil {
			return translate(err)
		}
	}
	return nil
}

// FeeStatement is the stored fee of a concluded review (费用结算单): the
// inputs it was computed from, the schedule version, and every figure.
type FeeStatement struct {
	ReviewID        int64
	ScheduleID      int64
	Kind            string
	Outcome         string
	SubmittedAmount decimal.Decimal
	AuditedAmount   decimal.Decimal
	BasicFee        decimal.Decimal
	ReductionFee    decimal.Decimal
	TotalFee        decimal.Decimal
	ContractorShare decimal.Decimal
	FinanceShare    decimal.Decimal
	PayableNow      decimal.Decimal
	PayableLater    decimal.Decimal
	PaidAt          sql.NullTime
	ComputedAt      time.Time
	// Read-only joins.
	ScheduleName    string
	ScheduleVersion int
	ScheduleExample bool
}

const feeStatementColumns = `s.review_id, s.schedule_id, s.kind, s.outcome, s.submitted_amount, s.audited_amount, s.basic_fee,
	s.reduction_fee, s.total_fee, s.contractor_share, s.finance_share, s.payable_now, s.payable_later, s.paid_at, s.computed_at,
	fs.name, fs.version, fs.is_example`

func scanFeeStatement(sc scanner) (FeeStatement, error) {
	var s FeeStatement
	err := sc.Scan(&s.ReviewID, &s.ScheduleID, &s.Kind, &s.Outcome, &s.SubmittedAmount, &s.AuditedAmount, &s.BasicFee,
		&s.ReductionFee, &s.TotalFee, &s.ContractorShare, &s.FinanceShare, &s.PayableNow, &s.PayableLater, &s.PaidAt,
		&s.ComputedAt, &s.ScheduleName, &s.ScheduleVersion, &s.ScheduleExample)
	return s, err
}

// UpsertFeeStatement stores a review's statement, replacing the one of an
// earlier conclusion of the same review (the payment date is kept).
func (q *Queries) UpsertFeeStatement(ctx context.Context, s FeeStatement) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO fee_statements (review_id, schedule_id, kind, outcome, submitted_amount, audited_amount, basic_fee,
		   reduction_fee, total_fee, contractor_share, finance_share, payable_now, payable_later, computed_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE schedule_id = VALUES(schedule_id), kind = VALUES(kind), outcome = VALUES(outcome),
		   submitted_amount = VALUES(submitted_amount), audited_amount = VALUES(audited_amount), basic_fee = VALUES(basic_fee),
		   reduction_fee = VALUES(reduction_fee), total_fee = VALUES(total_fee), contractor_share = VALUES(contractor_share),
		   finance_share = VALUES(finance_share), payable_now = VALUES(payable_now), payable_later = VALUES(payable_later),
		   computed_at = VALUES(computed_at)`,
		s.ReviewID, s.ScheduleID, s.Kind, s.Outcome, s.SubmittedAmount, s.AuditedAmount, s.BasicFee,
		s.ReductionFee, s.TotalFee, s.ContractorShare, s.FinanceShare, s.PayableNow, s.PayableLater, s.ComputedAt)
	return translate(err)
}

// FeeStatementByReview loads a review's statement; ErrNotFound if none.
func (q *Queries) FeeStatementByReview(ctx context.Context, reviewID int64) (FeeStatement, error) {
	return queryRow(ctx, q.db, scanFeeStatement,
		"SELECT "+feeStatementColumns+" FROM fee_statements s JOIN fee_schedules fs ON fs.id = s.schedule_id WHERE s.review_id = ?",
		reviewID)
}

// ExpertCost is the expert re-review cost of one dispute and the party at
// fault who bears it (过错方承担).
type ExpertCost struct {
	DisputeID  int64
	FaultParty string
	Cost       decimal.Decimal
	OpenedAt   time.Time
	ResolvedAt sql.NullTime
}

// ExpertCosts lists a review's disputes that recorded an expert cost.
func (q *Queries) ExpertCosts(ctx context.Context, reviewID int64) ([]ExpertCost, error) {
	return queryAll(ctx, q.db, func(s scanner) (ExpertCost, error) {
		var e ExpertCost
		err := s.Scan(&e.DisputeID, &e.FaultParty, &e.Cost, &e.OpenedAt, &e.ResolvedAt)
		return e, err
	}, `SELECT id, COALESCE(fault_party,''), expert_cost, opened_at, resolved_at FROM disputes
		 WHERE review_id = ? AND expert_cost IS NOT NULL ORDER BY id`, reviewID)
}

// ContractorDeduction is one review's contractor share listed under one of
// the project's contractors. A project with several contractors lists the
// same share once under each (Contractors > 1); the settlement office
// splits it by contract.
type ContractorDeduction struct {
	ContractorID     int64
	ContractorName   string
	CreditCode       string
	ReviewID         int64
	ProjectCode      string
	ProjectName      string
	JurisdictionName string
	Kind             string
	State            workflow.State
	SubmittedAmount  decimal.Decimal
	AuditedAmount    decimal.Decimal
	TotalFee         decimal.Decimal
	ContractorShare  decimal.Decimal
	ComputedAt       time.Time
	Contractors      int  // contractors on the project
	Paid             bool // the statement is marked paid
}

// DeductionFilter narrows the contractor deduction list.
type DeductionFilter struct {
	ContractorID int64 // 0: every contractor
	Search       string
}

// deductionStates are the states in which a statement is final: concluded
// and later.
var deductionStates = []workflow.State{workflow.Concluded, workflow.Processed, workflow.Archived}

// EachContractorDeduction calls fn, as the rows are read, with one row per
// review and contractor for the concluded (and later) reviews the scope may
// see with a contractor share above zero, ordered by contractor then
// review. An error of fn's stops it.
//
// The statements are read first, each joined by key to its review,
// project and contractors (STRAIGHT_JOIN): 0.1-0.6 s for the province's
// 75,000 statements. Left to the optimizer, the order depended on the
// tables' statistics of the moment, and after they changed one plan ran
// for 43 s and another for over four minutes, holding the dashboard's
// figures (the first reader's wait, and the start-up warm-up, which gave
// up after two minutes).
func (q *Queries) EachContractorDeduction(ctx context.Context, sc Scope, f DeductionFilter, fn func(ContractorDeduction) error) error {
	w, args := sc.reviewWhere()
	w += " AND r.state IN (" + placeholders(len(deductionStates)) + ") AND s.contractor_share > 0"
	for _, st := range deductionStates {
		args = append(args, st)
	}
	if f.ContractorID != 0 {
		w += " AND pc.contractor_org_id = ?"
		args = append(args, f.ContractorID)
	}
	if f.Search != "" {
		like := "%" + escapeLike(f.Search) + "%"
		w += " AND (p.name LIKE ? OR p.code LIKE ? OR o.name LIKE ?)"
		args = append(args, like, like, like)
	}
	return queryEach(ctx, q.db, func(s scanner) (ContractorDeduction, error) {
		var d ContractorDeduction
		err := s.Scan(&d.ContractorID, &d.ContractorName, &d.CreditCode, &d.ReviewID, &d.ProjectCode, &d.ProjectName,
			&d.JurisdictionName, &d.Kind, &d.State, &d.SubmittedAmount, &d.AuditedAmount, &d.TotalFee, &d.ContractorShare,
			&d.ComputedAt, &d.Contractors, &d.Paid)
		return d, err
	}, fn, `SELECT o.id, o.name, COALESCE(o.credit_code,''), r.id, p.code, p.name, j.name, r.kind, r.state,
		   s.submitted_amount, s.audited_amount, s.total_fee, s.contractor_share, s.computed_at,
		   (SELECT COUNT(*) FROM project_contractors pc2 WHERE pc2.project_id = p.id), s.paid_at IS NOT NULL
		 FROM fee_statements s
		 STRAIGHT_JOIN reviews r ON r.id = s.review_id
		 STRAIGHT_JOIN projects p ON p.id = r.project_id
		 STRAIGHT_JOIN jurisdictions j ON j.id = r.jurisdiction_id
		 STRAIGHT_JOIN project_contractors pc ON pc.project_id = p.id
		 STRAIGHT_JOIN organizations o ON o.id = pc.contractor_org_id
		 WHERE `+w+` ORDER BY o.name, o.id, r.id`, args...)
}
