package workflow

import (
	"errors"
	"testing"
)

func TestStates(t *testing.T) {
	want := []struct {
		state State
		code  string
		label string
	}{
		{Draft, "draft", "草稿"},
		{Submitted, "submitted", "已报送"},
		{Notified, "notified", "已下达通知书"},
		{Accepted, "accepted", "已受理"},
		{Delegated, "delegated", "已委托"},
		{InReview, "in_review", "评审中"},
		{Reconciling, "reconciling", "会审核对"},
		{CenterCheck, "center_check", "中心复核"},
		{OpinionSent, "opinion_sent", "已发征求意见书"},
		{Signed, "signed", "已签署"},
		{DeemedAgreed, "deemed_agreed", "逾期视同同意"},
		{Disputed, "disputed", "有争议"},
		{Concluded, "concluded", "已出具结论"},
		{Processed, "processed", "财政已处理"},
		{Archived, "archived", "已归档"},
		{Returned, "returned", "已退审"},
		{Unilateral, "unilateral", "单方结论"},
		{Appeal, "appeal", "复议中"},
		{ExpertReview, "expert_review", "专家复审"},
	}
	got := States()
	if len(got) != len(want) {
		t.Fatalf("States() has %d states, want %d", len(got), len(want))
	}
	for i, w := range want {
		t.Run(w.code, func(t *testing.T) {
			if got[i] != w.state {
				t.Errorf("States()[%d] = %q, want %q", i, got[i], w.state)
			}
			if string(w.state) != w.code {
				t.Errorf("code = %q, want %q", w.state, w.code)
			}
			if l := w.state.Label(); l != w.label {
				t.Errorf("Label() = %q, want %q", l, w.label)
			}
			p, err := ParseState(w.code)
			if err != nil || p != w.state {
				t.Errorf("ParseState(%q) = %q, %v", w.code, p, err)
			}
			wantTerminal := w.state == Archived || w.state == Returned
			if w.state.Terminal() != wantTerminal {
				t.Errorf("Terminal() = %v, want %v", w.state.Terminal(), wantTerminal)
			}
		})
	}
}

func TestParseStateRejectsUnknown(t *testing.T) {
	for _, s := range []string{"", "Draft", "DRAFT", "草稿", "2", "in-review", " draft"} {
		t.Run("code "+s, func(t *testing.T) {
			got, err := ParseState(s)
			if !errors.Is(err, ErrUnknownState) {
				t.Fatalf("ParseState(%q) = %q, %v; want ErrUnknownState", s, got, err)
			}
			if State(s).Label() != "" {
				t.Errorf("Label of unknown %q = %q, want empty", s, State(s).Label())
			}
		})
	}
}

func TestTriggers(t *testing.T) {
	want := []struct {
		trigger      Trigger
		code         string
		label        string
		irreversible bool
	}{
		{Submit, "submit", "报送", false},
		{InitialCheckFail, "initial_check_fail", "初审不通过", true},
		{IssueNotice, "issue_notice", "下达通知书", false},
		{Return, "return", "退审", true},
		{Resubmit, "resubmit", "重新报送", false},
		{Accept, "accept", "受理", false},
		{Delegate, "delegate", "委托", false},
		{Decline, "decline", "拒绝委托", false},
		{SubmitPlan, "submit_plan", "提交评审方案", false},
		{ApprovePlan, "approve_plan", "批准评审方案", false},
		{Start, "start", "开始评审", false},
		{RecordSurvey, "record_survey", "现场踏勘", false},
		{RequestMaterials, "request_materials", "要求补充资料", false},
		{AddTracking, "add_tracking", "跟踪记录", false},
		{Reconcile, "reconcile", "会审核对", false},
		{SubmitDraft, "submit_draft", "提交审核报告初稿", false},
		{SendBack, "send_back", "退回修改", false},
		{SendOpinion, "send_opinion", "发送征求意见书", true},
		{Sign, "sign", "签署意见", false},
		{Cosign, "cosign", "施工单位会签", false},
		{DeemAgreed, "deem_agreed", "逾期视同同意", false},
		{StartExpertReview, "expert_review", "专家复审", false},
		{Resolve, "resolve", "复审结论", false},
		{IssueUnilateral, "unilateral", "单方出具结论", true},
		{Conclude, "conclude", "出具评审结论", true},
		{FileAppeal, "appeal", "申请复议", false},
		{Uphold, "uphold", "维持原结论", false},
		{CancelDelegation, "cancel_delegation", "取消委托", true},
		{Process, "process", "财政处理", false},
		{Archive, "archive", "归档", true},
		{SampleRecheck, "sample_recheck", "抽查复审", false},
		{Suspend, "suspend", "中止评审", false},
		{Resume, "resume", "恢复评审", false},
	}
	got := Triggers()
	if len(got) != len(want) {
		t.Fatalf("Triggers() has %d triggers, want %d", len(got), len(want))
	}
	for i, w := range want {
		t.Run(w.code, func(t *testing.T) {
			if got[i] != w.trigger {
				t.Errorf("Triggers()[%d] = %q, want %q", i, got[i], w.trigger)
			}
			if string(w.trigger) != w.code {
				t.Errorf("code = %q, want %q", w.trigger, w.code)
			}
			if l := w.trigger.Label(); l != w.label {
				t.Errorf("Label() = %q, want %q", l, w.label)
			}
			if w.trigger.Irreversible() != w.irreversible {
				t.Errorf("Irreversible() = %v, want %v", w.trigger.Irreversible(), w.irreversible)
			}
			p, err := ParseTrigger(w.code)
			if err != nil || p != w.trigger {
				t.Errorf("ParseTrigger(%q) = %q, %v", w.code, p, err)
			}
		})
	}
	for _, s := range []string{"", "Submit", "报送", "approve", "deem-agreed"} {
		t.Run("unknown code "+s, func(t *testing.T) {
			if _, err := ParseTrigger(s); !errors.Is(err, ErrUnknownTrigger) {
				t.Errorf("ParseTrigger(%q) error = %v, want ErrUnknownTrigger", s, err)
			}
		})
	}
}
