package review

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/fee"
	"finreview/internal/input"
	"finreview/internal/store"
	"finreview/workflow"
)

// The parameters of the table's triggers, each read and checked once,
// before anything is written; a bad value is an *input.FieldError naming
// it, and every bad value of a request is reported at once (errors.Join),
// so a form flags all of them together.

// FaultParties are the parties a dispute can be resolved against.
var faultParties = map[string]string{"unit": "建设单位", "firm": "中介机构", "contractor": "施工单位"}

// TrackingKinds are the kinds of tracking records (跟踪评审记录).
func TrackingKinds() map[string]string {
	return map[string]string{"progress": "形象进度", "change_order": "设计变更/签证", "hidden_works": "隐蔽工程验收",
		"material_price": "认质认价", "progress_payment": "进度款支付", "other": "其他"}
}

// delegateParams: the firm chosen by hand past the rotation (0: the
// rotation chooses) and the supervisor (0: the actor).
type delegateParams struct {
	FirmID, SupervisorID int64
}

func (x *tx) parseDelegate(ctx context.Context) (delegateParams, error) {
	var a delegateParams
	var firmErr, supervisorErr, reasonErr error
	a.FirmID, firmErr = x.id("firm_id")
	if a.FirmID != 0 && x.in.Reason == "" {
		reasonErr = fieldErr("reason", "指定中介机构须填写理由")
	}
	a.SupervisorID, supervisorErr = x.id("supervisor_id")
	if supervisorErr == nil && a.SupervisorID != 0 {
		supervisorErr = x.supervisor(ctx, a.SupervisorID)
	}
	return a, errors.Join(firmErr, reasonErr, supervisorErr)
}

// amountParams is an amount a trigger requires: the audited amount of a
// draft report, the rechecked amount of a sample re-review.
type amountParams struct {
	Amount decimal.Decimal
}

func (x *tx) parseDraft(context.Context) (amountParams, error) {
	return x.requiredAmount("audited_amount")
}

func (x *tx) parseRecheck(context.Context) (amountParams, error) {
	return x.requiredAmount("rechecked_amount")
}

func (x *tx) requiredAmount(name string) (amountParams, error) {
	amt, err := x.amount(name, true)
	return amountParams{Amount: amt.Decimal}, err
}

// parseSign reads the unit's answer: agree is required, and reasons (or
// the reason) when it disagrees.
func (x *tx) parseSign(context.Context) (workflow.SignArgs, error) {
	v := x.param("agree")
	if v == "" {
		return workflow.SignArgs{}, fieldErr("agree", "签署意见须说明同意或不同意")
	}
	agree, err := parseBool("agree", v)
	if err != nil {
		return workflow.SignArgs{}, err
	}
	reasons := x.param("reasons")
	if reasons == "" {
		reasons = x.in.Reason
	}
	if !agree && reasons == "" {
		return workflow.SignArgs{}, fieldErr("reasons", "不同意时须填写理由")
	}
	return workflow.SignArgs{Agree: agree, Reasons: reasons}, nil
}

// parseCosign reads the contractor's answer; it agrees unless it says not.
func (x *tx) parseCosign(context.Context) (workflow.SignArgs, error) {
	a := workflow.SignArgs{Agree: true, Reasons: x.param("reasons")}
	if v := x.param("agree"); v != "" {
		var err error
		if a.Agree, err = parseBool("agree", v); err != nil {
			return a, err
		}
	}
	return a, nil
}

// expertParams are the experts of a re-review: their ids, and the ids as
// written, which the dispute keeps.
type expertParams struct {
	IDs     []int64
	Written []string
}

// parseExperts reads the experts of a re-review; none given means those of
// the latest dispute draw, and others than those drawn need a reason.
func (x *tx) parseExperts(ctx context.Context) (expertParams, error) {
	var a expertParams
	drawn, err := x.drawnExperts(ctx, PurposeDispute)
	if err != nil {
		return a, err
	}
	if x.param("experts") == "" {
		if len(drawn) == 0 {
			return a, fieldErr("experts", "请先抽取复审专家,或填写专家编号")
		}
		x.in.Params["experts"] = store.JoinIDs(drawn)
	}
	a.Written = splitIDs(x.param("experts"))
	for _, s := range a.Written {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return a, fieldErr("experts", "专家编号格式不正确: %s", s)
		}
		ok, err := x.q.ExpertExists(ctx, n)
		if err != nil {
			return a, err
		}
		if !ok {
			return a, fieldErr("experts", "专家不存在或已停用: %s", s)
		}
		a.IDs = append(a.IDs, n)
	}
	if !sameIDs(a.IDs, drawn) {
		// Experts chosen by hand, past the draw (or without one): as
		// with a firm chosen past the rotation, only with a reason,
		// which the timeline and the audit trail keep.
		if strings.TrimSpace(x.in.Reason) == "" {
			return a, fieldErr("reason", "未按抽取结果确定复审专家,须说明理由")
		}
		x.detail["experts_hand_picked"] = map[string]any{"drawn": drawn, "picked": a.IDs, "reason": x.in.Reason}
	}
	return a, nil
}

