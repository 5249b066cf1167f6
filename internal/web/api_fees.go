package web

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/fee"
	"finreview/internal/input"
	"finreview/internal/review"
)

func (a *App) billingService() (*billing.Service, error) { return wired(a.svc.Billing, "费用") }

// feeText reads a JSON string or number as text (amounts, codes).
type feeText string

func (t *feeText) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*t = ""
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*t = feeText(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("应为字符串或数字")
		}
		*t = feeText(n.String())
	}
	return nil
}

// feeLineJSON is one band line of a fee computation.
type feeLineJSON struct {
	From    string  `json:"from"`
	UpTo    *string `json:"up_to"`
	Rate    string  `json:"rate"`
	Segment string  `json:"segment"`
	Amount  string  `json:"amount"`
}

type feeScheduleRef struct {
	ID            *string `json:"id,omitempty"`
	Name          string  `json:"name"`
	Version       int     `json:"version"`
	EffectiveFrom string  `json:"effective_from"`
	Example       bool    `json:"example"`
}

func feeLines(ls []fee.BandLine) []feeLineJSON {
	out := make([]feeLineJSON, 0, len(ls))
	for _, l := range ls {
		j := feeLineJSON{From: l.From.StringFixed(2), Rate: l.Rate.String(), Segment: l.Segment.StringFixed(2), Amount: exactAmount(l.Amount)}
		if l.UpTo != nil {
			u := l.UpTo.StringFixed(2)
			j.UpTo = &u
		}
		out = append(out, j)
	}
	return out
}

// feeResultJSON is the JSON of a computation: the FEES.md figures, the
// formula inputs, the band lines and the schedule.
func feeResultJSON(res fee.Result, sc fee.Schedule, scheduleID int64) fiber.Map {
	f := res.Figures()
	ref := feeScheduleRef{Name: sc.Name, Version: sc.Version, EffectiveFrom: sc.EffectiveFrom, Example: sc.Example}
	if scheduleID != 0 {
		id := idText(scheduleID)
		ref.ID = &id
	}
	return fiber.Map{
		"basic_fee": f.BasicFee, "reduction_fee": f.ReductionFee, "total_fee": f.TotalFee,
		"contractor_share": f.ContractorShare, "finance_share": f.FinanceShare,
		"payable_now": f.PayableNow, "payable_later": f.PayableLater,
		"reduction": res.Reduction.StringFixed(2), "excess": exactAmount(res.Excess),
		"contractor_pays": res.ContractorPays,
		"lines":           feeLines(res.Lines),
		"schedule":        ref,
	}
}

