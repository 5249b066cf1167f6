package workflow

import "errors"

// Trigger is an action that may move a review from one state to another
// (or, for internal triggers, record something without moving it).
type Trigger string

// Triggers, with the codes of API.md. Three codes share a word with a state
// (expert_review, unilateral, appeal); their constants are named for the
// action: StartExpertReview, IssueUnilateral, FileAppeal.
const (
	Submit            Trigger = "submit"
	InitialCheckFail  Trigger = "initial_check_fail"
	IssueNotice       Trigger = "issue_notice"
	Return            Trigger = "return"
	Resubmit          Trigger = "resubmit"
	Accept            Trigger = "accept"
	Delegate          Trigger = "delegate"
	Decline           Trigger = "decline"
	Start             Trigger = "start"
	Reconcile         Trigger = "reconcile"
	SubmitDraft       Trigger = "submit_draft"
	SendBack          Trigger = "send_back"
	SendOpinion       Trigger = "send_opinion"
	Sign              Trigger = "sign"
	Cosign            Trigger = "cosign"
	StartExpertReview Trigger = "expert_review"
	Resolve           Trigger = "resolve"
	IssueUnilateral   Trigger = "unilateral"
	Conclude          Trigger = "conclude"
	FileAppeal        Trigger = "appeal"
	Uphold            Trigger = "uphold"
	CancelDelegation  Trigger = "cancel_delegation"
	Process           Trigger = "process"
	Archive           Trigger = "archive"
	SampleRecheck     Trigger = "sample_recheck"
	SubmitPlan        Trigger = "submit_plan"
	ApprovePlan       Trigger = "approve_plan"
	Suspend           Trigger = "suspend"
	Resume            Trigger = "resume"
	DeemAgreed        Trigger = "deem_agreed"
	RecordSurvey      Trigger = "record_survey"
	RequestMaterials  Trigger = "request_materials"
	AddTracking       Trigger = "add_tracking"
)

// ErrUnknownTrigger is returned (wrapped) for a trigger code outside Triggers().
var ErrUnknownTrigger = errors.New("unknown workflow trigger")

// triggers are every trigger in a stable order, roughly the order in which
// a review meets them, with the Chinese names shown on buttons and in the
// timeline.
var triggers = codeSet[Trigger]{
	{Submit, "报送"},
	{InitialCheckFail, "初审不通过"},
	{IssueNotice, "下达通知书"},
	{Return, "退审"},
	{Resubmit, "重新报送"},
	{Accept, "受理"},
	{Delegate, "委托"},
	{Decline, "拒绝委托"},
	{SubmitPlan, "提交评审方案"},
	{ApprovePlan, "批准评审方案"},
	{Start, "开始评审"},
	{RecordSurvey, "现场踏勘"},
	{RequestMaterials, "要求补充资料"},
	{AddTracking, "跟踪记录"},
	{Reconcile, "会审核对"},
	{SubmitDraft, "提交审核报告初稿"},
	{SendBack, "退回修改"},
	{SendOpinion, "发送征求意见书"},
	{Sign, "签署意见"},
	{Cosign, "施工单位会签"},
	{DeemAgreed, "逾期视同同意"},
	{StartExpertReview, "专家复审"},
	{Resolve, "复审结论"},
	{IssueUnilateral, "单方出具结论"},
	{Conclude, "出具评审结论"},
	{FileAppeal, "申请复议"},
	{Uphold, "维持原结论"},
	{CancelDelegation, "取消委托"},
	{Process, "财政处理"},
	{Archive, "归档"},
	{SampleRecheck, "抽查复审"},
	{Suspend, "中止评审"},
	{Resume, "恢复评审"},
}

// Triggers returns every trigger in a stable order, roughly the order in
// which a review meets them. Permitted lists triggers in this order.
func Triggers() []Trigger { return triggers.codes() }

// ParseTrigger turns a code from a request into a Trigger, rejecting unknown codes.
func ParseTrigger(s string) (Trigger, error) { return triggers.parse("trigger", s, ErrUnknownTrigger) }

// Valid reports whether t is one of Triggers().
func (t Trigger) Valid() bool {
	return t.Label() != ""
}

// String returns the trigger code.
func (t Trigger) String() string { return string(t) }

// Label returns the Chinese name of the trigger shown on buttons and in the
// timeline, or "" for an unknown trigger.
func (t Trigger) Label() string { return triggers.label(t) }

// Irreversible reports whether firing t cannot be undone within the
// workflow, so the UI asks for a confirmation first.
func (t Trigger) Irreversible() bool {
	switch t {
	case Return, Conclude, IssueUnilateral, CancelDelegation, Archive, InitialCheckFail, SendOpinion:
		return true
	}
	return false
}

// displayName is the label, falling back to the code for unknown values.
func (t Trigger) displayName() string { return triggers.displayName(t) }
