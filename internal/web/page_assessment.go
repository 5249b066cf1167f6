package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"finreview/internal/assign"
	"finreview/internal/auth"
	"finreview/internal/firm"
	"finreview/internal/xlsx"
)

// assessmentView is what the assessment page shows.
type assessmentView struct {
	Periods  []firm.AssessmentPeriod
	Selected *firm.Ranking
	History  []historyRow
	Headers  []string // period names of the history, latest first
}

// historyRow is one firm's totals across recent periods.
type historyRow struct {
	FirmName string
	Totals   []string
	Ranks    []string
}

func buildHistory(list []firm.FirmAssessment) ([]string, []historyRow) {
	var periods []int64
	names := map[int64]string{}
	firms := map[int64]*historyRow{}
	var order []int64
	cells := map[[2]int64]firm.FirmAssessment{}
	for _, a := range list {
		if _, ok := names[a.PeriodID]; !ok {
			names[a.PeriodID] = a.PeriodName
			periods = append(periods, a.PeriodID)
		}
		if _, ok := firms[a.FirmID]; !ok {
			firms[a.FirmID] = &historyRow{FirmName: a.FirmName}
			order = append(order, a.FirmID)
		}
		cells[[2]int64{a.FirmID, a.PeriodID}] = a
	}
	headers := make([]string, len(periods))
	for i, p := range periods {
		headers[i] = names[p]
	}
	rows := make([]historyRow, 0, len(order))
	for _, f := range order {
		r := firms[f]
		for _, p := range periods {
			if a, ok := cells[[2]int64{f, p}]; ok {
				r.Totals = append(r.Totals, a.Total.StringFixed(2))
				r.Ranks = append(r.Ranks, strconv.Itoa(a.Rank))
			} else {
				r.Totals = append(r.Totals, "—")
				r.Ranks = append(r.Ranks, "—")
			}
		}
		rows = append(rows, *r)
	}
	return headers, rows
}

// assessmentForms are the assessment page's forms as refused: the new
// period's, the scores' (fields named by their inputs), or a refusal of
// the change as a whole (409).
type assessmentForms struct {
	Period, Scores *formState
	Message        string
}

func (a *App) renderAssessment(c *fiber.Ctx, status int, periodID int64, forms assessmentForms) error {
	p, svc, err := serviceCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v := assessmentView{}
	if v.Periods, err = svc.Periods(ctx); err != nil {
		return err
	}
	if periodID == 0 && len(v.Periods) > 0 {
		periodID = v.Periods[0].ID
	}
	if periodID != 0 {
		rk, err := svc.Ranking(ctx, periodID)
		if err != nil {
			return err
		}
		v.Selected = &rk
	}
	hist, err := svc.History(ctx, 6)
	if err != nil {
		return err
	}
	v.Headers, v.History = buildHistory(hist)
	if forms.Period == nil {
		forms.Period = newForm()
		forms.Period.Values["ends_on"] = a.now().In(shanghai).Format("2006-01-02")
		forms.Period.Values["bottom_n"], forms.Period.Values["threshold"] = "1", "60"
		for _, cr := range assign.DefaultCriteria() {
			forms.Period.Values["weight_"+cr.Code] = cr.Weight.String()
		}
	}
	if forms.Scores == nil {
		forms.Scores = newForm()
	}
	return a.views.render(c, status, "firm_assessment", a.page(c, "中介机构考核", map[string]any{
		"Breadcrumb": []crumb{{Label: "中介机构库", Href: "/firms"}, {Label: "考核评价"}},
		"V":          v, "CanManage": p.Can(auth.ManageFirms), "Criteria": assign.DefaultCriteria(),
		"PeriodForm": forms.Period, "ScoreForm": forms.Scores, "Error": forms.Message}))
}

func (a *App) pageFirmAssessment(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Query("period"), 10, 64)
	return a.renderAssessment(c, 200, id, assessmentForms{})
}

