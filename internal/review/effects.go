package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/deadline"
	"finreview/internal/fee"
	"finreview/internal/firm"
	"finreview/internal/store"
	"finreview/workflow"
)

// needsReason lists the triggers that must say why.
func needsReason(t workflow.Trigger) bool {
	switch t {
	case workflow.InitialCheckFail, workflow.Return, workflow.SendBack, workflow.IssueUnilateral, workflow.Decline,
		workflow.CancelDelegation, workflow.FileAppeal, workflow.Suspend, workflow.RequestMaterials:
		return true
	}
	return false
}

// FaultParties are the parties a dispute can be resolved against.
var faultParties = map[string]string{"unit": "建设单位", "firm": "中介机构", "contractor": "施工单位"}

// TrackingKinds are the kinds of tracking records (跟踪评审记录).
func TrackingKinds() map[string]string {
	return map[string]string{"progress": "形象进度", "change_order": "设计变更/签证", "hidden_works": "隐蔽工程验收",
		"material_price": "认质认价", "progress_payment": "进度款支付", "other": "其他"}
}

func (x *tx) param(name string) string { return strings.TrimSpace(x.in.Params[name]) }

func (x *tx) amount(name string, required bool) (decimal.NullDecimal, error) {
	v := x.param(name)
	if v == "" {
		if required {
			return decimal.NullDecimal{}, fieldErr(name, "请填写金额")
		}
		return decimal.NullDecimal{}, nil
	}
	d, err := fee.ParseAmount(v)
	if err != nil {
		return decimal.NullDecimal{}, &FieldError{Name: name, Msg: "金额格式不正确: " + err.Error()}
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}, nil
}

func (x *tx) date(name string, required bool) (sql.NullTime, error) {
	v := x.param(name)
	if v == "" {
		if required {
			return sql.NullTime{}, fieldErr(name, "请填写日期")
		}
		return sql.NullTime{}, nil
	}
	d, err := time.ParseInLocation("2006-01-02", v, shanghai())
	if err != nil {
		return sql.NullTime{}, fieldErr(name, "日期格式应为 YYYY-MM-DD")
	}
	return sql.NullTime{Time: d, Valid: true}, nil
}

func (x *tx) text(name string) (string, error) {
	v := x.param(name)
	if v == "" {
		return "", fieldErr(name, "请填写此项")
	}
	return v, nil
}

func (x *tx) id(name string) (int64, error) {
	v := x.param(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fieldErr(name, "编号格式不正确")
	}
	return n, nil
}

// supervisor checks a chosen supervisor (评审监督人): an active Review
// Center user whose jurisdiction covers the review.
func (x *tx) supervisor(ctx context.Context, id int64) error {
	u, err := x.q.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fieldErr("supervisor_id", "监督人不存在")
	}
	if err != nil {
		return err
	}
	if !u.Active || auth.Role(u.Role) != auth.ReviewCenter {
		return fieldErr("supervisor_id", "监督人须为在用的评审中心人员")
	}
	err = visible(ctx, x.q, auth.FromUser(u).Scope(), x.r)
	if errors.Is(err, store.ErrNotFound) {
		return fieldErr("supervisor_id", "监督人所在区划不含该评审")
	}
	return err
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "agree":
		return true, nil
	case "false", "0", "no", "disagree":
		return false, nil
	}
	return false, fieldErr(name, "须为 true 或 false")
}