// resolveParams is the re-review's conclusion: who was at fault and the
// audited amount.
type resolveParams struct {
	FaultParty string
	Audited    decimal.Decimal
}

func (x *tx) parseResolve(context.Context) (resolveParams, error) {
	a := resolveParams{FaultParty: x.param("fault_party")}
	var partyErr error
	if _, ok := faultParties[a.FaultParty]; !ok {
		partyErr = fieldErr("fault_party", "责任方须为 unit、firm 或 contractor")
	}
	amt, err := x.amount("audited_amount", true)
	a.Audited = amt.Decimal
	return a, errors.Join(partyErr, err)
}

// planParams is a firm's work plan (评审方案).
type planParams struct {
	Mode, KeyIssues, Staff        string
	SurveyDate, PlannedCompletion sql.NullTime
}

func (x *tx) parsePlan(context.Context) (planParams, error) {
	a := planParams{Staff: x.param("staff")}
	errs := make([]error, 4)
	a.Mode, errs[0] = x.text("mode")
	a.KeyIssues, errs[1] = x.text("key_issues")
	a.SurveyDate, errs[2] = x.date("survey_date", false)
	a.PlannedCompletion, errs[3] = x.date("planned_completion", false)
	return a, errors.Join(errs...)
}

// planDecision is the Center's decision on a plan: approve, or redo.
type planDecision struct {
	Redo bool
}

func (x *tx) parsePlanDecision(context.Context) (planDecision, error) {
	switch x.param("decision") {
	case "", "approve":
		return planDecision{}, nil
	case "redo":
		if x.in.Reason == "" {
			return planDecision{}, fieldErr("reason", "退回重做须说明原因")
		}
		return planDecision{Redo: true}, nil
	}
	return planDecision{}, fieldErr("decision", "审核结论应为 approve(批准)或 redo(退回重做)")
}

// parseSuspend reads the working days a suspension is expected to last.
func (x *tx) parseSuspend(context.Context) (int, error) {
	n, err := strconv.Atoi(x.param("expected_workdays"))
	if err != nil || n <= 0 || n > 1000 {
		return 0, fieldErr("expected_workdays", "预计中止工作日数须为正整数")
	}
	return n, nil
}

// surveyParams is a site survey (现场踏勘).
type surveyParams struct {
	Date             time.Time
	People, Findings string
}

func (x *tx) parseSurvey(context.Context) (surveyParams, error) {
	var a surveyParams
	errs := make([]error, 3)
	var d sql.NullTime
	d, errs[0] = x.date("survey_date", true)
	a.Date = d.Time
	a.People, errs[1] = x.text("people")
	a.Findings, errs[2] = x.text("findings")
	return a, errors.Join(errs...)
}

// trackingParams is a tracking record (跟踪评审记录).
type trackingParams struct {
	Kind               string
	Date               time.Time
	Title, Description string
	Amount             decimal.NullDecimal
}

func (x *tx) parseTracking(context.Context) (trackingParams, error) {
	a := trackingParams{Kind: x.param("kind")}
	errs := make([]error, 5)
	if _, ok := TrackingKinds()[a.Kind]; !ok {
		errs[0] = fieldErr("kind", "跟踪记录类型不正确")
	}
	var d sql.NullTime
	d, errs[1] = x.date("record_date", true)
	a.Date = d.Time
	a.Title, errs[2] = x.text("title")
	a.Description, errs[3] = x.text("description")
	a.Amount, errs[4] = x.amount("amount", false)
	return a, errors.Join(errs...)
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
		return decimal.NullDecimal{}, &input.FieldError{Name: name, Msg: "金额格式不正确: " + err.Error()}
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