func (a *App) apiFeeCalculate(c *fiber.Ctx) error {
	_, svc, err := serviceCall(c, auth.UseFeeCalculator, a.billingService)
	if err != nil {
		return err
	}
	var in struct {
		Kind      feeText `json:"kind"`
		Outcome   feeText `json:"outcome"`
		Submitted feeText `json:"submitted"`
		Audited   feeText `json:"audited"`
		Date      feeText `json:"date"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	date := a.now()
	if in.Date != "" {
		d, err := time.ParseInLocation(time.DateOnly, string(in.Date), shanghai)
		if err != nil {
			return &input.FieldError{Name: "date", Msg: "日期须为 YYYY-MM-DD"}
		}
		date = d.Add(12 * time.Hour)
	}
	res, sc, err := svc.WhatIf(c.UserContext(), string(in.Kind), string(in.Outcome), string(in.Submitted), string(in.Audited), date)
	if err != nil {
		return err
	}
	return c.JSON(feeResultJSON(res, sc, 0))
}

// feeScheduleJSON is a stored schedule version in the API.
func feeScheduleJSON(s billing.Schedule) fiber.Map {
	return fiber.Map{
		"id": idText(s.ID), "name": s.Fee.Name, "version": s.Version, "effective_from": s.Fee.EffectiveFrom,
		"example": s.Example, "used": s.Used, "created_at": apiTime(s.CreatedAt),
		"schedule": json.RawMessage(s.Body),
	}
}

// apiFeeSchedules lists the schedules to the roles that use the
// calculator.
func (a *App) apiFeeSchedules(c *fiber.Ctx) error {
	_, svc, err := serviceCall(c, auth.UseFeeCalculator, a.billingService)
	if err != nil {
		return err
	}
	list, err := svc.Schedules(c.UserContext())
	if err != nil {
		return err
	}
	return sendList(c, list, len(list), feeScheduleJSON)
}

func (a *App) apiCreateFeeSchedule(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ManageSchedules, a.billingService)
	if err != nil {
		return err
	}
	s, err := svc.CreateSchedule(c.UserContext(), p, c.Body())
	if err != nil {
		return err
	}
	return c.Status(201).JSON(feeScheduleJSON(s))
}

func (a *App) apiUpdateFeeSchedule(c *fiber.Ctx) error {
	p, svc, id, err := rowCall(c, auth.ManageSchedules, a.billingService)
	if err != nil {
		return err
	}
	s, err := svc.UpdateSchedule(c.UserContext(), p, id, c.Body())
	if err != nil {
		return err
	}
	return c.JSON(feeScheduleJSON(s))
}

// statementFor loads a review the principal may see and its statement
// (404 when the review is invisible or has no statement).
func (a *App) statementFor(c *fiber.Ctx) (auth.Principal, review.Review, billing.Statement, error) {
	p, err := mustPrincipal(c)
	if err != nil {
		return p, review.Review{}, billing.Statement{}, err
	}
	svc, err := a.billingService()
	if err != nil {
		return p, review.Review{}, billing.Statement{}, err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return p, review.Review{}, billing.Statement{}, err
	}
	r, err := a.svc.Reviews.Review(c.UserContext(), p, id)
	if err != nil {
		return p, review.Review{}, billing.Statement{}, err
	}
	st, err := svc.Statement(c.UserContext(), id)
	if err != nil {
		return p, r, billing.Statement{}, err
	}
	return p, r, st, nil
}

// verifiedStatement is statementFor refusing a statement whose stored
// figures differ from the recomputation: the API and the Excel download
// refuse it, the printed page shows the mismatch.
func (a *App) verifiedStatement(c *fiber.Ctx) (auth.Principal, review.Review, billing.Statement, error) {
	p, r, st, err := a.statementFor(c)
	if err == nil {
		err = st.Verify()
	}
	return p, r, st, err
}

func (a *App) apiFeeStatement(c *fiber.Ctx) error {
	_, r, st, err := a.verifiedStatement(c)
	if err != nil {
		return err
	}
	out := feeResultJSON(st.Result, st.Schedule.Fee, st.Schedule.ID)
	// The stored figures are the statement; Verify proved they equal the recomputation.
	for k, v := range map[string]string{
		"basic_fee": st.Stored.BasicFee.StringFixed(2), "reduction_fee": st.Stored.ReductionFee.StringFixed(2),
		"total_fee": st.Stored.TotalFee.StringFixed(2), "contractor_share": st.Stored.ContractorShare.StringFixed(2),
		"finance_share": st.Stored.FinanceShare.StringFixed(2), "payable_now": st.Stored.PayableNow.StringFixed(2),
		"payable_later": st.Stored.PayableLater.StringFixed(2),
	} {
		out[k] = v
	}
	costs := make([]fiber.Map, 0, len(st.ExpertCosts))
	for _, ec := range st.ExpertCosts {
		costs = append(costs, fiber.Map{"dispute_id": idText(ec.DisputeID), "fault_party": ec.FaultParty,
			"fault_party_label": billing.FaultPartyLabel(ec.FaultParty), "cost": ec.Cost.StringFixed(2)})
	}
	var paid any
	if st.Stored.PaidAt.Valid {
		paid = apiTime(st.Stored.PaidAt.Time)
	}
	out["review_id"] = idText(r.ID)
	out["project_code"] = r.ProjectCode
	out["project_name"] = r.ProjectName
	out["kind"] = st.Stored.Kind
	out["outcome"] = st.Stored.Outcome
	out["submitted_amount"] = st.Stored.SubmittedAmount.StringFixed(2)
	out["audited_amount"] = st.Stored.AuditedAmount.StringFixed(2)
	out["expert_costs"] = costs
	out["computed_at"] = apiTime(st.Stored.ComputedAt)
	out["paid_at"] = paid
	out["verified"] = true
	return c.JSON(out)
}

// exactAmount writes an unrounded amount with all its decimals (at least two).
func exactAmount(d interface{ String() string }) string {
	s := d.String()
	if _, frac, ok := strings.Cut(s, "."); !ok || len(frac) < 2 {
		if !ok {
			return s + ".00"
		}
		return s + strings.Repeat("0", 2-len(frac))
	}
	return s
}
