package review

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"finreview/internal/auth"
	"finreview/workflow"
)

// spec is one trigger as finreview offers it: who may fire it, how its
// parameters are read (typed, parsed and checked once, before anything is
// written), what it writes besides the state, and how its form looks on the
// review page. The states it moves between are its rows in workflow.
type spec struct {
	trigger workflow.Trigger
	// roles may fire the trigger (state aside); row scope is checked apart.
	roles []auth.Role
	// primary forms are open on the review page.
	primary bool
	// atWill marks a right used at will, not work waiting for someone: a
	// review does not sit on a to-do list because it is possible.
	atWill bool
	// fields are the inputs of the trigger's form, in order. A required
	// reason field makes the reason required of every caller.
	fields []Field
	// parse reads and checks the parameters; nil for a trigger without.
	parse func(x *tx, ctx context.Context) (any, error)
	// effect writes what the transition does besides moving the state,
	// given what parse returned; nil for a trigger that does nothing more.
	effect func(x *tx, ctx context.Context, args any, to workflow.State) error
}

// Field is one input of a trigger's form on the review page.
type Field struct {
	Name, Label string
	// Kind is the input: text, textarea, select, agree (同意/不同意),
	// checks (several boxes), date, number or amount.
	Kind     string
	Hint     string
	Required bool
	Options  []Option
	// Default is what the input holds when the form is first shown.
	Default string
	// source names the rows whose options follow Options.
	source optionSource
	// today makes the default today's date.
	today bool
}

// Option is one choice of a select or checks field.
type Option struct{ Code, Label string }

// optionSource names the rows a field offers as options.
type optionSource int

const (
	noSource    optionSource = iota
	activeFirms              // the firms serving the review's jurisdiction
	supervisors              // the Review Center colleagues covering the review
	experts                  // the active experts
)

// with fills s's parse and effect with functions on one parameter type,
// so that the effect receives exactly what the parse returned.
func with[A any](s spec, parse func(*tx, context.Context) (A, error), effect func(*tx, context.Context, A, workflow.State) error) spec {
	s.parse = func(x *tx, ctx context.Context) (any, error) { return parse(x, ctx) }
	s.effect = func(x *tx, ctx context.Context, a any, to workflow.State) error { return effect(x, ctx, a.(A), to) }
	return s
}

// only fills s's effect with one that takes no parameters.
func only(s spec, effect func(*tx, context.Context, workflow.State) error) spec {
	s.effect = func(x *tx, ctx context.Context, _ any, to workflow.State) error { return effect(x, ctx, to) }
	return s
}

// The reason fields most forms end with.
var (
	optionalReason = Field{Name: "reason", Label: "说明", Kind: "textarea", Hint: "选填,记入办理记录"}
	requiredReason = Field{Name: "reason", Label: "原因", Kind: "textarea", Required: true}
)

// Who fires what.
var (
	byUnit       = []auth.Role{auth.ConstructionUnit}
	bySubmitters = []auth.Role{auth.ConstructionUnit, auth.CompetentDept}
	byFinance    = []auth.Role{auth.FinanceSection}
	byCenter     = []auth.Role{auth.ReviewCenter}
	byFirm       = []auth.Role{auth.Intermediary}
	byContractor = []auth.Role{auth.Contractor}
	bySystem     = []auth.Role{auth.System}
)

