package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/fee"
)

type feeLineView struct {
	No                                int
	From, UpTo, Rate, Segment, Amount string
	Open                              bool
}

// feeView is a computation as pages show it: every formula input and line.
type feeView struct {
	ScheduleName, EffectiveFrom                           string
	Version                                               int
	Example                                               bool
	KindLabel, OutcomeLabel                               string
	Submitted, Audited, Reduction, Excess                 string
	Increase                                              bool
	Discount, ReductionRate, PenaltyThreshold, FirstRatio string
	Lines                                                 []feeLineView
	BandSum                                               string
	Free                                                  string // why every figure is zero, if so
	ContractorPays, Unilateral                            bool
	BasicFee, ReductionFee, TotalFee, ContractorShare     string
	FinanceShare, PayableNow, PayableLater                string
}

func newFeeView(sc fee.Schedule, in fee.Input, res fee.Result) feeView {
	v := feeView{
		ScheduleName: sc.Name, EffectiveFrom: sc.EffectiveFrom, Version: sc.Version, Example: sc.Example,
		KindLabel: in.Kind.Label(), OutcomeLabel: in.Outcome.Label(),
		Submitted: FormatMoney(in.Submitted), Audited: FormatMoney(in.Audited),
		Reduction: FormatMoney(res.Reduction.Abs()), Increase: res.Reduction.Sign() < 0,
		Excess:   fee.FormatExact(res.Excess),
		Discount: sc.Discount.String(), ReductionRate: sc.ReductionRate.String(),
		PenaltyThreshold: sc.PenaltyThreshold.String(), FirstRatio: sc.UnilateralFirstRatio.String(),
		ContractorPays: res.ContractorPays, Unilateral: in.Outcome == fee.Unilateral,
		BasicFee: FormatMoney(res.BasicFee), ReductionFee: FormatMoney(res.ReductionFee), TotalFee: FormatMoney(res.TotalFee),
		ContractorShare: FormatMoney(res.ContractorShare), FinanceShare: FormatMoney(res.FinanceShare),
		PayableNow: FormatMoney(res.PayableNow), PayableLater: FormatMoney(res.PayableLater),
	}
	switch {
	case in.Outcome == fee.Returned:
		v.Free = "退审不计费,各项金额均为 0.00。"
	case in.Kind == fee.Tracking:
		v.Free = "跟踪评审的费用随结算评审一并支付,本次各项金额均为 0.00。"
	}
	sum := decimal.Zero
	for i, l := range res.Lines {
		lv := feeLineView{No: i + 1, From: FormatMoney(l.From), Rate: l.Rate.String(), Segment: FormatMoney(l.Segment),
			Amount: fee.FormatExact(l.Amount), Open: l.UpTo == nil}
		if l.UpTo != nil {
			lv.UpTo = FormatMoney(*l.UpTo)
		}
		v.Lines = append(v.Lines, lv)
		sum = sum.Add(l.Amount)
	}
	v.BandSum = fee.FormatExact(sum)
	return v
}

// pageFeeCalculator is the what-if calculator (费用测算): the form keeps
// what was typed, and errors show under their field.
func (a *App) pageFeeCalculator(c *fiber.Ctx) error {
	_, svc, err := serviceCall(c, auth.UseFeeCalculator, a.billingService)
	if err != nil {
		return err
	}
	form := newForm()
	form.Values = map[string]string{
		"kind": c.Query("kind"), "outcome": c.Query("outcome", string(fee.Normal)),
		"submitted": c.Query("submitted"), "audited": c.Query("audited"),
		"date": c.Query("date", a.now().In(shanghai).Format(time.DateOnly)),
	}
	data := map[string]any{"Form": form.Values, "Errors": form.Errors, "Kinds": codeOptions(fee.Kinds()), "Outcomes": codeOptions(fee.Outcomes()),
		"Breadcrumb": []crumb{{Label: "业务管理"}, {Label: "费用测算"}}}
	status := 200
	if c.Query("kind") != "" || c.Query("submitted") != "" {
		date, derr := time.ParseInLocation(time.DateOnly, strings.TrimSpace(form.Values["date"]), shanghai)
		if derr != nil {
			form.fail("date", "日期须为 YYYY-MM-DD")
		}
		in, err := billing.WhatIfInput(form.Values["kind"], form.Values["outcome"], form.Values["submitted"], form.Values["audited"])
		if err == nil && form.ok() {
			var res fee.Result
			var sc fee.Schedule
			res, sc, err = svc.WhatIf(c.UserContext(), string(in.Kind), string(in.Outcome), form.Values["submitted"], form.Values["audited"], date.Add(12*time.Hour))
			if err == nil {
				v := newFeeView(sc, in, res)
				data["Result"] = &v
			}
		}
		var be *billing.Error
		switch {
		case err == nil, form.refuse(err):
		case errors.As(err, &be):
			data["Problem"] = be.Msg
		default:
			return err
		}
		if !form.ok() {
			status = 422
		}
	}
	return a.views.render(c, status, "fee_calculator", a.page(c, "费用测算", data))
}

