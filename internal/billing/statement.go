package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/fee"
	"finreview/internal/input"
	"finreview/internal/store"
)

// inputOf builds the fee input of a review. The audited amount may be
// missing only when the fee is zero anyway (returned, tracking).
func inputOf(r store.Review, outcome fee.Outcome) (fee.Input, error) {
	kind, err := fee.ParseKind(r.Kind)
	if err != nil {
		return fee.Input{}, &input.FieldError{Name: "kind", Msg: err.Error()}
	}
	if _, err := fee.ParseOutcome(string(outcome)); err != nil {
		return fee.Input{}, &input.FieldError{Name: "outcome", Msg: err.Error()}
	}
	in := fee.Input{Kind: kind, Outcome: outcome, Submitted: r.SubmittedAmount}
	switch {
	case r.AuditedAmount.Valid:
		in.Audited = r.AuditedAmount.Decimal
	case outcome == fee.Returned || kind == fee.Tracking:
		in.Audited = decimal.Zero
	default:
		return fee.Input{}, &input.FieldError{Name: "audited_amount", Msg: "审定金额未填写,无法计算评审费"}
	}
	return in, nil
}

// Conclude computes and stores the review's fee statement with the schedule
// in force on the delegation date (r.DelegatedAt, else at), marks that
// schedule used, and returns the stored statement. It runs inside the
// caller's transaction q. Concluding a review again (after an appeal)
// replaces its statement.
func (s *Service) Conclude(ctx context.Context, q *store.Queries, r store.Review, outcome fee.Outcome, at time.Time) (store.FeeStatement, error) {
	in, err := inputOf(r, outcome)
	if err != nil {
		return store.FeeStatement{}, err
	}
	date := at
	if r.DelegatedAt.Valid {
		date = r.DelegatedAt.Time
	}
	row, err := s.inForceTx(ctx, q, date)
	if err != nil {
		return store.FeeStatement{}, err
	}
	// Mark it used first: the update locks the row, so the body read next
	// is the one that can never change again.
	if err := q.MarkFeeScheduleUsed(ctx, row.ID); err != nil {
		return store.FeeStatement{}, fmt.Errorf("mark fee schedule used: %w", err)
	}
	if row, err = q.FeeScheduleByID(ctx, row.ID); err != nil {
		return store.FeeStatement{}, err
	}
	sc, err := schedule(row)
	if err != nil {
		return store.FeeStatement{}, err
	}
	res, err := fee.ComputeTotals(sc.Fee, in)
	if err != nil {
		return store.FeeStatement{}, fieldError(err)
	}
	st := store.FeeStatement{
		ReviewID: r.ID, ScheduleID: row.ID, Kind: string(in.Kind), Outcome: string(in.Outcome),
		SubmittedAmount: in.Submitted, AuditedAmount: in.Audited,
		BasicFee: res.BasicFee, ReductionFee: res.ReductionFee, TotalFee: res.TotalFee,
		ContractorShare: res.ContractorShare, FinanceShare: res.FinanceShare,
		PayableNow: res.PayableNow, PayableLater: res.PayableLater,
		ComputedAt: at.Truncate(time.Microsecond),
	}
	if err := q.UpsertFeeStatement(ctx, st); err != nil {
		return store.FeeStatement{}, fmt.Errorf("store fee statement: %w", err)
	}
	return q.FeeStatementByReview(ctx, r.ID)
}

// StatementFor returns the stored statement (store.ErrNotFound if none).
func (s *Service) StatementFor(ctx context.Context, reviewID int64) (store.FeeStatement, error) {
	return s.store.FeeStatementByReview(ctx, reviewID)
}

// Statement is a fee statement as printed: the stored figures, the stored
// inputs and schedule version, and the band lines recomputed from them.
type Statement struct {
	Stored   store.FeeStatement
	Schedule Schedule
	Input    fee.Input
	// Result is fee.Compute over the stored inputs and schedule version,
	// with the band lines; Verify checks that it equals Stored.
	Result fee.Result
	// ExpertCosts are the expert re-review costs recorded on the review's
	// disputes, borne by the party at fault.
	ExpertCosts []store.ExpertCost
}