// table is every trigger, in workflow.Triggers() order. Adding a trigger is
// one entry here and its rows in workflow.
var table = sync.OnceValue(func() []spec {
	return []spec{
		only(spec{trigger: workflow.Submit, roles: bySubmitters, primary: true, fields: []Field{optionalReason}}, (*tx).submit),
		{trigger: workflow.InitialCheckFail, roles: byFinance, fields: []Field{requiredReason}},
		only(spec{trigger: workflow.IssueNotice, roles: byFinance, primary: true, fields: []Field{optionalReason}}, (*tx).issueNotice),
		only(spec{trigger: workflow.Return, roles: byCenter, fields: []Field{requiredReason}}, (*tx).returnReview),
		only(spec{trigger: workflow.Resubmit, roles: bySubmitters, primary: true, fields: []Field{optionalReason}}, (*tx).resubmit),
		only(spec{trigger: workflow.Accept, roles: byCenter, primary: true, fields: []Field{optionalReason}}, (*tx).accept),
		with(spec{trigger: workflow.Delegate, roles: byCenter, primary: true, fields: []Field{
			{Name: "firm_id", Label: "中介机构", Kind: "select", Options: []Option{{"", "按轮换自动选择(推荐)"}}, source: activeFirms,
				Hint: "不选则按“高分优先、依次轮换”自动确定,并记录每家机构的跳过原因"},
			{Name: "reason", Label: "指定理由", Kind: "textarea", Hint: "人工指定中介机构时必填,将记入审计日志"},
			{Name: "supervisor_id", Label: "监管人员", Kind: "select", Options: []Option{{"", "本人"}}, source: supervisors},
		}}, (*tx).parseDelegate, (*tx).delegate),
		only(spec{trigger: workflow.Decline, roles: byFirm, fields: []Field{requiredReason}}, (*tx).endDelegation),
		with(spec{trigger: workflow.SubmitPlan, roles: byFirm, primary: true, fields: []Field{
			{Name: "mode", Label: "评审方式", Kind: "text", Required: true, Hint: "如:现场踏勘 + 资料审核"},
			{Name: "survey_date", Label: "计划踏勘日期", Kind: "date"},
			{Name: "key_issues", Label: "重点审核内容", Kind: "textarea", Required: true},
			{Name: "staff", Label: "评审人员", Kind: "text", Hint: "项目负责人及参加人员"},
			{Name: "planned_completion", Label: "计划完成日期", Kind: "date"},
		}}, (*tx).parsePlan, (*tx).submitPlan),
		with(spec{trigger: workflow.ApprovePlan, roles: byCenter, primary: true, fields: []Field{
			{Name: "decision", Label: "审核结论", Kind: "select", Required: true, Options: []Option{{"approve", "批准"}, {"redo", "退回重做"}}},
			{Name: "reason", Label: "意见", Kind: "textarea", Hint: "退回重做时必填"},
		}}, (*tx).parsePlanDecision, (*tx).approvePlan),
		{trigger: workflow.Start, roles: byFirm, primary: true, fields: []Field{optionalReason}},
		with(spec{trigger: workflow.RecordSurvey, roles: byFirm, fields: []Field{
			{Name: "survey_date", Label: "踏勘日期", Kind: "date", Required: true},
			{Name: "people", Label: "参加人员", Kind: "text", Required: true},
			{Name: "findings", Label: "踏勘情况", Kind: "textarea", Required: true, Hint: "现场照片请在“资料与照片”中上传(类别:踏勘记录/照片)"},
		}}, (*tx).parseSurvey, (*tx).recordSurvey),
		only(spec{trigger: workflow.RequestMaterials, roles: byFirm, fields: []Field{
			{Name: "reason", Label: "所需资料", Kind: "textarea", Required: true},
		}}, (*tx).requestMaterials),
		with(spec{trigger: workflow.AddTracking, roles: byFirm, fields: []Field{
			{Name: "kind", Label: "记录类型", Kind: "select", Required: true, Options: append([]Option{{"", "请选择"}}, trackingOptions()...)},
			{Name: "record_date", Label: "日期", Kind: "date", Required: true},
			{Name: "title", Label: "标题", Kind: "text", Required: true},
			{Name: "description", Label: "内容", Kind: "textarea", Required: true},
			{Name: "amount", Label: "涉及金额(元)", Kind: "amount"},
		}}, (*tx).parseTracking, (*tx).addTracking),
		{trigger: workflow.Reconcile, roles: byFirm, primary: true, fields: []Field{optionalReason}},
		with(spec{trigger: workflow.SubmitDraft, roles: byFirm, primary: true, fields: []Field{
			{Name: "audited_amount", Label: "审定金额(元)", Kind: "amount", Required: true}, optionalReason,
		}}, (*tx).parseDraft, (*tx).submitDraft),
		{trigger: workflow.SendBack, roles: byCenter, fields: []Field{requiredReason}},
		only(spec{trigger: workflow.SendOpinion, roles: byCenter, primary: true, fields: []Field{optionalReason}}, (*tx).sendOpinion),
		with(spec{trigger: workflow.Sign, roles: byUnit, primary: true, fields: []Field{
			{Name: "agree", Label: "签署意见", Kind: "agree", Required: true},
			{Name: "reasons", Label: "不同意理由", Kind: "textarea", Hint: "选择“不同意”时必填,逐项说明争议内容"},
		}}, (*tx).parseSign, (*tx).sign),
		with(spec{trigger: workflow.Cosign, roles: byContractor, primary: true, fields: []Field{
			{Name: "agree", Label: "会签意见", Kind: "agree"},
			{Name: "reasons", Label: "意见说明", Kind: "textarea", Hint: "选填"},
		}}, (*tx).parseCosign, (*tx).cosign),
		only(spec{trigger: workflow.DeemAgreed, roles: bySystem, fields: []Field{optionalReason}}, (*tx).deemAgreed),
		with(spec{trigger: workflow.StartExpertReview, roles: byCenter, fields: []Field{
			{Name: "experts", Label: "复审专家", Kind: "checks", source: experts,
				Hint: "不选则采用最近一次抽取的专家;另行指定须在下方说明理由,记入审计日志"}, optionalReason,
		}}, (*tx).parseExperts, (*tx).startExpertReview),
		with(spec{trigger: workflow.Resolve, roles: byCenter, primary: true, fields: []Field{
			{Name: "fault_party", Label: "过错方", Kind: "select", Required: true, Options: []Option{{"", "请选择"},
				{"unit", "建设单位"}, {"firm", "中介机构"}, {"contractor", "施工单位"}}, Hint: "专家复审费用由过错方承担"},
			{Name: "audited_amount", Label: "复审后审定金额(元)", Kind: "amount", Required: true}, optionalReason,
		}}, (*tx).parseResolve, (*tx).resolve),
		only(spec{trigger: workflow.IssueUnilateral, roles: byCenter, fields: []Field{requiredReason}}, (*tx).issueUnilateral),
		only(spec{trigger: workflow.Conclude, roles: byCenter, primary: true, fields: []Field{optionalReason}}, (*tx).conclude),
		only(spec{trigger: workflow.FileAppeal, roles: byUnit, atWill: true, fields: []Field{requiredReason}}, (*tx).fileAppeal),
		{trigger: workflow.Uphold, roles: byCenter, primary: true, fields: []Field{optionalReason}},
		only(spec{trigger: workflow.CancelDelegation, roles: byCenter, fields: []Field{requiredReason}}, (*tx).endDelegation),
		{trigger: workflow.Process, roles: byFinance, primary: true, fields: []Field{optionalReason}},
		with(spec{trigger: workflow.Archive, roles: byFinance, primary: true, fields: []Field{
			{Name: "archive_number", Label: "档案号", Kind: "text", Required: true, Hint: "如:巴财评档-2026-0001"},
			{Name: "paper_received_on", Label: "纸质资料接收日期", Kind: "date", Required: true, today: true},
			{Name: "received_by", Label: "接收人", Kind: "text", Required: true},
			{Name: "retention_years", Label: "保管期限(年)", Kind: "number", Required: true, Hint: "默认 30 年", Default: "30"},
			optionalReason,
		}}, (*tx).archiveRecord, (*tx).archive),
		with(spec{trigger: workflow.SampleRecheck, roles: byCenter, atWill: true, fields: []Field{
			{Name: "rechecked_amount", Label: "抽查审定金额(元)", Kind: "amount", Required: true}, optionalReason,
		}}, (*tx).parseRecheck, (*tx).sampleRecheck),
		with(spec{trigger: workflow.Suspend, roles: byCenter, atWill: true, fields: []Field{
			{Name: "expected_workdays", Label: "预计中止(工作日)", Kind: "number", Required: true}, requiredReason,
		}}, (*tx).parseSuspend, (*tx).suspend),
		only(spec{trigger: workflow.Resume, roles: byCenter, atWill: true, fields: []Field{optionalReason}}, (*tx).resume),
	}
})