// assessmentAction runs a change posted from the assessment page; fn
// fills form (nil for a form-less action) with what it read. A refusal of
// fields shows them with form as which (period or scores).
func (a *App) assessmentAction(c *fiber.Ctx, periodID int64, which, done string,
	fn func(p auth.Principal, svc *firm.Service, form *formState) (int64, error)) error {
	p, svc, err := serviceCall(c, auth.ManageFirms, a.firmService)
	if err != nil {
		return err
	}
	form := newForm()
	id, err := fn(p, svc, form)
	if err == nil {
		return redirectMsg(c, "/firms/assessment?period="+idText(id), done)
	}
	var forms assessmentForms
	if which != "" && form.refuse(err) {
		if which == "scores" {
			forms.Scores = form
		} else {
			forms.Period = form
		}
		return a.renderAssessment(c, 422, periodID, forms)
	}
	var fe fieldError
	status := clientStatus(err)
	if errors.As(err, &fe) {
		status = 422
	}
	if status == 0 {
		return err
	}
	forms.Message = errText(err)
	return a.renderAssessment(c, status, periodID, forms)
}

func (a *App) pageFirmPeriodCreate(c *fiber.Ctx) error {
	return a.assessmentAction(c, 0, "period", "考核期已创建", func(p auth.Principal, svc *firm.Service, form *formState) (int64, error) {
		fields := []string{"name", "starts_on", "ends_on", "bottom_n", "threshold"}
		for _, cr := range assign.DefaultCriteria() {
			fields = append(fields, "weight_"+cr.Code)
		}
		form.read(c, fields...)
		v := form.Values
		in := firm.PeriodInput{Name: v["name"]}
		var errs []error
		var err error
		if in.StartsOn, err = time.ParseInLocation("2006-01-02", v["starts_on"], shanghai); err != nil {
			errs = append(errs, fieldErr("starts_on", "开始日期格式应为 YYYY-MM-DD"))
		}
		if in.EndsOn, err = time.ParseInLocation("2006-01-02", v["ends_on"], shanghai); err != nil {
			errs = append(errs, fieldErr("ends_on", "结束日期格式应为 YYYY-MM-DD"))
		}
		if in.BottomN, err = strconv.Atoi(cmp.Or(v["bottom_n"], "1")); err != nil {
			errs = append(errs, fieldErr("bottom_n", "末位数量须为整数"))
		}
		if in.Threshold, err = decimal.NewFromString(cmp.Or(v["threshold"], "60")); err != nil {
			errs = append(errs, fieldErr("threshold", "分数线须为数字"))
		}
		for _, cr := range assign.DefaultCriteria() {
			if w := v["weight_"+cr.Code]; w != "" {
				d, err := decimal.NewFromString(w)
				if err != nil {
					errs = append(errs, fieldErr("weight_"+cr.Code, cr.Name+"权重须为数字"))
				}
				cr.Weight = d
			}
			in.Criteria = append(in.Criteria, cr)
		}
		if len(errs) > 0 {
			// Nothing is saved; the period's own checks still run.
			return 0, errors.Join(append(errs, in.Check())...)
		}
		per, err := svc.CreatePeriod(c.UserContext(), p, in)
		return per.ID, err
	})
}

