package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Machine fires triggers on one review. It holds the review's current
// state and facts; build one per request (Definition.New or New) and do
// not share it between goroutines.
type Machine struct {
	def   *Definition
	state State
	facts Facts
}

// shared is the definition behind New, built on first use. It is never
// modified after it is built (machines keep their state and facts to
// themselves), so sharing it is safe. Configuring stateless costs tens of
// microseconds (BenchmarkFire/build_definition); building a Machine on a
// built definition and firing takes well under 1µs.
var shared = sync.OnceValue(NewDefinition)

// New returns a machine for a review in state current, on the package's
// shared, immutable definition.
func New(current State, facts Facts) *Machine {
	return shared().New(current, facts)
}

// New returns a machine for a review in state current.
func (d *Definition) New(current State, facts Facts) *Machine {
	return &Machine{def: d, state: current, facts: facts}
}

// State returns the machine's current state: the review's state after the
// last successful Fire.
func (m *Machine) State() State { return m.state }

// Facts returns the facts the machine's guards read.
func (m *Machine) Facts() Facts { return m.facts }

// SetFacts replaces the facts the machine's guards read, keeping its
// state: the service sets Facts.Missing once it knows the trigger's gates,
// and reads who acts next from the facts a transition left, on the one
// machine it built for the transition.
func (m *Machine) SetFacts(f Facts) { m.facts = f }

func (m *Machine) bind(ctx context.Context) context.Context {
	if machineFrom(ctx) == m {
		return ctx
	}
	return context.WithValue(ctx, machineKey{}, m)
}

// Fire fires t and returns the new state (unchanged for internal
// triggers). The sign trigger takes exactly one SignArgs (see FireSign);
// every other trigger takes none. A trigger the state does not accept, or
// whose guards or Facts.Missing gates are unmet, returns a *TransitionError
// and leaves the state as it was; wrong arguments return an *ArgumentError.
// The caller writes the returned state to the database in the same
// transaction as the audit event.
func (m *Machine) Fire(ctx context.Context, t Trigger, args ...any) (State, error) {
	if err := checkArgs(t, args); err != nil {
		return m.state, err
	}
	ctx = m.bind(ctx)
	if len(m.facts.Missing) > 0 && m.canFireArgs(ctx, t, args) {
		e := &TransitionError{
			From:      m.state,
			Trigger:   t,
			Permitted: m.Permitted(ctx),
			Missing:   append([]string(nil), m.facts.Missing...),
		}
		e.Reason = e.reason()
		return m.state, e
	}
	if err := m.def.sm.FireCtx(ctx, t, args...); err != nil {
		var te *TransitionError
		if errors.As(err, &te) {
			return m.state, te
		}
		return m.state, fmt.Errorf("fire %s in %s: %w", t, m.state, err)
	}
	return m.state, nil
}

// FireSign fires sign with the unit's answer: agree → signed,
// disagree (with reasons) → disputed.
func (m *Machine) FireSign(ctx context.Context, a SignArgs) (State, error) {
	return m.Fire(ctx, Sign, a)
}

// CanFire reports whether t may fire now given the state and facts. For
// sign it reports whether either answer may be given. Facts.Missing is not
// considered (see Facts).
func (m *Machine) CanFire(ctx context.Context, t Trigger) bool {
	ctx = m.bind(ctx)
	if t == Sign {
		return m.canFireArgs(ctx, t, []any{SignArgs{Agree: true}}) ||
			m.canFireArgs(ctx, t, []any{SignArgs{Agree: false}})
	}
	return m.canFireArgs(ctx, t, nil)
}

func (m *Machine) canFireArgs(ctx context.Context, t Trigger, args []any) bool {
	ok, err := m.def.sm.CanFireCtx(ctx, t, args...)
	return err == nil && ok
}

// Permitted returns the triggers that may fire now, in Triggers() order.
// It includes deem_agreed, which only the deadline engine fires; callers
// filter by the actor's role.
func (m *Machine) Permitted(ctx context.Context) []Trigger {
	ctx = m.bind(ctx)
	var out []Trigger
	for _, t := range Triggers() {
		if m.CanFire(ctx, t) {
			out = append(out, t)
		}
	}
	return out
}

func checkArgs(t Trigger, args []any) error {
	if t != Sign {
		if len(args) != 0 {
			return &ArgumentError{Trigger: t, Msg: fmt.Sprintf(`"%s"不接受参数`, t.displayName())}
		}
		return nil
	}
	a, ok := signArgs(args)
	if !ok {
		return &ArgumentError{Trigger: t, Field: "agree", Msg: "签署意见须说明同意或不同意"}
	}
	if !a.Agree && strings.TrimSpace(a.Reasons) == "" {
		return &ArgumentError{Trigger: t, Field: "reasons", Msg: "不同意时须填写理由"}
	}
	return nil
}