// specs indexes the table by trigger.
var specs = sync.OnceValue(func() map[workflow.Trigger]*spec {
	out := map[workflow.Trigger]*spec{}
	t := table()
	for i := range t {
		out[t[i].trigger] = &t[i]
	}
	return out
})

// specOf returns t's entry, or nil for a trigger outside the table.
func specOf(t workflow.Trigger) *spec { return specs()[t] }

// reasonRequired reports whether the trigger must say why: its form's
// reason field is required.
func (s *spec) reasonRequired() bool {
	for _, f := range s.fields {
		if f.Name == "reason" {
			return f.Required
		}
	}
	return false
}

// MayFire reports whether role can ever fire t (state aside). It is the
// permission table from role to trigger.
func MayFire(r auth.Role, t workflow.Trigger) bool {
	s := specOf(t)
	if s == nil {
		return false
	}
	for _, x := range s.roles {
		if x == r {
			return true
		}
	}
	return false
}

// IsTask reports whether a trigger is work waiting for someone. Suspension,
// sample re-reviews and appeals are rights used at will: a review does not
// sit on a to-do list because they are possible.
func IsTask(t workflow.Trigger) bool {
	s := specOf(t)
	return s != nil && !s.atWill
}

// Tasks lists, in workflow.Triggers() order, the triggers role has as work
// to do in state s (ignoring row scope and facts). The answer is read from
// a table worked out once (taskTable); the caller owns the slice.
func Tasks(r auth.Role, s workflow.State) []workflow.Trigger {
	return slices.Clone(taskTable()[r].tasks[s])
}

