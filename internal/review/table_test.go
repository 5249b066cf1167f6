package review_test

import (
	"errors"
	"slices"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/review"
	"finreview/workflow"
)

// The service refuses every trigger to every role its table entry leaves
// out, and lets the others through to the version check.
func TestTableRolesAreEnforced(t *testing.T) {
	h := newHarness(t)
	id := h.toInReview("LH-2026-002")
	people := map[auth.Role]auth.Principal{
		// The security administrator and the auditor see no review at all.
		auth.Admin:          h.p("admin"),
		auth.FinanceSection: h.p("caizheng"), auth.ReviewCenter: h.p("pingshen"), auth.Intermediary: h.firmUser(id),
		auth.ConstructionUnit: h.p("jianshe"), auth.Contractor: h.p("shigong"), auth.CompetentDept: h.p("zhuguan"),
	}
	stale := -1
	for _, tr := range workflow.Triggers() {
		roles := review.TableRoles(tr)
		for role, p := range people {
			_, err := h.svc.Fire(h.ctx, p, id, review.FireInput{Trigger: tr, Version: &stale, Reason: "理由"})
			switch {
			case slices.Contains(roles, role):
				var se *review.StaleError
				if !errors.As(err, &se) {
					t.Errorf("%s by %s (allowed): err = %v, want the stale-version refusal", tr, role, err)
				}
			case !errors.Is(err, auth.ErrForbidden):
				t.Errorf("%s by %s (not in the table): err = %v, want forbidden", tr, role, err)
			}
		}
	}
	if r := h.state(id); r.State != workflow.InReview {
		t.Fatalf("review moved to %s", r.State)
	}
}

// A transition builds one workflow machine, whether it goes through, is
// refused by the state, or is refused for a parameter.
func TestOneMachinePerTransition(t *testing.T) {
	h := newHarness(t)
	built := review.CountMachines(h.svc)
	id := h.newReview("jianshe", "LH-2026-002", "settlement", "1000000.00")
	h.addDoc(id, "submission")
	steps := []struct {
		user    string
		trigger workflow.Trigger
		kv      []string
		ok      bool
	}{
		{"jianshe", workflow.Resubmit, nil, false},
		{"jianshe", workflow.Submit, nil, true},
		{"caizheng", workflow.IssueNotice, nil, true},
		{"pingshen", workflow.Accept, nil, true},
		{"pingshen", workflow.Delegate, []string{"firm_id", "x"}, false},
		{"pingshen", workflow.Delegate, nil, true},
		{"firm", workflow.Start, nil, true},
		{"firm", workflow.SubmitDraft, []string{"audited_amount", "900000.00"}, true},
	}
	for _, s := range steps {
		built.Store(0)
		_, err := h.fire(s.user, id, s.trigger, "", s.kv...)
		if (err == nil) != s.ok {
			t.Fatalf("%s by %s: err = %v, want ok %v", s.trigger, s.user, err, s.ok)
		}
		if n := built.Load(); n != 1 {
			t.Errorf("%s by %s built %d machines, want 1", s.trigger, s.user, n)
		}
	}
}

// The review page's forms are the table's: its fields in order, a
// confirmation for irreversible steps, the choices read for the review.
func TestFormsFollowTheTable(t *testing.T) {
	h := newHarness(t)
	id := h.toInReview("LH-2026-002")
	v, err := h.svc.Get(h.ctx, h.p("pingshen"), id)
	if err != nil {
		t.Fatal(err)
	}
	v.Permitted = workflow.Triggers()
	forms, err := h.svc.Forms(h.ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(forms) != len(workflow.Triggers()) {
		t.Fatalf("%d forms for %d triggers", len(forms), len(workflow.Triggers()))
	}
	byTrigger := map[workflow.Trigger]review.Form{}
	for _, f := range forms {
		byTrigger[f.Trigger] = f
		if (f.Confirm != "") != f.Trigger.Irreversible() || f.Danger != f.Trigger.Irreversible() {
			t.Errorf("%s: confirm %q, danger %v", f.Trigger, f.Confirm, f.Danger)
		}
		if f.Label != f.Trigger.Label() {
			t.Errorf("%s: label %q", f.Trigger, f.Label)
		}
	}
	names := func(t workflow.Trigger) []string {
		var out []string
		for _, f := range byTrigger[t].Fields {
			out = append(out, f.Name)
		}
		return out
	}
	if got := names(workflow.Delegate); !slices.Equal(got, []string{"firm_id", "reason", "supervisor_id"}) {
		t.Errorf("delegate fields %v", got)
	}
	if got := names(workflow.Conclude); !slices.Equal(got, []string{"reason"}) {
		t.Errorf("conclude fields %v", got)
	}
	firms := byTrigger[workflow.Delegate].Fields[0].Options
	if len(firms) < 2 || firms[0].Code != "" {
		t.Errorf("delegate firm options %v: the rotation first, then the firms", firms)
	}
	if got := byTrigger[workflow.Archive].Values["retention_years"]; got != "30" {
		t.Errorf("archive retention default %q", got)
	}
	if got := byTrigger[workflow.Archive].Values["paper_received_on"]; len(got) != 10 {
		t.Errorf("archive received-on default %q, want today", got)
	}
	if c := byTrigger[workflow.Conclude].Confirm; c != "确定执行“出具评审结论”?此操作不可撤销。" {
		t.Errorf("conclude confirm %q", c)
	}
}
