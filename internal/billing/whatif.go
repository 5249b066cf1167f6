package billing

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/fee"
	"finreview/internal/input"
	"finreview/internal/store"
)

// WhatIf computes the fee a review would cost with the schedule in force on
// date, from inputs typed by staff (试算). Amounts are parsed leniently
// (thousands separators allowed); an empty outcome is normal; the audited
// amount may be empty only when the fee is zero anyway (returned,
// tracking). Bad input is an *input.FieldError naming kind, outcome,
// submitted or audited.
func (s *Service) WhatIf(ctx context.Context, kind, outcome, submitted, audited string, date time.Time) (fee.Result, fee.Schedule, error) {
	in, err := WhatIfInput(kind, outcome, submitted, audited)
	if err != nil {
		return fee.Result{}, fee.Schedule{}, err
	}
	sc, err := s.ActiveSchedule(ctx, date)
	if err != nil {
		return fee.Result{}, fee.Schedule{}, err
	}
	res, err := fee.Compute(sc.Fee, in)
	if err != nil {
		return fee.Result{}, fee.Schedule{}, fieldError(err)
	}
	return res, sc.Fee, nil
}

// WhatIfInput parses what-if inputs into a fee.Input; errors are
// *input.FieldError naming the field, every refused field at once
// (errors.Join).
func WhatIfInput(kind, outcome, submitted, audited string) (fee.Input, error) {
	var in fee.Input
	errs := make([]error, 4)
	k, err := fee.ParseKind(strings.TrimSpace(kind))
	switch {
	case strings.TrimSpace(kind) == "":
		errs[0] = &input.FieldError{Name: "kind", Msg: "请选择评审类型"}
	case err != nil:
		errs[0] = &input.FieldError{Name: "kind", Msg: err.Error()}
	}
	o := fee.Normal
	if outcome = strings.TrimSpace(outcome); outcome != "" {
		if o, err = fee.ParseOutcome(outcome); err != nil {
			errs[1] = &input.FieldError{Name: "outcome", Msg: err.Error()}
		}
	}
	in.Kind, in.Outcome = k, o
	if strings.TrimSpace(submitted) == "" {
		errs[2] = &input.FieldError{Name: "submitted", Msg: "请填写送审金额"}
	} else if in.Submitted, err = fee.ParseAmountLenient(submitted); err != nil {
		errs[2] = &input.FieldError{Name: "submitted", Msg: err.Error()}
	}
	switch {
	case strings.TrimSpace(audited) != "":
		if in.Audited, err = fee.ParseAmountLenient(audited); err != nil {
			errs[3] = &input.FieldError{Name: "audited", Msg: err.Error()}
		}
	case o != fee.Returned && k != fee.Tracking:
		errs[3] = &input.FieldError{Name: "audited", Msg: "请填写审定金额"}
	default:
		in.Audited = decimal.Zero
	}
	return in, errors.Join(errs...)
}

// DeductionGroup is one contractor's list of contractor shares.
type DeductionGroup struct {
	ContractorID   int64
	ContractorName string
	CreditCode     string
	Count          int                         // rows listed under this contractor
	Rows           []store.ContractorDeduction // the rows, when the grouper keeps them
	Total          decimal.Decimal             // sum of the shares listed under this contractor
	Paid           decimal.Decimal             // of Total, on statements marked paid
	Owed           decimal.Decimal             // of Total, still to deduct
}

// Deductions is the contractor deduction list for the settlement office.
type Deductions struct {
	Groups []DeductionGroup
	// Total counts each review's share once, even when the review is listed
	// under several contractors.
	Total   decimal.Decimal
	Reviews int
	// Shared is true when some review is listed under several contractors.
	Shared bool
}

// Deductions lists the contractor shares of concluded reviews the scope may
// see, grouped per contractor (a review with several contractors appears
// under each, with its full share and a note). It is the one source of what
// a contractor bears: the dashboard, the deduction list and its Excel file
// all show these figures.
func (s *Service) Deductions(ctx context.Context, sc store.Scope, f store.DeductionFilter) (Deductions, error) {
	g := DeductionGrouper{KeepRows: true}
	if err := s.store.EachContractorDeduction(ctx, sc, f, g.Add); err != nil {
		return Deductions{}, err
	}
	return g.Deductions(), nil
}

// DeductionGrouper groups the rows of the deduction list per contractor as
// they are read (store.Queries.EachContractorDeduction, ordered by
// contractor): the list keeps each group's rows (KeepRows), the dashboard
// only the groups' figures, so that its computation, kept per scope, never
// holds a province's 26,000 rows.
type DeductionGrouper struct {
	KeepRows bool
	out      Deductions
	seen     map[int64]bool // reviews counted in out.Total
}

// Add adds the next row; it never fails (the error is for
// EachContractorDeduction's callback).
func (g *DeductionGrouper) Add(r store.ContractorDeduction) error {
	if g.seen == nil {
		g.seen = map[int64]bool{}
	}
	if n := len(g.out.Groups); n == 0 || g.out.Groups[n-1].ContractorID != r.ContractorID {
		g.out.Groups = append(g.out.Groups, DeductionGroup{ContractorID: r.ContractorID, ContractorName: r.ContractorName,
			CreditCode: r.CreditCode, Total: decimal.Zero, Paid: decimal.Zero, Owed: decimal.Zero})
	}
	grp := &g.out.Groups[len(g.out.Groups)-1]
	grp.Count++
	if g.KeepRows {
		grp.Rows = append(grp.Rows, r)
	}
	grp.Total = grp.Total.Add(r.ContractorShare)
	if r.Paid {
		grp.Paid = grp.Paid.Add(r.ContractorShare)
	} else {
		grp.Owed = grp.Owed.Add(r.ContractorShare)
	}
	if r.Contractors > 1 {
		g.out.Shared = true
	}
	if !g.seen[r.ReviewID] {
		g.seen[r.ReviewID] = true
		g.out.Total = g.out.Total.Add(r.ContractorShare)
		g.out.Reviews++
	}
	return nil
}

// Deductions is what the rows added make.
func (g *DeductionGrouper) Deductions() Deductions { return g.out }
