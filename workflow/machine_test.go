package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// move is one expected transition; to == from for an internal trigger.
type move struct {
	from    State
	trigger Trigger
	to      State
}

// expectedMoves is the workflow written out by hand from DESIGN.md and
// API.md, independently of transitions(). sign is listed with the agree
// answer (disagree is tested on its own). suspend and resume come from
// suspendableStates.
func expectedMoves() []move {
	moves := []move{
		{Draft, Submit, Submitted},
		{Submitted, InitialCheckFail, Draft},
		{Submitted, IssueNotice, Notified},
		{Notified, Return, Returned},
		{Notified, Accept, Accepted},
		{Returned, Resubmit, Submitted},
		{Accepted, Delegate, Delegated},
		{Delegated, Decline, Accepted},
		{Delegated, Start, InReview},
		{Delegated, SubmitPlan, Delegated},
		{Delegated, ApprovePlan, Delegated},
		{InReview, Reconcile, Reconciling},
		{InReview, SubmitDraft, CenterCheck},
		{Reconciling, SubmitDraft, CenterCheck},
		{InReview, RecordSurvey, InReview},
		{InReview, RequestMaterials, InReview},
		{InReview, AddTracking, InReview},
		{Reconciling, RecordSurvey, Reconciling},
		{Reconciling, RequestMaterials, Reconciling},
		{CenterCheck, SendBack, InReview},
		{CenterCheck, SendOpinion, OpinionSent},
		{OpinionSent, Sign, Signed},
		{OpinionSent, Cosign, OpinionSent},
		{OpinionSent, DeemAgreed, DeemedAgreed},
		{OpinionSent, IssueUnilateral, Unilateral},
		{Disputed, IssueUnilateral, Unilateral},
		{Disputed, StartExpertReview, ExpertReview},
		{ExpertReview, Resolve, OpinionSent},
		{Signed, Conclude, Concluded},
		{DeemedAgreed, Conclude, Concluded},
		{Unilateral, Conclude, Concluded},
		{Concluded, FileAppeal, Appeal},
		{Appeal, Uphold, Concluded},
		{Appeal, CancelDelegation, Accepted},
		{Concluded, Process, Processed},
		{Processed, Archive, Archived},
		{Concluded, SampleRecheck, Concluded},
		{Processed, SampleRecheck, Processed},
		{Archived, SampleRecheck, Archived},
	}
	for _, s := range suspendableStates() {
		moves = append(moves, move{s, Suspend, s})
	}
	return moves
}

// suspendableStates: every state but draft and the terminal returned and archived.
func suspendableStates() []State {
	return []State{
		Submitted, Notified, Accepted, Delegated, InReview, Reconciling,
		CenterCheck, OpinionSent, Signed, DeemedAgreed, Disputed, Concluded,
		Processed, Unilateral, Appeal, ExpertReview,
	}
}

// openFacts lets every guard but the suspension ones pass.
func openFacts() Facts {
	return Facts{PlansRequired: true, PlanSubmitted: true, PlanApproved: true}
}

func fireArgs(t Trigger) []any {
	if t == Sign {
		return []any{SignArgs{Agree: true}}
	}
	return nil
}

func TestEveryTriggerInEveryState(t *testing.T) {
	ctx := context.Background()
	expected := make(map[State]map[Trigger]State)
	for _, m := range expectedMoves() {
		if expected[m.from] == nil {
			expected[m.from] = make(map[Trigger]State)
		}
		expected[m.from][m.trigger] = m.to
	}
	for _, s := range States() {
		var wantPermitted []Trigger
		for _, tr := range Triggers() {
			if _, ok := expected[s][tr]; ok {
				wantPermitted = append(wantPermitted, tr)
			}
		}
		t.Run("permitted in "+string(s), func(t *testing.T) {
			got := New(s, openFacts()).Permitted(ctx)
			if !slices.Equal(got, wantPermitted) {
				t.Errorf("Permitted() = %v, want %v", got, wantPermitted)
			}
		})
		for _, tr := range Triggers() {
			to, allowed := expected[s][tr]
			name := fmt.Sprintf("%s in %s is forbidden", tr, s)
			if allowed {
				name = fmt.Sprintf("%s in %s goes to %s", tr, s, to)
			}
			t.Run(name, func(t *testing.T) {
				m := New(s, openFacts())
				if got := m.CanFire(ctx, tr); got != allowed {
					t.Errorf("CanFire = %v, want %v", got, allowed)
				}
				got, err := m.Fire(ctx, tr, fireArgs(tr)...)
				if allowed {
					if err != nil {
						t.Fatalf("Fire: %v", err)
					}
					if got != to || m.State() != to {
						t.Errorf("Fire returned %q, machine in %q; want %q", got, m.State(), to)
					}
					return
				}
				var te *TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("Fire error = %v (%T), want *TransitionError", err, err)
				}
				if te.From != s || te.Trigger != tr {
					t.Errorf("error From/Trigger = %q/%q, want %q/%q", te.From, te.Trigger, s, tr)
				}
				if !slices.Equal(te.Permitted, wantPermitted) {
					t.Errorf("error Permitted = %v, want %v", te.Permitted, wantPermitted)
				}
				if got != s || m.State() != s {
					t.Errorf("state after refused Fire = %q/%q, want %q", got, m.State(), s)
				}
			})
		}
	}
}