// validate checks the parameters before anything is written and returns
// the sign answer (for sign only).
func (x *tx) validate(ctx context.Context) (workflow.SignArgs, error) {
	t := x.in.Trigger
	var sign workflow.SignArgs
	if needsReason(t) && x.in.Reason == "" {
		return sign, fieldErr("reason", "请填写原因")
	}
	switch t {
	case workflow.Delegate:
		fid, err := x.id("firm_id")
		if err != nil {
			return sign, err
		}
		if fid != 0 && x.in.Reason == "" {
			return sign, fieldErr("reason", "指定中介机构须填写理由")
		}
		sup, err := x.id("supervisor_id")
		if err != nil {
			return sign, err
		}
		if sup != 0 {
			if err := x.supervisor(ctx, sup); err != nil {
				return sign, err
			}
		}
	case workflow.SubmitDraft:
		if _, err := x.amount("audited_amount", true); err != nil {
			return sign, err
		}
	case workflow.Sign:
		v := x.param("agree")
		if v == "" {
			return sign, fieldErr("agree", "签署意见须说明同意或不同意")
		}
		agree, err := parseBool("agree", v)
		if err != nil {
			return sign, err
		}
		reasons := x.param("reasons")
		if reasons == "" {
			reasons = x.in.Reason
		}
		if !agree && reasons == "" {
			return sign, fieldErr("reasons", "不同意时须填写理由")
		}
		sign = workflow.SignArgs{Agree: agree, Reasons: reasons}
	case workflow.Cosign:
		if v := x.param("agree"); v != "" {
			if _, err := parseBool("agree", v); err != nil {
				return sign, err
			}
		}
	case workflow.StartExpertReview:
		drawn, err := x.drawnExperts(ctx, PurposeDispute)
		if err != nil {
			return sign, err
		}
		if x.param("experts") == "" {
			if len(drawn) == 0 {
				return sign, fieldErr("experts", "请先抽取复审专家,或填写专家编号")
			}
			if x.in.Params == nil {
				x.in.Params = map[string]string{}
			}
			x.in.Params["experts"] = store.JoinIDs(drawn)
		}
		var picked []int64
		for _, s := range splitIDs(x.param("experts")) {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return sign, fieldErr("experts", "专家编号格式不正确: %s", s)
			}
			ok, err := x.q.ExpertExists(ctx, n)
			if err != nil {
				return sign, err
			}
			if !ok {
				return sign, fieldErr("experts", "专家不存在或已停用: %s", s)
			}
			picked = append(picked, n)
		}
		if !sameIDs(picked, drawn) {
			// Experts chosen by hand, past the draw (or without one): as
			// with a firm chosen past the rotation, only with a reason,
			// which the timeline and the audit trail keep.
			if strings.TrimSpace(x.in.Reason) == "" {
				return sign, fieldErr("reason", "未按抽取结果确定复审专家,须说明理由")
			}
			x.detail["experts_hand_picked"] = map[string]any{"drawn": drawn, "picked": picked, "reason": x.in.Reason}
		}
	case workflow.Resolve:
		if _, ok := faultParties[x.param("fault_party")]; !ok {
			return sign, fieldErr("fault_party", "责任方须为 unit、firm 或 contractor")
		}
		if _, err := x.amount("audited_amount", true); err != nil {
			return sign, err
		}
	case workflow.SampleRecheck:
		if _, err := x.amount("rechecked_amount", true); err != nil {
			return sign, err
		}
	case workflow.SubmitPlan:
		if _, err := x.text("mode"); err != nil {
			return sign, err
		}
		if _, err := x.text("key_issues"); err != nil {
			return sign, err
		}
		if _, err := x.date("survey_date", false); err != nil {
			return sign, err
		}
		if _, err := x.date("planned_completion", false); err != nil {
			return sign, err
		}
	case workflow.ApprovePlan:
		switch x.param("decision") {
		case "", "approve":
		case "redo":
			if x.in.Reason == "" {
				return sign, fieldErr("reason", "退回重做须说明原因")
			}
		default:
			return sign, fieldErr("decision", "审核结论应为 approve(批准)或 redo(退回重做)")
		}
	case workflow.Archive:
		if _, err := x.archiveRecord(ctx); err != nil {
			return sign, err
		}
	case workflow.Suspend:
		n, err := strconv.Atoi(x.param("expected_workdays"))
		if err != nil || n <= 0 || n > 1000 {
			return sign, fieldErr("expected_workdays", "预计中止工作日数须为正整数")
		}
	case workflow.RecordSurvey:
		if _, err := x.date("survey_date", true); err != nil {
			return sign, err
		}
		if _, err := x.text("people"); err != nil {
			return sign, err
		}
		if _, err := x.text("findings"); err != nil {
			return sign, err
		}
	case workflow.AddTracking:
		if _, ok := TrackingKinds()[x.param("kind")]; !ok {
			return sign, fieldErr("kind", "跟踪记录类型不正确")
		}
		if _, err := x.date("record_date", true); err != nil {
			return sign, err
		}
		if _, err := x.text("title"); err != nil {
			return sign, err
		}
		if _, err := x.text("description"); err != nil {
			return sign, err
		}
		if _, err := x.amount("amount", false); err != nil {
			return sign, err
		}
	}
	return sign, nil
}

