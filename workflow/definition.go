package workflow

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/qmuntal/stateless"
)

// Facts is the outside data the guards read. The review service loads it
// before building a Machine; nothing is queried while firing.
type Facts struct {
	// Suspended: the review center has suspended the review (中止评审).
	Suspended bool
	// AppealUsed: the unit has already appealed once (复议只能申请一次).
	AppealUsed bool
	// PlansRequired: a work plan (评审方案) must be approved before start.
	PlansRequired bool
	// PlanApproved: the firm's current plan has been approved.
	PlanApproved bool
	// PlanSubmitted: the firm has submitted a plan awaiting approval.
	PlanSubmitted bool
	// Missing lists, in Chinese, the unmet hard gates of the trigger about to
	// be fired (for example 送审资料未齐全). The service fills it for that one
	// trigger; Fire refuses while it is not empty. Permitted and CanFire
	// ignore it, since it describes one trigger, not the review.
	Missing []string
}

// SignArgs are the parameters of the sign trigger: the unit's answer to the
// opinion letter (征求意见书).
type SignArgs struct {
	Agree bool
	// Reasons the unit disagrees; required when Agree is false.
	Reasons string
}

// transition is one row of the workflow definition. A row with From == To is
// an internal transition: it is recorded but does not move the review.
type transition struct {
	From    State
	Trigger Trigger
	To      State
	Guards  []stateless.GuardFunc
}

// internal reports whether the row leaves the state unchanged.
func (t transition) internal() bool { return t.From == t.To }

// transitions returns the workflow definition, one row per (state, trigger,
// destination). Every row is guarded by notSuspended except resume, which
// needs suspended.
func transitions() []transition {
	row := func(from State, t Trigger, to State, extra ...stateless.GuardFunc) transition {
		guards := make([]stateless.GuardFunc, 0, 1+len(extra))
		guards = append(guards, notSuspended)
		guards = append(guards, extra...)
		return transition{From: from, Trigger: t, To: to, Guards: guards}
	}
	rows := []transition{
		row(Draft, Submit, Submitted),
		row(Submitted, InitialCheckFail, Draft),
		row(Submitted, IssueNotice, Notified),
		row(Notified, Return, Returned),
		row(Notified, Accept, Accepted),
		row(Returned, Resubmit, Submitted),
		row(Accepted, Delegate, Delegated),
		row(Delegated, Decline, Accepted),
		row(Delegated, SubmitPlan, Delegated),
		row(Delegated, ApprovePlan, Delegated, planSubmitted),
		row(Delegated, Start, InReview, planReady),
		row(InReview, RecordSurvey, InReview),
		row(InReview, RequestMaterials, InReview),
		row(InReview, AddTracking, InReview),
		row(InReview, Reconcile, Reconciling),
		row(InReview, SubmitDraft, CenterCheck),
		row(Reconciling, RecordSurvey, Reconciling),
		row(Reconciling, RequestMaterials, Reconciling),
		row(Reconciling, SubmitDraft, CenterCheck),
		row(CenterCheck, SendBack, InReview),
		row(CenterCheck, SendOpinion, OpinionSent),
		row(OpinionSent, Sign, Signed, agrees),
		row(OpinionSent, Sign, Disputed, disagrees),
		row(OpinionSent, Cosign, OpinionSent),
		row(OpinionSent, DeemAgreed, DeemedAgreed),
		row(OpinionSent, IssueUnilateral, Unilateral),
		row(Disputed, IssueUnilateral, Unilateral),
		row(Disputed, StartExpertReview, ExpertReview),
		row(ExpertReview, Resolve, OpinionSent),
		row(Signed, Conclude, Concluded),
		row(DeemedAgreed, Conclude, Concluded),
		row(Unilateral, Conclude, Concluded),
		row(Concluded, FileAppeal, Appeal, appealNotUsed),
		row(Appeal, Uphold, Concluded),
		row(Appeal, CancelDelegation, Accepted),
		row(Concluded, Process, Processed),
		row(Processed, Archive, Archived),
		row(Concluded, SampleRecheck, Concluded),
		row(Processed, SampleRecheck, Processed),
		row(Archived, SampleRecheck, Archived),
	}
	for _, s := range States() {
		if s == Draft || s.Terminal() {
			continue
		}
		rows = append(rows,
			row(s, Suspend, s),
			transition{From: s, Trigger: Resume, To: s, Guards: []stateless.GuardFunc{suspended}},
		)
	}
	return rows
}