func TestSign(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		args      []any
		wantState State
		wantField string // non-empty: an *ArgumentError on this field
	}{
		{"agree goes to signed", []any{SignArgs{Agree: true}}, Signed, ""},
		{"agree without reasons is fine", []any{SignArgs{Agree: true, Reasons: ""}}, Signed, ""},
		{"disagree with reasons goes to disputed", []any{SignArgs{Agree: false, Reasons: "工程量计算有误"}}, Disputed, ""},
		{"disagree without reasons is refused", []any{SignArgs{Agree: false, Reasons: "  "}}, OpinionSent, "reasons"},
		{"no answer is refused", nil, OpinionSent, "agree"},
		{"wrong argument type is refused", []any{true}, OpinionSent, "agree"},
		{"pointer argument is refused", []any{&SignArgs{Agree: true}}, OpinionSent, "agree"},
		{"two answers are refused", []any{SignArgs{Agree: true}, SignArgs{}}, OpinionSent, "agree"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(OpinionSent, Facts{})
			got, err := m.Fire(ctx, Sign, tt.args...)
			if tt.wantField != "" {
				var ae *ArgumentError
				if !errors.As(err, &ae) {
					t.Fatalf("error = %v, want *ArgumentError", err)
				}
				if ae.Field != tt.wantField || ae.Code() != "invalid_argument" || ae.Error() == "" {
					t.Errorf("ArgumentError = %+v (code %q), want field %q", ae, ae.Code(), tt.wantField)
				}
			} else if err != nil {
				t.Fatalf("Fire: %v", err)
			}
			if got != tt.wantState {
				t.Errorf("state = %q, want %q", got, tt.wantState)
			}
		})
	}
	t.Run("FireSign disagrees", func(t *testing.T) {
		got, err := New(OpinionSent, Facts{}).FireSign(ctx, SignArgs{Reasons: "单价偏低"})
		if err != nil || got != Disputed {
			t.Fatalf("FireSign = %q, %v; want disputed", got, err)
		}
	})
	t.Run("sign outside opinion_sent is a transition error", func(t *testing.T) {
		_, err := New(Disputed, Facts{}).FireSign(ctx, SignArgs{Agree: true})
		var te *TransitionError
		if !errors.As(err, &te) {
			t.Fatalf("error = %v, want *TransitionError", err)
		}
	})
	t.Run("other triggers take no arguments", func(t *testing.T) {
		m := New(Draft, Facts{})
		_, err := m.Fire(ctx, Submit, "extra")
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Trigger != Submit {
			t.Fatalf("error = %v, want *ArgumentError for submit", err)
		}
		if m.State() != Draft {
			t.Errorf("state = %q, want draft", m.State())
		}
	})
}