type scheduleRow struct {
	ID                             int64
	Version                        int
	Name, EffectiveFrom, CreatedAt string
	Example, Used, InForce         bool
	Bands                          int
}

// pageFeeSchedules shows the schedules to the roles that use the
// calculator.
func (a *App) pageFeeSchedules(c *fiber.Ctx) error {
	p, err := require(c, auth.UseFeeCalculator)
	if err != nil {
		return err
	}
	return a.renderFeeSchedules(c, p, 200, nil)
}

func (a *App) renderFeeSchedules(c *fiber.Ctx, p auth.Principal, status int, form *scheduleForm) error {
	svc, err := a.billingService()
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := svc.EnsureExample(ctx); err != nil {
		return err
	}
	list, err := svc.Schedules(ctx)
	if err != nil {
		return err
	}
	var current int64
	if sc, err := svc.InForce(ctx, a.now()); err == nil {
		current = sc.ID
	}
	rows := make([]scheduleRow, 0, len(list))
	for _, s := range list {
		rows = append(rows, scheduleRow{ID: s.ID, Version: s.Version, Name: s.Fee.Name, EffectiveFrom: s.Fee.EffectiveFrom,
			CreatedAt: formatTime(s.CreatedAt, "2006-01-02 15:04"), Example: s.Example, Used: s.Used, InForce: s.ID == current,
			Bands: len(s.Fee.Bands)})
	}
	if form == nil {
		// Prefill the new version from the latest one.
		latest := fee.Example()
		if len(list) > 0 {
			latest = list[0].Fee
		}
		if latest.Name == fee.Example().Name {
			latest.Name = ""
		}
		f := scheduleFormOf(latest)
		form = &f
	}
	data := map[string]any{"Rows": rows, "Form": form, "CanEdit": p.Can(auth.ManageSchedules),
		"Breadcrumb": []crumb{{Label: "系统管理"}, {Label: "费率表"}}}
	if id, err := strconv.ParseInt(c.Query("show"), 10, 64); err == nil {
		for _, s := range list {
			if s.ID == id {
				data["Shown"] = scheduleShown{Version: s.Version, Name: s.Fee.Name, Example: s.Example, Form: scheduleFormOf(s.Fee)}
			}
		}
	}
	return a.views.render(c, status, "fee_schedules", a.page(c, "费率表", data))
}

type scheduleShown struct {
	Version int
	Name    string
	Example bool
	Form    scheduleForm
}

func (a *App) pageCreateFeeSchedule(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ManageSchedules, a.billingService)
	if err != nil {
		return err
	}
	f := readScheduleForm(c)
	parsed, ok := f.parse()
	if c.FormValue("preview") != "" {
		f.preview(parsed, ok)
		status := 200
		if len(f.Errors) > 0 {
			status = 422
		}
		return a.renderFeeSchedules(c, p, status, &f)
	}
	if !ok {
		return a.renderFeeSchedules(c, p, 422, &f)
	}
	s, err := svc.CreateSchedule(c.UserContext(), p, f.document())
	if f.refuse(err) {
		return a.renderFeeSchedules(c, p, 422, &f)
	}
	if err != nil {
		return err
	}
	msg := "已新建费率表第 " + strconv.Itoa(s.Version) + " 版,自 " + s.Fee.EffectiveFrom + " 起生效"
	return redirectMsg(c, "/fees/schedules", msg)
}

// pageFeeStatement is the printable 费用结算单 of a concluded review.
func (a *App) pageFeeStatement(c *fiber.Ctx) error {
	_, r, st, err := a.statementFor(c)
	if err != nil {
		return err
	}
	v := newFeeView(st.Schedule.Fee, st.Input, st.Result)
	// Print the stored figures (Verify below proves they equal the recomputation).
	s := st.Stored
	v.BasicFee, v.ReductionFee, v.TotalFee = FormatMoney(s.BasicFee), FormatMoney(s.ReductionFee), FormatMoney(s.TotalFee)
	v.ContractorShare, v.FinanceShare = FormatMoney(s.ContractorShare), FormatMoney(s.FinanceShare)
	v.PayableNow, v.PayableLater = FormatMoney(s.PayableNow), FormatMoney(s.PayableLater)
	data := map[string]any{"Review": r, "Fee": v, "Stored": s, "ComputedAt": formatTime(s.ComputedAt, "2006-01-02"),
		"PrintedAt": formatTime(a.now(), "2006-01-02")}
	if err := st.Verify(); err != nil {
		data["Mismatch"] = errText(err)
	}
	type costRow struct{ Party, Cost, Resolved string }
	var costs []costRow
	for _, ec := range st.ExpertCosts {
		resolved := "—"
		if ec.ResolvedAt.Valid {
			resolved = formatTime(ec.ResolvedAt.Time, "2006-01-02")
		}
		costs = append(costs, costRow{billing.FaultPartyLabel(ec.FaultParty), FormatMoney(ec.Cost), resolved})
	}
	data["ExpertCosts"] = costs
	return a.views.render(c, 200, "fee_statement", a.page(c, "费用结算单 - "+r.ProjectName, data))
}