// Guards. Each is a named, side-effect-free function: its name appears in
// the DOT graph and in TransitionError.Guards. Guards sharing a trigger in a
// state exclude each other.

// notSuspended: the review is not suspended.
func notSuspended(ctx context.Context, _ ...any) bool { return !factsFrom(ctx).Suspended }

// suspended: the review is suspended (only resume needs this).
func suspended(ctx context.Context, _ ...any) bool { return factsFrom(ctx).Suspended }

// appealNotUsed: the unit has not appealed this review before.
func appealNotUsed(ctx context.Context, _ ...any) bool { return !factsFrom(ctx).AppealUsed }

// planReady: an approved plan exists, or plans are not required.
func planReady(ctx context.Context, _ ...any) bool {
	f := factsFrom(ctx)
	return f.PlanApproved || !f.PlansRequired
}

// planSubmitted: a plan has been submitted for approval.
func planSubmitted(ctx context.Context, _ ...any) bool { return factsFrom(ctx).PlanSubmitted }

// agrees: the unit signs the opinion letter in agreement.
func agrees(_ context.Context, args ...any) bool {
	a, ok := signArgs(args)
	return ok && a.Agree
}

// disagrees: the unit signs the opinion letter with objections.
func disagrees(_ context.Context, args ...any) bool {
	a, ok := signArgs(args)
	return ok && !a.Agree
}

func signArgs(args []any) (SignArgs, bool) {
	if len(args) != 1 {
		return SignArgs{}, false
	}
	a, ok := args[0].(SignArgs)
	return a, ok
}

// recordOnly is the action of internal transitions: the workflow records
// nothing itself; the review service writes the audit event and any rows.
func recordOnly(context.Context, ...any) error { return nil }

// configure installs the definition on sm.
func configure(sm *stateless.StateMachine) {
	sm.SetTriggerParameters(Sign, reflect.TypeFor[SignArgs]())
	for _, s := range States() {
		sm.Configure(s)
	}
	for _, tr := range transitions() {
		sc := sm.Configure(tr.From)
		if tr.internal() {
			sc.InternalTransition(tr.Trigger, recordOnly, tr.Guards...)
		} else {
			sc.Permit(tr.Trigger, tr.To, tr.Guards...)
		}
	}
	sm.OnUnhandledTrigger(unhandled)
}

// Definition is the configured workflow, shared by the machines built from
// it. It holds no review state (that lives in each Machine), so one
// Definition may serve concurrent requests; build it once in main.
type Definition struct {
	sm *stateless.StateMachine
}

// NewDefinition builds the workflow definition.
func NewDefinition() *Definition {
	sm := stateless.NewStateMachineWithExternalStorage(readState, writeState, stateless.FiringImmediate)
	configure(sm)
	return &Definition{sm: sm}
}

// machineKey carries the *Machine being fired through the context, so that
// the shared definition's state storage and guards reach this request's
// state and facts.
type machineKey struct{}

var errNoMachine = errors.New("workflow: no machine in context")

func machineFrom(ctx context.Context) *Machine {
	m, _ := ctx.Value(machineKey{}).(*Machine)
	return m
}

func factsFrom(ctx context.Context) Facts {
	if m := machineFrom(ctx); m != nil {
		return m.facts
	}
	return Facts{}
}

func readState(ctx context.Context) (stateless.State, error) {
	m := machineFrom(ctx)
	if m == nil {
		return nil, errNoMachine
	}
	if !m.state.Valid() {
		return nil, fmt.Errorf("current state %q: %w", string(m.state), ErrUnknownState)
	}
	return m.state, nil
}

func writeState(ctx context.Context, s stateless.State) error {
	m := machineFrom(ctx)
	if m == nil {
		return errNoMachine
	}
	st, ok := s.(State)
	if !ok {
		return fmt.Errorf("write state %v: %w", s, ErrUnknownState)
	}
	m.state = st
	return nil
}

// unhandled turns stateless's unhandled-trigger and unmet-guard cases into
// a *TransitionError.
func unhandled(ctx context.Context, state stateless.State, trigger stateless.Trigger, unmetGuards []string) error {
	from, _ := state.(State)
	t, _ := trigger.(Trigger)
	e := &TransitionError{From: from, Trigger: t}
	if len(unmetGuards) > 0 {
		e.Guards = append([]string(nil), unmetGuards...)
	}
	if m := machineFrom(ctx); m != nil {
		e.Permitted = m.Permitted(ctx)
	}
	e.Reason = e.reason()
	return e
}
