package review_test

import (
	"errors"
	"testing"

	"finreview/internal/input"
	"finreview/workflow"
)

// TestWorkPlanRedo: a plan the supervisor sends back must be redone and
// approved before the firm may start.
func TestWorkPlanRedo(t *testing.T) {
	h := newHarness(t)
	id := h.newReview("jianshe", "LH-2026-004", "settlement", "1000000.00")
	h.addDoc(id, "submission")
	h.must("jianshe", id, workflow.Submit, "")
	h.must("caizheng", id, workflow.IssueNotice, "")
	h.must("pingshen", id, workflow.Accept, "")
	h.must("pingshen", id, workflow.Delegate, "")

	h.must("firm", id, workflow.SubmitPlan, "", "mode", "现场踏勘+资料审核", "key_issues", "隐蔽工程量",
		"staff", "杨帆、何静", "planned_completion", "2026-12-30")

	field := func(err error) string {
		var fe *input.FieldError
		if errors.As(err, &fe) {
			return fe.Field()
		}
		return ""
	}
	if _, err := h.fire("pingshen", id, workflow.ApprovePlan, "", "decision", "redo"); field(err) != "reason" {
		t.Fatalf("redo without a reason: %v, want a 422 on reason", err)
	}
	if _, err := h.fire("pingshen", id, workflow.ApprovePlan, "", "decision", "maybe"); field(err) != "decision" {
		t.Fatalf("unknown decision: %v, want a 422 on decision", err)
	}
	if _, err := h.fire("firm", id, workflow.Start, ""); err == nil {
		t.Fatal("start before the plan is approved must be refused")
	}
	h.must("pingshen", id, workflow.ApprovePlan, "踏勘安排过晚,请提前", "decision", "redo")
	var te *workflow.TransitionError
	if _, err := h.fire("firm", id, workflow.Start, ""); !errors.As(err, &te) {
		t.Fatalf("start with the plan sent back: %v, want a refused transition", err)
	}
	if _, err := h.fire("pingshen", id, workflow.ApprovePlan, ""); !errors.As(err, &te) {
		t.Fatalf("approving a plan sent back: %v, want refused until a new plan is submitted", err)
	}
	h.must("firm", id, workflow.SubmitPlan, "", "mode", "现场踏勘+资料审核", "key_issues", "隐蔽工程量", "survey_date", "2026-12-01")
	h.must("pingshen", id, workflow.ApprovePlan, "", "decision", "approve")
	if v := h.must("firm", id, workflow.Start, ""); v.Review.State != workflow.InReview {
		t.Fatalf("state after start: %s", v.Review.State)
	}
}