// ActionableStates lists the states in which the role has a trigger to
// fire (ignoring row scope and facts): the basis of the 待办 list. The
// caller owns the slice.
func ActionableStates(r auth.Role) []workflow.State {
	return slices.Clone(taskTable()[r].states)
}

// roleTasks is one role's work, state by state.
type roleTasks struct {
	tasks  map[workflow.State][]workflow.Trigger // nil where there is none
	states []workflow.State                      // with a task, in workflow.States() order
}

// taskTable holds Tasks and ActionableStates for every role that fires a
// trigger and every state. They depend on nothing but the workflow
// definition and the trigger table, so the table is worked out once, on
// first use, and only read after; a role outside it has no tasks.
var taskTable = sync.OnceValue(func() map[auth.Role]roleTasks {
	out := map[auth.Role]roleTasks{}
	for _, sp := range table() {
		for _, r := range sp.roles {
			if _, done := out[r]; done {
				continue
			}
			rt := roleTasks{tasks: map[workflow.State][]workflow.Trigger{}}
			for _, s := range workflow.States() {
				if ts := tasksOf(r, s); len(ts) > 0 {
					rt.tasks[s] = ts
					rt.states = append(rt.states, s)
				}
			}
			out[r] = rt
		}
	}
	return out
})

// tasksOf works out Tasks(r, s) on a workflow machine.
func tasksOf(r auth.Role, s workflow.State) []workflow.Trigger {
	var out []workflow.Trigger
	for _, t := range workflow.New(s, workflow.Facts{}).Permitted(context.Background()) {
		if MayFire(r, t) && IsTask(t) {
			out = append(out, t)
		}
	}
	return out
}

// trackingOptions are the tracking record kinds ordered by code.
func trackingOptions() []Option {
	var out []Option
	for k, v := range TrackingKinds() {
		out = append(out, Option{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// FormValue is the parameter a review page's form sends for the field
// name of t: several values (checked boxes) joined by commas, and an
// amount without its thousands separators.
func FormValue(t workflow.Trigger, name string, values []string) string {
	v := strings.Join(values, ",")
	if s := specOf(t); s != nil {
		for _, f := range s.fields {
			if f.Name == name && f.Kind == "amount" {
				return strings.ReplaceAll(v, ",", "")
			}
		}
	}
	return v
}