// Statement loads a review's stored statement and recomputes it from the
// stored inputs with the stored schedule version (store.ErrNotFound when
// the review has no statement). Call Verify on the result before relying
// on it.
func (s *Service) Statement(ctx context.Context, reviewID int64) (Statement, error) {
	stored, err := s.store.FeeStatementByReview(ctx, reviewID)
	if err != nil {
		return Statement{}, err
	}
	row, err := s.store.FeeScheduleByID(ctx, stored.ScheduleID)
	if err != nil {
		return Statement{}, fmt.Errorf("fee schedule of statement %d: %w", reviewID, err)
	}
	sc, err := schedule(row)
	if err != nil {
		return Statement{}, err
	}
	in := fee.Input{Kind: fee.Kind(stored.Kind), Outcome: fee.Outcome(stored.Outcome),
		Submitted: stored.SubmittedAmount, Audited: stored.AuditedAmount}
	res, err := fee.Compute(sc.Fee, in)
	if err != nil {
		return Statement{}, fmt.Errorf("recompute statement %d: %w", reviewID, err)
	}
	costs, err := s.store.ExpertCosts(ctx, reviewID)
	if err != nil {
		return Statement{}, fmt.Errorf("expert costs of review %d: %w", reviewID, err)
	}
	return Statement{Stored: stored, Schedule: sc, Input: in, Result: res, ExpertCosts: costs}, nil
}

// MismatchError reports stored figures that differ from the recomputation.
type MismatchError struct {
	ReviewID int64
	Fields   []string // "total_fee: stored 1.00, recomputed 2.00"
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("fee statement of review %d differs from its recomputation: %s", e.ReviewID, strings.Join(e.Fields, "; "))
}

// Message is the Chinese text shown to users.
func (e *MismatchError) Message() string {
	return "费用结算单的存储金额与按原费率表重新计算的结果不一致:" + strings.Join(e.Fields, ";")
}

// Verify checks that recomputing the statement gives exactly the stored
// figures; it returns a *MismatchError naming every differing field.
func (st Statement) Verify() error {
	pairs := []struct {
		field          string
		stored, recomp decimal.Decimal
	}{
		{"basic_fee", st.Stored.BasicFee, st.Result.BasicFee},
		{"reduction_fee", st.Stored.ReductionFee, st.Result.ReductionFee},
		{"total_fee", st.Stored.TotalFee, st.Result.TotalFee},
		{"contractor_share", st.Stored.ContractorShare, st.Result.ContractorShare},
		{"finance_share", st.Stored.FinanceShare, st.Result.FinanceShare},
		{"payable_now", st.Stored.PayableNow, st.Result.PayableNow},
		{"payable_later", st.Stored.PayableLater, st.Result.PayableLater},
	}
	var bad []string
	for _, p := range pairs {
		if !p.stored.Equal(p.recomp) {
			bad = append(bad, fmt.Sprintf("%s: stored %s, recomputed %s", p.field, p.stored.StringFixed(2), p.recomp.StringFixed(2)))
		}
	}
	if st.Schedule.Version != st.Stored.ScheduleVersion {
		bad = append(bad, fmt.Sprintf("schedule version: stored %d, loaded %d", st.Stored.ScheduleVersion, st.Schedule.Version))
	}
	if len(bad) > 0 {
		return &MismatchError{ReviewID: st.Stored.ReviewID, Fields: bad}
	}
	return nil
}

// BandSum is the exact sum of the band amounts (before the discount).
func (st Statement) BandSum() decimal.Decimal {
	sum := decimal.Zero
	for _, l := range st.Result.Lines {
		sum = sum.Add(l.Amount)
	}
	return sum
}