func TestSuspension(t *testing.T) {
	ctx := context.Background()
	suspendable := make(map[State]bool)
	for _, s := range suspendableStates() {
		suspendable[s] = true
	}
	valid := make(map[State]map[Trigger]bool)
	for _, m := range expectedMoves() {
		if valid[m.from] == nil {
			valid[m.from] = make(map[Trigger]bool)
		}
		valid[m.from][m.trigger] = true
	}
	facts := openFacts()
	facts.Suspended = true
	for _, s := range States() {
		t.Run("only resume is permitted in suspended "+string(s), func(t *testing.T) {
			var want []Trigger
			if suspendable[s] {
				want = []Trigger{Resume}
			}
			if got := New(s, facts).Permitted(ctx); !slices.Equal(got, want) {
				t.Errorf("Permitted() = %v, want %v", got, want)
			}
		})
		for _, tr := range Triggers() {
			if tr == Resume {
				continue
			}
			t.Run(fmt.Sprintf("%s is refused in suspended %s", tr, s), func(t *testing.T) {
				m := New(s, facts)
				got, err := m.Fire(ctx, tr, fireArgs(tr)...)
				var te *TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("error = %v, want *TransitionError", err)
				}
				if got != s {
					t.Errorf("state = %q, want %q", got, s)
				}
				// A trigger the state accepts is refused for the suspension;
				// one it never accepts is refused for the state.
				if isSusp := errors.Is(err, ErrSuspended); isSusp != valid[s][tr] {
					t.Errorf("errors.Is(ErrSuspended) = %v, want %v (%v)", isSusp, valid[s][tr], err)
				}
				if valid[s][tr] && !strings.HasPrefix(te.Reason, "评审已中止") {
					t.Errorf("Reason = %q, want it to start with 评审已中止", te.Reason)
				}
			})
		}
	}
	t.Run("resume clears nothing by itself and keeps the state", func(t *testing.T) {
		got, err := New(InReview, facts).Fire(ctx, Resume)
		if err != nil || got != InReview {
			t.Fatalf("resume = %q, %v; want in_review", got, err)
		}
	})
	t.Run("resume is refused when not suspended", func(t *testing.T) {
		_, err := New(InReview, Facts{}).Fire(ctx, Resume)
		var te *TransitionError
		if !errors.As(err, &te) || !slices.Equal(te.Guards, []string{"suspended"}) {
			t.Fatalf("error = %v, want unmet guard suspended", err)
		}
		if errors.Is(err, ErrSuspended) {
			t.Errorf("errors.Is(ErrSuspended) = true for a review that is not suspended")
		}
		if te.Reason != `当前状态"评审中"不能执行"恢复评审"：评审未中止，无需恢复` {
			t.Errorf("Reason = %q", te.Reason)
		}
	})
	t.Run("suspend is refused when already suspended", func(t *testing.T) {
		_, err := New(InReview, facts).Fire(ctx, Suspend)
		if !errors.Is(err, ErrSuspended) {
			t.Fatalf("error = %v, want ErrSuspended", err)
		}
	})
}

func TestAppealOnlyOnce(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		appealUsed bool
		want       State
	}{
		{"first appeal is accepted", false, Appeal},
		{"second appeal is refused", true, Concluded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Concluded, Facts{AppealUsed: tt.appealUsed})
			if got := slices.Contains(m.Permitted(ctx), FileAppeal); got != !tt.appealUsed {
				t.Errorf("appeal in Permitted() = %v, want %v", got, !tt.appealUsed)
			}
			got, err := m.Fire(ctx, FileAppeal)
			if got != tt.want {
				t.Errorf("state = %q, want %q", got, tt.want)
			}
			if !tt.appealUsed {
				if err != nil {
					t.Fatalf("Fire: %v", err)
				}
				return
			}
			var te *TransitionError
			if !errors.As(err, &te) {
				t.Fatalf("error = %v, want *TransitionError", err)
			}
			if !slices.Equal(te.Guards, []string{"appealNotUsed"}) {
				t.Errorf("Guards = %v, want [appealNotUsed]", te.Guards)
			}
			if !strings.Contains(te.Reason, "只能申请一次复议") {
				t.Errorf("Reason = %q, want it to mention 只能申请一次复议", te.Reason)
			}
			if want := []Trigger{Process, SampleRecheck, Suspend}; !slices.Equal(te.Permitted, want) {
				t.Errorf("Permitted = %v, want %v", te.Permitted, want)
			}
		})
	}
}

func TestStartGatedByPlan(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		facts Facts
		want  bool
	}{
		{"no plan needed", Facts{}, true},
		{"no plan needed though one was submitted", Facts{PlanSubmitted: true}, true},
		{"plan required and approved", Facts{PlansRequired: true, PlanSubmitted: true, PlanApproved: true}, true},
		{"plan required but only submitted", Facts{PlansRequired: true, PlanSubmitted: true}, false},
		{"plan required and none submitted", Facts{PlansRequired: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Delegated, tt.facts)
			if got := m.CanFire(ctx, Start); got != tt.want {
				t.Errorf("CanFire(start) = %v, want %v", got, tt.want)
			}
			got, err := m.Fire(ctx, Start)
			if tt.want {
				if err != nil || got != InReview {
					t.Fatalf("start = %q, %v; want in_review", got, err)
				}
				return
			}
			var te *TransitionError
			if !errors.As(err, &te) || !slices.Equal(te.Guards, []string{"planReady"}) {
				t.Fatalf("error = %v, want unmet guard planReady", err)
			}
			if te.Reason != `当前状态"已委托"不能执行"开始评审"：评审方案尚未批准` {
				t.Errorf("Reason = %q", te.Reason)
			}
		})
	}
}

