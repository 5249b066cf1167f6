package workflow

import (
	"errors"
	"fmt"
)

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

// Triggers returns every trigger in a stable order, roughly the order in
// which a review meets them. Permitted lists triggers in this order.
func Triggers() []Trigger {
	return []Trigger{
		Submit, InitialCheckFail, IssueNotice, Return, Resubmit, Accept,
		Delegate, Decline, SubmitPlan, ApprovePlan, Start, RecordSurvey,
		RequestMaterials, AddTracking, Reconcile, SubmitDraft, SendBack,
		SendOpinion, Sign, Cosign, DeemAgreed, StartExpertReview, Resolve,
		IssueUnilateral, Conclude, FileAppeal, Uphold, CancelDelegation,
		Process, Archive, SampleRecheck, Suspend, Resume,
	}
}

// ParseTrigger turns a code from a request into a Trigger, rejecting unknown codes.
func ParseTrigger(s string) (Trigger, error) {
	t := Trigger(s)
	if !t.Valid() {
		return "", fmt.Errorf("parse trigger %q: %w", s, ErrUnknownTrigger)
	}
	return t, nil
}

// Valid reports whether t is one of Triggers().
func (t Trigger) Valid() bool {
	return t.Label() != ""
}

// String returns the trigger code.
func (t Trigger) String() string { return string(t) }

// Label returns the Chinese name of the trigger shown on buttons and in the
// timeline, or "" for an unknown trigger.
func (t Trigger) Label() string {
	switch t {
	case Submit:
		return "报送"
	case InitialCheckFail:
		return "初审不通过"
	case IssueNotice:
		return "下达通知书"
	case Return:
		return "退审"
	case Resubmit:
		return "重新报送"
	case Accept:
		return "受理"
	case Delegate:
		return "委托"
	case Decline:
		return "拒绝委托"
	case Start:
		return "开始评审"
	case Reconcile:
		return "会审核对"
	case SubmitDraft:
		return "提交审核报告初稿"
	case SendBack:
		return "退回修改"
	case SendOpinion:
		return "发送征求意见书"
	case Sign:
		return "签署意见"
	case Cosign:
		return "施工单位会签"
	case StartExpertReview:
		return "专家复审"
	case Resolve:
		return "复审结论"
	case IssueUnilateral:
		return "单方出具结论"
	case Conclude:
		return "出具评审结论"
	case FileAppeal:
		return "申请复议"
	case Uphold:
		return "维持原结论"
	case CancelDelegation:
		return "取消委托"
	case Process:
		return "财政处理"
	case Archive:
		return "归档"
	case SampleRecheck:
		return "抽查复审"
	case SubmitPlan:
		return "提交评审方案"
	case ApprovePlan:
		return "批准评审方案"
	case Suspend:
		return "中止评审"
	case Resume:
		return "恢复评审"
	case DeemAgreed:
		return "逾期视同同意"
	case RecordSurvey:
		return "现场踏勘"
	case RequestMaterials:
		return "要求补充资料"
	case AddTracking:
		return "跟踪记录"
	}
	return ""
}

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
func (t Trigger) displayName() string {
	if l := t.Label(); l != "" {
		return l
	}
	return string(t)
}
