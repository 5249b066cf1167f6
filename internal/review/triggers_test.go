package review

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/input"
	"finreview/workflow"
)

func TestEveryTriggerHasOneEntry(t *testing.T) {
	var got []workflow.Trigger
	for _, s := range table() {
		got = append(got, s.trigger)
	}
	if want := workflow.Triggers(); !slices.Equal(got, want) {
		t.Fatalf("table triggers = %v,\nwant workflow.Triggers() = %v (one entry each, in that order)", got, want)
	}
	for _, s := range table() {
		if len(s.roles) == 0 {
			t.Errorf("%s: no role may fire it", s.trigger)
		}
		if len(s.fields) == 0 {
			t.Errorf("%s: a form without fields", s.trigger)
		}
		seen := map[string]bool{}
		for _, f := range s.fields {
			if f.Name == "" || f.Label == "" || f.Kind == "" {
				t.Errorf("%s: field %+v lacks a name, label or kind", s.trigger, f)
			}
			if seen[f.Name] {
				t.Errorf("%s: field %s twice", s.trigger, f.Name)
			}
			seen[f.Name] = true
		}
	}
}

// The triggers that must say why, as the service has always required.
func TestReasonRequired(t *testing.T) {
	want := []workflow.Trigger{workflow.InitialCheckFail, workflow.Return, workflow.Decline, workflow.RequestMaterials,
		workflow.SendBack, workflow.IssueUnilateral, workflow.FileAppeal, workflow.CancelDelegation, workflow.Suspend}
	var got []workflow.Trigger
	for _, s := range table() {
		if s.reasonRequired() {
			got = append(got, s.trigger)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("reason required of %v, want %v", got, want)
	}
}

func TestMayFire(t *testing.T) {
	tests := []struct {
		role auth.Role
		t    workflow.Trigger
		want bool
	}{
		{auth.ConstructionUnit, workflow.Submit, true},
		{auth.ConstructionUnit, workflow.Accept, false},
		{auth.ConstructionUnit, workflow.Sign, true},
		{auth.Contractor, workflow.Sign, false},
		{auth.Contractor, workflow.Cosign, true},
		{auth.ReviewCenter, workflow.Delegate, true},
		{auth.ReviewCenter, workflow.Start, false},
		{auth.Intermediary, workflow.Start, true},
		{auth.Intermediary, workflow.Conclude, false},
		{auth.FinanceSection, workflow.IssueNotice, true},
		{auth.FinanceSection, workflow.Archive, true},
		{auth.Admin, workflow.Accept, false},
		{auth.Expert, workflow.Resolve, false},
		{auth.System, workflow.DeemAgreed, true},
		{auth.ReviewCenter, workflow.DeemAgreed, false},
		{auth.ReviewCenter, "no_such_trigger", false},
	}
	for _, tt := range tests {
		if got := MayFire(tt.role, tt.t); got != tt.want {
			t.Errorf("MayFire(%s, %s) = %v, want %v", tt.role, tt.t, got, tt.want)
		}
	}
}

func TestActionableStates(t *testing.T) {
	has := func(r auth.Role, s workflow.State) bool {
		return slices.Contains(ActionableStates(r), s)
	}
	if !has(auth.ConstructionUnit, workflow.Draft) || !has(auth.ConstructionUnit, workflow.OpinionSent) {
		t.Error("a unit acts on drafts and opinion letters")
	}
	if has(auth.ConstructionUnit, workflow.Concluded) {
		t.Error("an appeal is a right, not a task: a concluded review is not on the unit's to-do list")
	}
	if has(auth.ConstructionUnit, workflow.InReview) {
		t.Error("a unit has nothing to do while the firm reviews")
	}
	if !has(auth.ReviewCenter, workflow.Notified) || has(auth.ReviewCenter, workflow.Draft) {
		t.Error("the center accepts notified reviews, not drafts")
	}
	if !has(auth.Intermediary, workflow.Delegated) {
		t.Error("a firm acts on delegated reviews")
	}
}

// TestTaskTableEqualsFresh: Tasks and ActionableStates, read from the
// table worked out once, equal what a workflow machine says now, for every
// role (the system and an unknown one too) and every state (an unknown one
// too), so a change to the workflow or the trigger table cannot leave them
// behind.
func TestTaskTableEqualsFresh(t *testing.T) {
	roles := append(auth.Roles(), auth.System, auth.Role("bogus"))
	states := append(workflow.States(), workflow.State("bogus"))
	for _, r := range roles {
		t.Run(string(r), func(t *testing.T) {
			var actionable []workflow.State
			for _, s := range states {
				want := tasksOf(r, s)
				if got := Tasks(r, s); !slices.Equal(got, want) {
					t.Errorf("Tasks(%s, %s) = %v, want %v", r, s, got, want)
				}
				if len(want) > 0 {
					actionable = append(actionable, s)
				}
			}
			if got := ActionableStates(r); !slices.Equal(got, actionable) {
				t.Errorf("ActionableStates(%s) = %v, want %v", r, got, actionable)
			}
		})
	}
}

// TestTasksCallerOwnsTheSlice: changing an answer does not change the
// next one.
func TestTasksCallerOwnsTheSlice(t *testing.T) {
	tasks := Tasks(auth.ReviewCenter, workflow.Notified)
	states := ActionableStates(auth.ReviewCenter)
	if len(tasks) == 0 || len(states) == 0 {
		t.Fatal("the center has nothing to do")
	}
	tasks[0], states[0] = workflow.Archive, workflow.Archived
	if again := Tasks(auth.ReviewCenter, workflow.Notified); again[0] == workflow.Archive {
		t.Error("Tasks returned the table's own slice")
	}
	if again := ActionableStates(auth.ReviewCenter); again[0] == workflow.Archived {
		t.Error("ActionableStates returned the table's own slice")
	}
}

// badParam is one bad value of one parameter and the field it must be
// refused by.
type badParam struct {
	trigger workflow.Trigger
	reason  string
	params  map[string]string
	field   string
	msg     string // part of the message
}

// badParams has at least one bad value for every parameter the table's
// triggers read, except experts, which the database checks
// (TestExpertReviewWithoutDrawNeedsExperts, TestHandPickedExpertsNeedAReason).
var badParams = []badParam{
	{workflow.Delegate, "", map[string]string{"firm_id": "abc"}, "firm_id", "编号格式不正确"},
	{workflow.Delegate, "", map[string]string{"firm_id": "7"}, "reason", "指定中介机构须填写理由"},
	{workflow.Delegate, "", map[string]string{"supervisor_id": "-3"}, "supervisor_id", "编号格式不正确"},
	{workflow.SubmitPlan, "", map[string]string{"key_issues": "造价"}, "mode", "请填写此项"},
	{workflow.SubmitPlan, "", map[string]string{"mode": "现场", "key_issues": " "}, "key_issues", "请填写此项"},
	{workflow.SubmitPlan, "", map[string]string{"mode": "现场", "key_issues": "造价", "survey_date": "2026/3/1"}, "survey_date", "日期格式"},
	{workflow.SubmitPlan, "", map[string]string{"mode": "现场", "key_issues": "造价", "planned_completion": "明天"}, "planned_completion", "日期格式"},
	{workflow.ApprovePlan, "", map[string]string{"decision": "maybe"}, "decision", "审核结论"},
	{workflow.ApprovePlan, "", map[string]string{"decision": "redo"}, "reason", "退回重做须说明原因"},
	{workflow.RecordSurvey, "", map[string]string{"people": "张三", "findings": "无"}, "survey_date", "请填写日期"},
	{workflow.RecordSurvey, "", map[string]string{"survey_date": "2026-03-01", "findings": "无"}, "people", "请填写此项"},
	{workflow.RecordSurvey, "", map[string]string{"survey_date": "2026-03-01", "people": "张三"}, "findings", "请填写此项"},
	{workflow.AddTracking, "", map[string]string{"kind": "gossip"}, "kind", "跟踪记录类型不正确"},
	{workflow.AddTracking, "", map[string]string{"kind": "progress", "record_date": "x"}, "record_date", "日期格式"},
	{workflow.AddTracking, "", map[string]string{"kind": "progress", "record_date": "2026-03-01", "description": "d"}, "title", "请填写此项"},
	{workflow.AddTracking, "", map[string]string{"kind": "progress", "record_date": "2026-03-01", "title": "t"}, "description", "请填写此项"},
	{workflow.AddTracking, "", map[string]string{"kind": "progress", "record_date": "2026-03-01", "title": "t", "description": "d", "amount": "1e9"}, "amount", "金额格式不正确"},
	{workflow.SubmitDraft, "", map[string]string{}, "audited_amount", "请填写金额"},
	{workflow.SubmitDraft, "", map[string]string{"audited_amount": "12.345"}, "audited_amount", "金额格式不正确"},
	{workflow.Sign, "", map[string]string{}, "agree", "签署意见须说明同意或不同意"},
	{workflow.Sign, "", map[string]string{"agree": "maybe"}, "agree", "须为 true 或 false"},
	{workflow.Sign, "", map[string]string{"agree": "false"}, "reasons", "不同意时须填写理由"},
	{workflow.Cosign, "", map[string]string{"agree": "perhaps"}, "agree", "须为 true 或 false"},
	{workflow.Resolve, "", map[string]string{"fault_party": "nobody", "audited_amount": "1.00"}, "fault_party", "责任方"},
	{workflow.Resolve, "", map[string]string{"fault_party": "firm", "audited_amount": "abc"}, "audited_amount", "金额格式不正确"},
	{workflow.Archive, "", map[string]string{"paper_received_on": "2026-01-05", "received_by": "王"}, "archive_number", "请填写档案号"},
	{workflow.Archive, "", map[string]string{"archive_number": strings.Repeat("档", 65), "paper_received_on": "2026-01-05", "received_by": "王"}, "archive_number", "最多 64"},
	{workflow.Archive, "", map[string]string{"archive_number": "A-1", "received_by": "王"}, "paper_received_on", "请填写纸质资料接收日期"},
	{workflow.Archive, "", map[string]string{"archive_number": "A-1", "paper_received_on": "2999-01-01", "received_by": "王"}, "paper_received_on", "不能晚于今天"},
	{workflow.Archive, "", map[string]string{"archive_number": "A-1", "paper_received_on": "2026-01-05"}, "received_by", "请填写纸质资料接收人"},
	{workflow.Archive, "", map[string]string{"archive_number": "A-1", "paper_received_on": "2026-01-05", "received_by": "王", "retention_years": "0"}, "retention_years", "1 至 100"},
	{workflow.SampleRecheck, "", map[string]string{"rechecked_amount": "-"}, "rechecked_amount", "金额格式不正确"},
	{workflow.Suspend, "等图纸", map[string]string{"expected_workdays": "0"}, "expected_workdays", "正整数"},
	{workflow.Suspend, "等图纸", map[string]string{"expected_workdays": "1001"}, "expected_workdays", "正整数"},
}

// Every parameter of the table is read by its trigger's parse, which
// refuses a bad value naming the field, before anything is written.
func TestParamsRefuseBadValues(t *testing.T) {
	covered := map[workflow.Trigger]map[string]bool{}
	for _, c := range badParams {
		sp := specOf(c.trigger)
		if sp == nil || sp.parse == nil {
			t.Fatalf("%s reads no parameters", c.trigger)
		}
		x := &tx{s: &Service{now: time.Now}, in: FireInput{Trigger: c.trigger, Reason: c.reason, Params: c.params}, detail: map[string]any{}}
		_, err := sp.parse(x, context.Background())
		var fe *input.FieldError
		if !errors.As(err, &fe) || fe.Name != c.field || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%s %v: err = %v, want a field error on %s saying %q", c.trigger, c.params, err, c.field, c.msg)
			continue
		}
		if covered[c.trigger] == nil {
			covered[c.trigger] = map[string]bool{}
		}
		covered[c.trigger][fe.Name] = true
	}
	// Free text, and the experts the database checks, have no bad value here.
	free := map[string]bool{"staff": true, "reasons": true, "experts": true}
	for _, sp := range table() {
		if sp.parse == nil {
			continue
		}
		for _, f := range sp.fields {
			if f.Name == "reason" || free[f.Name] || (sp.trigger == workflow.Cosign && f.Name == "reasons") {
				continue
			}
			if !covered[sp.trigger][f.Name] {
				t.Errorf("%s: no bad value of %s is tried", sp.trigger, f.Name)
			}
		}
	}
}