func TestApprovePlanNeedsSubmittedPlan(t *testing.T) {
	ctx := context.Background()
	for _, submitted := range []bool{true, false} {
		t.Run(fmt.Sprintf("plan submitted %v", submitted), func(t *testing.T) {
			m := New(Delegated, Facts{PlansRequired: true, PlanSubmitted: submitted})
			_, err := m.Fire(ctx, ApprovePlan)
			if (err == nil) != submitted {
				t.Fatalf("approve_plan error = %v, want success %v", err, submitted)
			}
			if m.State() != Delegated {
				t.Errorf("state = %q, want delegated", m.State())
			}
		})
	}
}

func TestMissingGates(t *testing.T) {
	ctx := context.Background()
	missing := []string{"送审资料未齐全", "送审金额无效"}
	t.Run("a permitted trigger with unmet gates is refused with them", func(t *testing.T) {
		m := New(Draft, Facts{Missing: missing})
		got, err := m.Fire(ctx, Submit)
		var te *TransitionError
		if !errors.As(err, &te) {
			t.Fatalf("error = %v, want *TransitionError", err)
		}
		if got != Draft {
			t.Errorf("state = %q, want draft", got)
		}
		if !slices.Equal(te.Missing, missing) {
			t.Errorf("Missing = %v, want %v", te.Missing, missing)
		}
		if want := `尚不能执行"报送"：送审资料未齐全、送审金额无效`; te.Error() != want {
			t.Errorf("Error() = %q, want %q", te.Error(), want)
		}
		if !slices.Equal(te.Permitted, []Trigger{Submit}) {
			t.Errorf("Permitted = %v, want [submit]", te.Permitted)
		}
	})
	t.Run("a trigger the state refuses reports the state, not the gates", func(t *testing.T) {
		_, err := New(Draft, Facts{Missing: missing}).Fire(ctx, Accept)
		var te *TransitionError
		if !errors.As(err, &te) {
			t.Fatalf("error = %v, want *TransitionError", err)
		}
		if len(te.Missing) != 0 || te.Error() != `当前状态"草稿"不能执行"受理"` {
			t.Errorf("error = %q, Missing %v", te.Error(), te.Missing)
		}
	})
}