// sameIDs reports whether a and b hold the same ids, in any order.
func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func splitIDs(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (x *tx) calendar(ctx context.Context) (*calendar.Calendar, error) {
	return deadline.LoadCalendar(ctx, x.q)
}

func (x *tx) schedule(ctx context.Context, k deadline.Kind, workdays int) error {
	cal, err := x.calendar(ctx)
	if err != nil {
		return err
	}
	d, err := deadline.Schedule(ctx, x.q, cal, x.r.ID, k, x.now, workdays)
	if err != nil {
		return fmt.Errorf("schedule %s deadline: %w", k, err)
	}
	x.detail["deadline"] = map[string]any{"kind": k, "due_at": d.DueAt}
	return nil
}

func (x *tx) cancel(ctx context.Context, kinds ...deadline.Kind) error {
	return deadline.CancelOpen(ctx, x.q, x.r.ID, x.now, kinds...)
}

func (x *tx) issue(ctx context.Context, kind string) error {
	if x.s.docs == nil {
		return nil
	}
	r := x.r
	r.State, r.AuditedAmount, r.FirmID = x.ch.State, x.ch.AuditedAmount, x.ch.FirmID
	p, err := x.s.docs.IssuePaper(ctx, x.q, r, kind, x.p, x.now)
	if err != nil {
		return fmt.Errorf("issue %s: %w", kind, err)
	}
	papers, _ := x.detail["papers"].([]string)
	x.detail["papers"] = append(papers, p.DocNumber)
	return nil
}

// effects writes what a transition does besides moving the state.
func (x *tx) effects(ctx context.Context, to workflow.State) error {
	q, r, now := x.q, x.r, x.now
	switch x.in.Trigger {
	case workflow.Submit:
		x.ch.SubmittedAt = sql.NullTime{Time: now, Valid: true}
	case workflow.Resubmit:
		x.ch.Round = r.Round + 1
		x.ch.Outcome = string(fee.Normal)
		x.ch.SubmittedAt = sql.NullTime{Time: now, Valid: true}
	case workflow.IssueNotice:
		if err := x.issue(ctx, "notice"); err != nil {
			return err
		}
		return x.schedule(ctx, deadline.KindIntake, x.s.intakeWorkdays)
	case workflow.Return:
		x.ch.Outcome = string(fee.Returned)
		return x.cancel(ctx, deadline.KindIntake)
	case workflow.Accept:
		return x.cancel(ctx, deadline.KindIntake)
	case workflow.Delegate:
		fid, _ := x.id("firm_id")
		sup, _ := x.id("supervisor_id")
		if sup == 0 {
			sup = x.p.UserID
		}
		d, err := x.s.firms.Delegate(ctx, q, r, firm.DelegateRequest{FirmID: fid, Reason: x.in.Reason, SupervisorID: sup, Actor: x.p})
		if err != nil {
			return err
		}
		x.ch.FirmID, x.ch.SupervisorID = d.FirmID, sup
		x.ch.DelegatedAt = sql.NullTime{Time: now, Valid: true}
		x.detail["delegation"] = map[string]any{"firm_id": d.FirmID, "firm_name": d.FirmName, "override": d.Override}
		return x.schedule(ctx, deadline.KindReport, x.s.reportWorkdays)
	case workflow.Decline, workflow.CancelDelegation:
		status := "declined"
		if x.in.Trigger == workflow.CancelDelegation {
			status = "cancelled"
		}
		if r.FirmID != 0 {
			if err := x.s.firms.EndDelegation(ctx, q, r.ID, r.FirmID, status, x.in.Reason, now); err != nil {
				return err
			}
		}
		x.detail["ended_firm_id"] = r.FirmID
		x.ch.FirmID = 0
		x.ch.DelegatedAt = sql.NullTime{}
		x.ch.ConcludedAt = sql.NullTime{}
		return x.cancel(ctx)
	case workflow.SubmitPlan:
		sd, _ := x.date("survey_date", false)
		pc, _ := x.date("planned_completion", false)
		_, err := q.InsertWorkPlan(ctx, store.WorkPlan{ReviewID: r.ID, FirmID: r.FirmID, Mode: x.param("mode"), SurveyDate: sd,
			KeyIssues: x.param("key_issues"), Staff: x.param("staff"), PlannedCompletion: pc, Status: "submitted", CreatedAt: now})
		return err
	case workflow.ApprovePlan:
		plan, err := q.LatestWorkPlan(ctx, r.ID, r.FirmID)
		if err != nil {
			return err
		}
		if x.param("decision") == "redo" {
			if err := q.ReturnWorkPlan(ctx, plan.ID, x.p.UserID, x.in.Reason, now); err != nil {
				return err
			}
			return x.notifyRole(ctx, auth.Intermediary, "plan_redo", fmt.Sprintf("%s:评审方案退回重做", r.ProjectName),
				"评审中心要求重做评审方案:"+x.in.Reason)
		}
		return q.ApproveWorkPlan(ctx, plan.ID, x.p.UserID, now)
	case workflow.RecordSurvey:
		sd, _ := x.date("survey_date", true)
		return q.InsertSiteSurvey(ctx, store.SiteSurvey{ReviewID: r.ID, SurveyDate: sd.Time, People: x.param("people"),
			Findings: x.param("findings"), CreatedBy: x.p.UserID, CreatedAt: now})
	case workflow.RequestMaterials:
		return x.notifyRole(ctx, auth.ConstructionUnit, "supplement",
			fmt.Sprintf("%s:请补充资料", r.ProjectName), "中介机构要求补充资料(签字盖章):"+x.in.Reason)
	case workflow.AddTracking:
		rd, _ := x.date("record_date", true)
		amt, _ := x.amount("amount", false)
		return q.InsertTrackingRecord(ctx, store.TrackingRecord{ReviewID: r.ID, Kind: x.param("kind"), RecordDate: rd.Time,
			Title: x.param("title"), Description: x.param("description"), Amount: amt, CreatedBy: x.p.UserID, CreatedAt: now})
	case workflow.SubmitDraft:
		amt, _ := x.amount("audited_amount", true)
		x.ch.AuditedAmount = amt
		return x.cancel(ctx, deadline.KindReport)
	case workflow.SendOpinion:
		if err := x.issue(ctx, "opinion_letter"); err != nil {
			return err
		}
		return x.schedule(ctx, deadline.KindOpinion, OpinionWorkdays)
	case workflow.Sign:
		agree, _ := parseBool("agree", x.param("agree"))
		reasons := x.param("reasons")
		if reasons == "" {
			reasons = x.in.Reason
		}
		if err := q.InsertSignature(ctx, store.Signature{ReviewID: r.ID, Round: r.Round, Party: "unit", OrgID: x.p.OrgID,
			UserID: x.p.UserID, Agree: agree, Reasons: reasons, At: now}); err != nil {
			return err
		}
		if !agree {
			if err := q.OpenDispute(ctx, r.ID, reasons, now); err != nil {
				return err
			}
		}
		return x.cancel(ctx, deadline.KindOpinion)
	case workflow.Cosign:
		agree := true
		if v := x.param("agree"); v != "" {
			agree, _ = parseBool("agree", v)
		}
		return q.InsertSignature(ctx, store.Signature{ReviewID: r.ID, Round: r.Round, Party: "contractor", OrgID: x.p.OrgID,
			UserID: x.p.UserID, Agree: agree, Reasons: x.param("reasons"), At: now})
	case workflow.DeemAgreed:
		if x.in.firing != 0 {
			// The engine fires the opinion deadline and marks it fired; a
			// review has no other open deadline of that kind (Schedule).
			return nil
		}
		return x.cancel(ctx, deadline.KindOpinion)
	case workflow.StartExpertReview:
		ids := splitIDs(x.param("experts"))
		for _, s := range ids {
			n, _ := strconv.ParseInt(s, 10, 64)
			if err := q.AddReviewExpert(ctx, r.ID, n, "dispute", now); err != nil {
				return err
			}
		}
		return q.SetDisputeExperts(ctx, r.ID, strings.Join(ids, ","))
	case workflow.Resolve:
		amt, _ := x.amount("audited_amount", true)
		x.ch.AuditedAmount = amt
		if err := q.ResolveDispute(ctx, r.ID, x.param("fault_party"), amt.Decimal, now); err != nil {
			return err
		}
		return x.schedule(ctx, deadline.KindOpinion, OpinionWorkdays)
	case workflow.IssueUnilateral:
		x.ch.Outcome = string(fee.Unilateral)
		return x.cancel(ctx, deadline.KindOpinion)
	case workflow.Conclude:
		outcome := fee.Normal
		if r.State == workflow.Unilateral || r.Outcome == string(fee.Unilateral) {
			outcome = fee.Unilateral
		}
		x.ch.Outcome = string(outcome)
		x.ch.ConcludedAt = sql.NullTime{Time: now, Valid: true}
		if x.s.billing != nil {
			cr := r
			cr.State, cr.AuditedAmount, cr.Outcome = to, x.ch.AuditedAmount, string(outcome)
			st, err := x.s.billing.Conclude(ctx, q, cr, outcome, now)
			if err != nil {
				return fmt.Errorf("fee statement: %w", err)
			}
			x.ch.FeeScheduleID = st.ScheduleID
			x.detail["fee_total"] = st.TotalFee.StringFixed(2)
		}
		if err := x.issue(ctx, "conclusion"); err != nil {
			return err
		}
		if err := x.issue(ctx, "fee_statement"); err != nil {
			return err
		}
		return x.cancel(ctx)
	case workflow.FileAppeal:
		x.ch.AppealUsed = true
	case workflow.Archive:
		a, err := x.archiveRecord(ctx)
		if err != nil {
			return err
		}
		if err := q.InsertArchiveRecord(ctx, a); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return fieldErr("archive_number", "档案号已被使用: %s", a.ArchiveNumber)
			}
			return fmt.Errorf("archive record: %w", err)
		}
		x.detail["archive"] = map[string]any{"archive_number": a.ArchiveNumber, "paper_received_on": a.PaperReceivedOn.Format("2006-01-02"),
			"received_by": a.ReceivedBy, "retention_years": a.RetentionYears}
		return x.cancel(ctx)
	case workflow.SampleRecheck:
		amt, _ := x.amount("rechecked_amount", true)
		audited := r.AuditedAmount.Decimal
		dev := amt.Decimal.Sub(audited)
		accurate := dev.Abs().LessThanOrEqual(audited.Mul(decimal.RequireFromString("0.01")))
		x.detail["deviation"], x.detail["accurate"] = dev.StringFixed(2), accurate
		return q.InsertSampleRecheck(ctx, store.SampleRecheck{ReviewID: r.ID, FirmID: r.FirmID, RecheckedAmount: amt.Decimal,
			Deviation: dev, Accurate: accurate, Note: x.in.Reason, CreatedBy: x.p.UserID, CreatedAt: now})
	case workflow.Suspend:
		n, _ := strconv.Atoi(x.param("expected_workdays"))
		x.ch.Suspended = true
		if err := q.StartSuspension(ctx, r.ID, x.in.Reason, n, x.p.UserID, now); err != nil {
			return err
		}
		cal, err := x.calendar(ctx)
		if err != nil {
			return err
		}
		return deadline.Pause(ctx, q, cal, r.ID, now)
	case workflow.Resume:
		x.ch.Suspended = false
		if err := q.EndSuspension(ctx, r.ID, x.p.UserID, now); err != nil {
			return err
		}
		cal, err := x.calendar(ctx)
		if err != nil {
			return err
		}
		return deadline.Resume(ctx, q, cal, r.ID, now)
	}
	return nil
}

// shanghai is the zone of every date finreview reckons.
func shanghai() *time.Location { return calendar.Location() }