func TestParamsParsedTyped(t *testing.T) {
	x := &tx{s: &Service{now: time.Now}, in: FireInput{Trigger: workflow.AddTracking, Params: map[string]string{"kind": "progress",
		"record_date": "2026-03-01", "title": " 主体封顶 ", "description": "d", "amount": "1234.50"}}, detail: map[string]any{}}
	a, err := x.parseTracking(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "主体封顶" || !a.Amount.Valid || a.Amount.Decimal.StringFixed(2) != "1234.50" ||
		a.Date.Format("2006-01-02") != "2026-03-01" || a.Date.Location().String() != "Asia/Shanghai" {
		t.Errorf("parsed %+v", a)
	}
	x.in = FireInput{Trigger: workflow.Sign, Reason: "工程量有误", Params: map[string]string{"agree": "disagree"}}
	s, err := x.parseSign(context.Background())
	if err != nil || s.Agree || s.Reasons != "工程量有误" {
		t.Errorf("sign parsed %+v, %v; want a disagreement with the reason as its reasons", s, err)
	}
}

func TestFormValue(t *testing.T) {
	tests := []struct {
		t      workflow.Trigger
		name   string
		values []string
		want   string
	}{
		{workflow.SubmitDraft, "audited_amount", []string{"1,234,567.89"}, "1234567.89"},
		{workflow.SampleRecheck, "rechecked_amount", []string{"1,000.00"}, "1000.00"},
		{workflow.AddTracking, "amount", []string{"12,000"}, "12000"},
		{workflow.StartExpertReview, "experts", []string{"3", "7"}, "3,7"},
		{workflow.AddTracking, "title", []string{"一期,二期"}, "一期,二期"},
	}
	for _, tt := range tests {
		if got := FormValue(tt.t, tt.name, tt.values); got != tt.want {
			t.Errorf("FormValue(%s, %s, %q) = %q, want %q", tt.t, tt.name, tt.values, got, tt.want)
		}
	}
}

func BenchmarkTasks(b *testing.B) {
	for b.Loop() {
		if len(Tasks(auth.ReviewCenter, workflow.CenterCheck)) == 0 {
			b.Fatal("no task")
		}
	}
}

func BenchmarkActionableStates(b *testing.B) {
	for b.Loop() {
		if len(ActionableStates(auth.ReviewCenter)) == 0 {
			b.Fatal("no state")
		}
	}
}