func (a *App) pageFirmScores(c *fiber.Ctx) error {
	pid, err := idParam(c, "pid")
	if err != nil {
		return err
	}
	return a.assessmentAction(c, pid, "scores", "得分已保存", func(p auth.Principal, svc *firm.Service, form *formState) (int64, error) {
		rk, err := svc.Ranking(c.UserContext(), pid)
		if err != nil {
			return 0, err
		}
		// Every firm's scores are read and checked before any is saved,
		// so that every refused score shows at once and none is kept.
		type entry struct {
			firmID      int64
			name        string
			truth, qual decimal.Decimal
		}
		var entries []entry
		var errs []error
		for _, f := range rk.Firms {
			id := idText(f.OrgID)
			names := map[string]string{"truthfulness": "truthfulness_" + id, "report_quality": "report_quality_" + id}
			form.read(c, names["truthfulness"], names["report_quality"])
			t, q := form.Values[names["truthfulness"]], form.Values[names["report_quality"]]
			if t == "" && q == "" {
				continue
			}
			td, err1 := decimal.NewFromString(t)
			qd, err2 := decimal.NewFromString(q)
			if err1 != nil || err2 != nil {
				errs = append(errs, fieldErr("scores", "真实性与报告质量得分须同时填写且为数字"))
				for _, x := range []struct {
					field string
					err   error
				}{{"truthfulness", err1}, {"report_quality", err2}} {
					if x.err != nil {
						errs = append(errs, fieldErr(names[x.field], f.Name+":得分须为数字"))
					}
				}
				continue
			}
			fs, _ := fieldErrors(firm.CheckScores(td, qd))
			for _, fm := range fs {
				errs = append(errs, fieldErr(names[fm.Field], f.Name+":"+fm.Msg))
			}
			entries = append(entries, entry{f.OrgID, f.Name, td, qd})
		}
		if len(errs) > 0 {
			return 0, errors.Join(errs...)
		}
		for _, e := range entries {
			if err := svc.EnterScores(c.UserContext(), p, pid, e.firmID, e.truth, e.qual); err != nil {
				return 0, fmt.Errorf("%s:%w", e.name, err)
			}
		}
		return pid, nil
	})
}

func (a *App) pageFirmCompute(c *fiber.Ctx) error {
	return a.periodStep(c, (*firm.Service).Compute, "考核结果已计算")
}

func (a *App) pageFirmClose(c *fiber.Ctx) error {
	return a.periodStep(c, (*firm.Service).Close, "考核期已结束,得分已用于轮换排序")
}

// periodStep takes the route's assessment period a step on (compute,
// close) and says done.
func (a *App) periodStep(c *fiber.Ctx, step func(*firm.Service, context.Context, auth.Principal, int64) (firm.Ranking, error), done string) error {
	pid, err := idParam(c, "pid")
	if err != nil {
		return err
	}
	return a.assessmentAction(c, pid, "", done, func(p auth.Principal, svc *firm.Service, _ *formState) (int64, error) {
		_, err := step(svc, c.UserContext(), p, pid)
		return pid, err
	})
}

func (a *App) pageFirmAssessmentExport(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	pid, err := idParam(c, "pid")
	if err != nil {
		return err
	}
	rk, err := svc.Ranking(c.UserContext(), pid)
	if err != nil {
		return err
	}
	header := []string{"排名", "机构名称", "委托数", "拒绝委托", "按期完成", "逾期", "抽查复审", "复审差错", "专家复审过错", "复议被取消委托",
		"及时性", "准确性", "真实性", "报告质量", "总分", "拟暂停委托", "依据"}
	two := func(d decimal.Decimal) xlsx.Score { return xlsx.Score(d.Round(2)) }
	b, err := firmExcel("考核排名", header, len(rk.Rows), func(i int) []any {
		r := rk.Rows[i]
		m := r.Metrics
		flag := "否"
		if r.Flagged {
			flag = "是"
		}
		return []any{r.Rank, r.FirmName, m.Delegations, m.Declines, m.DeadlinesMet, m.DeadlinesMissed, m.SampleRechecks,
			m.SampleRecheckErrors, m.ExpertReviewsLost, m.AppealsLost, two(r.Timeliness), two(r.Accuracy), two(r.Truthfulness),
			two(r.ReportQuality), two(r.Total), flag, r.Evidence}
	})
	if err != nil {
		return err
	}
	if err := a.svc.Firms.RecordExport(c.UserContext(), p, "assessment_export", "assessment_period", map[string]any{"period_id": idText(pid)}); err != nil {
		return err
	}
	return sendWorkbook(c, "export.xlsx", "中介机构考核排名-"+rk.Period.Name+".xlsx", b)
}