func (a *App) pageFeeStatementExcel(c *fiber.Ctx) error {
	p, r, st, err := a.verifiedStatement(c)
	if err != nil {
		return err
	}
	b, err := billing.StatementExcel(st, r)
	if err != nil {
		return err
	}
	if err := a.svc.Billing.RecordDownload(c.UserContext(), p, r.ID, "fee_statement", "xlsx"); err != nil {
		return err
	}
	return sendWorkbook(c, "export.xlsx", "费用结算单-"+r.ProjectCode+".xlsx", b)
}

// deductionAccess decides who sees the deduction list and which rows:
// finance, review center and administrators see every contractor in their
// scope; a contractor sees its own deductions.
func deductionAccess(p auth.Principal) (billing.DeductionFilter, bool) {
	switch p.Role {
	case auth.Admin, auth.FinanceSection, auth.ReviewCenter:
		return billing.DeductionFilter{}, true
	case auth.Contractor:
		if p.OrgID == 0 {
			return billing.DeductionFilter{}, false
		}
		return billing.DeductionFilter{ContractorID: p.OrgID}, true
	}
	return billing.DeductionFilter{}, false
}

func (a *App) deductions(c *fiber.Ctx) (auth.Principal, billing.Deductions, error) {
	p, err := mustPrincipal(c)
	if err != nil {
		return p, billing.Deductions{}, err
	}
	f, ok := deductionAccess(p)
	if !ok {
		return p, billing.Deductions{}, auth.ErrForbidden
	}
	svc, err := a.billingService()
	if err != nil {
		return p, billing.Deductions{}, err
	}
	f.Search = strings.TrimSpace(c.Query("q"))
	d, err := svc.Deductions(c.UserContext(), p.Scope(), f)
	return p, d, err
}

type deductionRowView struct {
	No                                                int
	ReviewID                                          int64
	ProjectCode, ProjectName, Jurisdiction, KindLabel string
	Audited, TotalFee, Share, Concluded, Note         string
}

type deductionGroupView struct {
	Name, CreditCode, Total, Paid, Owed string
	Rows                                []deductionRowView
}

func (a *App) pageFeeDeductions(c *fiber.Ctx) error {
	_, d, err := a.deductions(c)
	if err != nil {
		return err
	}
	var groups []deductionGroupView
	n := 0
	for _, g := range d.Groups {
		gv := deductionGroupView{Name: g.ContractorName, CreditCode: g.CreditCode, Total: FormatMoney(g.Total),
			Paid: FormatMoney(g.Paid), Owed: FormatMoney(g.Owed)}
		for _, r := range g.Rows {
			n++
			gv.Rows = append(gv.Rows, deductionRowView{No: n, ReviewID: r.ReviewID, ProjectCode: r.ProjectCode,
				ProjectName: r.ProjectName, Jurisdiction: r.JurisdictionName, KindLabel: kindLabel(r.Kind),
				Audited: FormatMoney(r.AuditedAmount), TotalFee: FormatMoney(r.TotalFee), Share: FormatMoney(r.ContractorShare),
				Concluded: formatTime(r.ComputedAt, "2006-01-02"), Note: billing.DeductionNote(r)})
		}
		groups = append(groups, gv)
	}
	export := "/fees/deductions.xlsx"
	if q := strings.TrimSpace(c.Query("q")); q != "" {
		export += "?q=" + url.QueryEscape(q)
	}
	return a.views.render(c, 200, "fee_deductions", a.page(c, "施工单位扣减", map[string]any{
		"Groups": groups, "Total": FormatMoney(d.Total), "Reviews": d.Reviews, "Shared": d.Shared,
		"Query": c.Query("q"), "Export": export,
		"Breadcrumb": []crumb{{Label: "业务管理"}, {Label: "施工单位扣减"}},
	}))
}

func (a *App) pageFeeDeductionsExcel(c *fiber.Ctx) error {
	p, d, err := a.deductions(c)
	if err != nil {
		return err
	}
	b, err := billing.DeductionsExcel(d)
	if err != nil {
		return err
	}
	if err := a.svc.Billing.RecordDownload(c.UserContext(), p, 0, "contractor_deductions", "xlsx"); err != nil {
		return err
	}
	return sendWorkbook(c, "export.xlsx", "施工单位扣减清单-"+a.now().In(shanghai).Format("20060102")+".xlsx", b)
}