func TestTransitionError(t *testing.T) {
	ctx := context.Background()
	m := New(InReview, Facts{})
	_, err := m.FireSign(ctx, SignArgs{Agree: true})
	var te *TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want *TransitionError", err)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"from", te.From, InReview},
		{"trigger", te.Trigger, Sign},
		{"permitted", fmt.Sprint(te.Permitted), fmt.Sprint([]Trigger{RecordSurvey, RequestMaterials, AddTracking, Reconcile, SubmitDraft, Suspend})},
		{"reason", te.Reason, `当前状态"评审中"不能执行"签署意见"`},
		{"error", te.Error(), `当前状态"评审中"不能执行"签署意见"`},
		{"code", te.Code(), "transition_not_allowed"},
		{"no guards", len(te.Guards), 0},
		{"not a suspension", errors.Is(err, ErrSuspended), false},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
	t.Run("unknown trigger", func(t *testing.T) {
		_, err := New(Draft, Facts{}).Fire(ctx, Trigger("approve"))
		var te *TransitionError
		if !errors.As(err, &te) || te.Error() != `当前状态"草稿"不能执行"approve"` {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestUnknownCurrentState(t *testing.T) {
	ctx := context.Background()
	m := New(State("bogus"), Facts{})
	if _, err := m.Fire(ctx, Submit); !errors.Is(err, ErrUnknownState) {
		t.Errorf("Fire error = %v, want ErrUnknownState", err)
	}
	if got := m.Permitted(ctx); len(got) != 0 {
		t.Errorf("Permitted() = %v, want none", got)
	}
	if m.CanFire(ctx, Submit) {
		t.Errorf("CanFire(submit) = true, want false")
	}
}

func TestFullReviewPath(t *testing.T) {
	ctx := context.Background()
	d := NewDefinition()
	state := Draft
	steps := []struct {
		trigger Trigger
		args    []any
		want    State
	}{
		{Submit, nil, Submitted},
		{InitialCheckFail, nil, Draft},
		{Submit, nil, Submitted},
		{IssueNotice, nil, Notified},
		{Accept, nil, Accepted},
		{Delegate, nil, Delegated},
		{Decline, nil, Accepted},
		{Delegate, nil, Delegated},
		{Start, nil, InReview},
		{RecordSurvey, nil, InReview},
		{Reconcile, nil, Reconciling},
		{SubmitDraft, nil, CenterCheck},
		{SendBack, nil, InReview},
		{SubmitDraft, nil, CenterCheck},
		{SendOpinion, nil, OpinionSent},
		{Cosign, nil, OpinionSent},
		{Sign, []any{SignArgs{Reasons: "材料价格偏低"}}, Disputed},
		{StartExpertReview, nil, ExpertReview},
		{Resolve, nil, OpinionSent},
		{DeemAgreed, nil, DeemedAgreed},
		{Conclude, nil, Concluded},
		{FileAppeal, nil, Appeal},
		{CancelDelegation, nil, Accepted},
	}
	for i, st := range steps {
		t.Run(fmt.Sprintf("step %d %s", i+1, st.trigger), func(t *testing.T) {
			// A fresh machine per step, as per request: state is external.
			got, err := d.New(state, Facts{}).Fire(ctx, st.trigger, st.args...)
			if err != nil {
				t.Fatalf("%s from %s: %v", st.trigger, state, err)
			}
			if got != st.want {
				t.Fatalf("%s from %s = %q, want %q", st.trigger, state, got, st.want)
			}
			state = got
		})
	}
}

func TestSharedDefinitionConcurrently(t *testing.T) {
	ctx := context.Background()
	d := NewDefinition()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			suspended := i%2 == 1
			m := d.New(InReview, Facts{Suspended: suspended})
			got, err := m.Fire(ctx, Reconcile)
			switch {
			case suspended && !errors.Is(err, ErrSuspended):
				errs <- fmt.Errorf("machine %d: suspended reconcile error = %v", i, err)
			case !suspended && (err != nil || got != Reconciling):
				errs <- fmt.Errorf("machine %d: reconcile = %q, %v", i, got, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkFire(b *testing.B) {
	ctx := context.Background()
	b.Run("new and fire", func(b *testing.B) {
		for b.Loop() {
			m := New(InReview, Facts{})
			if _, err := m.Fire(ctx, Reconcile); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new and fire sign", func(b *testing.B) {
		for b.Loop() {
			if _, err := New(OpinionSent, Facts{}).FireSign(ctx, SignArgs{Agree: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("refused with permitted list", func(b *testing.B) {
		for b.Loop() {
			if _, err := New(InReview, Facts{}).Fire(ctx, Sign, SignArgs{Agree: true}); err == nil {
				b.Fatal("sign in in_review succeeded")
			}
		}
	})
	b.Run("permitted", func(b *testing.B) {
		for b.Loop() {
			if len(New(OpinionSent, Facts{}).Permitted(ctx)) == 0 {
				b.Fatal("nothing permitted")
			}
		}
	})
	b.Run("build definition", func(b *testing.B) {
		for b.Loop() {
			NewDefinition()
		}
	})
}

func TestSetFactsKeepsTheState(t *testing.T) {
	ctx := context.Background()
	m := New(Delegated, Facts{PlansRequired: true})
	if m.CanFire(ctx, Start) {
		t.Fatal("start without an approved plan")
	}
	m.SetFacts(Facts{PlansRequired: true, PlanApproved: true, Missing: []string{"送审资料未齐全"}})
	if !m.CanFire(ctx, Start) || m.State() != Delegated {
		t.Fatalf("after SetFacts: can start %v, state %s", m.CanFire(ctx, Start), m.State())
	}
	var te *TransitionError
	if _, err := m.Fire(ctx, Start); !errors.As(err, &te) || len(te.Missing) != 1 {
		t.Fatalf("fire with a missing gate: %v", err)
	}
	m.SetFacts(Facts{PlansRequired: true, PlanApproved: true})
	if to, err := m.Fire(ctx, Start); err != nil || to != InReview || m.State() != InReview {
		t.Fatalf("fire = %s, %v; state %s", to, err, m.State())
	}
}
