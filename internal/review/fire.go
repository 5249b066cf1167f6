package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/workflow"
)

// Fire runs one transition for p in its own transaction and returns the
// review as p sees it afterwards, without its timeline (Get reads that).
func (s *Service) Fire(ctx context.Context, p auth.Principal, id int64, in FireInput) (View, error) {
	return s.fire(ctx, p, id, in, true)
}

// Act runs one transition for p like Fire, for a caller that shows the
// review afresh afterwards and so needs no answer.
func (s *Service) Act(ctx context.Context, p auth.Principal, id int64, in FireInput) error {
	_, err := s.fire(ctx, p, id, in, false)
	return err
}

func (s *Service) fire(ctx context.Context, p auth.Principal, id int64, in FireInput, answer bool) (View, error) {
	if p.Role == auth.System {
		return View{}, auth.ErrForbidden
	}
	var f fired
	// A deadlock victim is run again by the store (its version check
	// still stops a transition that another one beat).
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		var err error
		f, err = s.fireTx(ctx, q, p, id, in)
		return err
	})
	if err != nil {
		return View{}, err
	}
	if f.issuedPapers {
		// The papers' PDFs are rendered after the commit: read again.
		s.renderPapers(ctx)
	}
	if !answer {
		return View{}, nil
	}
	// The actor may have lost sight of the review by firing (a firm that
	// declines); the answer still shows the review it acted on.
	d, err := s.store.ReviewDossierParts(ctx, store.Scope{All: true}, id, partsOf(f.after))
	if err != nil {
		return View{}, err
	}
	return s.viewOf(ctx, p, d)
}

// partsOf is what a review as c leaves it can have of the optional parts
// of its dossier, which a transition's answer and Get read and nothing
// else: the delegation only while a firm holds the review (the view shows
// none otherwise); the fee statement only once a schedule priced it
// (Conclude writes both in one transaction, and nothing clears the
// schedule) or it was concluded (an imported review's fee); the archive
// record only in archived, which the archive trigger alone enters,
// writing it, and which no trigger leaves. The timeline is not among
// them: a transition's answer has none, Get reads it.
func partsOf(c store.ReviewChange) store.DossierParts {
	return store.DossierParts{
		Delegation: c.FirmID != 0,
		Statement:  c.FeeScheduleID != 0 || c.ConcludedAt.Valid,
		Archive:    c.State == workflow.Archived,
	}
}

// FireSystemTx fires t as the system (the deadline engine) inside the
// caller's transaction, which has locked r, through the same code path as
// Fire.
func (s *Service) FireSystemTx(ctx context.Context, q *store.Queries, r store.Review, t workflow.Trigger, reason string) error {
	_, err := s.fireLocked(ctx, q, auth.SystemPrincipal(), r, FireInput{Trigger: t, Reason: reason})
	return err
}

// fired is what a transition did that its caller needs: whether it issued
// papers, and the review's writable part as it left it.
type fired struct {
	issuedPapers bool
	after        store.ReviewChange
}

// renderPapers generates the PDFs of papers issued by a committed transition.
func (s *Service) renderPapers(ctx context.Context) {
	if s.docs == nil {
		return
	}
	if err := s.docs.RenderPending(ctx); err != nil {
		s.log.Warn("render papers", "error", err.Error())
	}
}

// tx is one transition in progress.
type tx struct {
	s      *Service
	q      *store.Queries
	p      auth.Principal
	r      store.Review
	in     FireInput
	m      *workflow.Machine // the transition's machine
	now    time.Time
	ch     store.ReviewChange
	detail map[string]any
}

func (s *Service) fireTx(ctx context.Context, q *store.Queries, p auth.Principal, id int64, in FireInput) (fired, error) {
	if !in.Trigger.Valid() {
		return fired{}, fieldErr("trigger", "未知的操作: %s", in.Trigger)
	}
	r, err := q.LockReview(ctx, id)
	if err != nil {
		return fired{}, err
	}
	return s.fireLocked(ctx, q, p, r, in)
}

// fireLocked runs a transition on r, which the transaction has locked.
func (s *Service) fireLocked(ctx context.Context, q *store.Queries, p auth.Principal, r store.Review, in FireInput) (fired, error) {
	t := in.Trigger
	if !t.Valid() {
		return fired{}, fieldErr("trigger", "未知的操作: %s", t)
	}
	if p.Role != auth.System {
		if err := visible(ctx, q, p.Scope(), r); err != nil {
			return fired{}, err
		}
	}
	if !MayFire(p.Role, t) {
		return fired{}, auth.ErrForbidden
	}
	sp := specOf(t) // the trigger's entry in the table of triggers
	if !owns(p, r) {
		return fired{}, store.ErrNotFound
	}
	if r.ImportID != 0 {
		// A concluded review brought in from the old registers is history:
		// read-only, whatever its state would permit.
		return fired{}, &workflow.TransitionError{From: r.State, Trigger: t, Permitted: []workflow.Trigger{},
			Reason: "该评审为上线前导入的历史记录,只读,不能再办理"}
	}
	facts, err := s.facts(ctx, q, r)
	if err != nil {
		return fired{}, err
	}
	// One machine serves the whole transition: the checks, the firing
	// and who acts next.
	m := s.newMachine(r.State, facts)
	if in.Version != nil && *in.Version != r.Version {
		return fired{}, &StaleError{Permitted: permittedFor(ctx, p, m)}
	}
	if !m.CanFire(ctx, t) {
		_, err := fireMachine(ctx, m, t, workflow.SignArgs{Agree: true})
		if err == nil {
			err = fmt.Errorf("trigger %s refused in %s", t, r.State)
		}
		return fired{}, refusedFor(p, err)
	}
	// The transaction's instant is whole microseconds, as DATETIME(6)
	// keeps it, so that what it writes is what is read back.
	x := &tx{s: s, q: q, p: p, r: r, in: in, m: m, now: s.now().Truncate(time.Microsecond), ch: r.Change(), detail: map[string]any{}}
	x.in.Params = map[string]string{}
	for k, v := range in.Params {
		x.in.Params[k] = v
	}
	x.in.Reason = strings.TrimSpace(in.Reason)
	if !utf8.ValidString(x.in.Reason) {
		return fired{}, fieldErr("reason", "理由含有无效字符")
	}
	for k, v := range x.in.Params {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fired{}, fieldErr(k, "含有无效字符")
		}
	}
	// The reason and the trigger's parameters are checked together, so
	// that every bad field is reported at once.
	var reasonErr, paramsErr error
	if sp.reasonRequired() && x.in.Reason == "" {
		reasonErr = fieldErr("reason", "请填写原因")
	}
	var args any
	if sp.parse != nil {
		args, paramsErr = sp.parse(x, ctx)
	}
	if err := errors.Join(reasonErr, paramsErr); err != nil {
		return fired{}, err
	}
	facts.Missing, err = s.missing(ctx, q, r, t)
	if err != nil {
		return fired{}, err
	}
	m.SetFacts(facts)
	to, err := fireMachine(ctx, m, t, args)
	if err != nil {
		return fired{}, refusedFor(p, err)
	}
	x.ch.State = to
	if sp.effect != nil {
		if err := sp.effect(x, ctx, args, to); err != nil {
			return fired{}, err
		}
	}
	if err := x.record(ctx, to); err != nil {
		return fired{}, err
	}
	_, issued := x.detail["papers"]
	return fired{issuedPapers: issued, after: x.ch}, nil
}

// visible returns ErrNotFound unless sc sees r, deciding from the row when
// the scope allows and asking the database otherwise.
func visible(ctx context.Context, q *store.Queries, sc store.Scope, r store.Review) error {
	if ok, decided := sc.Sees(r); decided {
		if !ok {
			return store.ErrNotFound
		}
		return nil
	}
	_, err := q.Review(ctx, sc, r.ID)
	return err
}

// fireMachine fires t, passing the sign answer only to sign.
func fireMachine(ctx context.Context, m *workflow.Machine, t workflow.Trigger, args any) (workflow.State, error) {
	if t == workflow.Sign {
		a, _ := args.(workflow.SignArgs)
		return m.FireSign(ctx, a)
	}
	return m.Fire(ctx, t)
}

// owns checks the per-row parties: a firm acts only on reviews delegated
// to it, a unit on its own, a contractor on its projects'. Scope already
// limits what they see; this keeps the rule explicit where it acts.
func owns(p auth.Principal, r store.Review) bool {
	switch p.Role {
	case auth.Intermediary:
		return p.OrgID != 0 && r.FirmID == p.OrgID
	case auth.ConstructionUnit:
		return p.OrgID != 0 && r.UnitOrgID == p.OrgID
	}
	return true
}

// facts loads what the guards read.
func (s *Service) facts(ctx context.Context, q *store.Queries, r store.Review) (workflow.Facts, error) {
	f := workflow.Facts{Suspended: r.Suspended, AppealUsed: r.AppealUsed, PlansRequired: s.plansRequired}
	if r.FirmID != 0 && (r.State == workflow.Delegated) {
		plan, err := q.LatestWorkPlan(ctx, r.ID, r.FirmID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return f, err
		default:
			f.PlansRequired = true
			f.PlanApproved = plan.Status == "approved"
			f.PlanSubmitted = plan.Status == "submitted"
		}
	}
	return f, nil
}

// permittedFor filters the machine's permitted triggers to what p may fire.
func permittedFor(ctx context.Context, p auth.Principal, m *workflow.Machine) []workflow.Trigger {
	return mayFire(p, m.Permitted(ctx))
}

// mayFire keeps the triggers of ts that p's role may fire.
func mayFire(p auth.Principal, ts []workflow.Trigger) []workflow.Trigger {
	out := []workflow.Trigger{}
	for _, t := range ts {
		if MayFire(p.Role, t) {
			out = append(out, t)
		}
	}
	return out
}

// refusedFor narrows a refusal's permitted triggers to those p may fire,
// as a review's permitted_triggers are, so that a client can follow them.
func refusedFor(p auth.Principal, err error) error {
	var te *workflow.TransitionError
	if errors.As(err, &te) {
		te.Permitted = mayFire(p, te.Permitted)
	}
	return err
}

// record writes the review row, the timeline event, the audit event and
// the notifications.
func (x *tx) record(ctx context.Context, to workflow.State) error {
	r, t := x.r, x.in.Trigger
	params, err := json.Marshal(x.in.Params)
	if err != nil {
		return err
	}
	actorName := x.p.Name
	if actorName == "" {
		actorName = x.p.Username
	}
	if _, err := x.q.InsertReviewEvent(ctx, store.ReviewEvent{ReviewID: r.ID, Round: x.ch.Round, At: x.now,
		ActorID: x.p.UserID, ActorName: actorName, ActorRole: string(x.p.Role), Trigger: t, From: r.State, To: to,
		Reason: x.in.Reason, Params: string(params)}); err != nil {
		return fmt.Errorf("review event: %w", err)
	}
	detail := map[string]any{
		"trigger": t, "from": r.State, "to": to, "round": x.ch.Round, "reason": x.in.Reason, "params": x.in.Params,
		"before": snapshot(r.State, r.Change(), r), "after": snapshot(to, x.ch, r),
	}
	for k, v := range x.detail {
		detail[k] = v
	}
	if _, err := audit.Append(ctx, x.q, x.now, audit.Entry{ActorID: x.p.UserID, ActorName: actorName, Action: string(t),
		ReviewID: r.ID, ObjectType: "review", ObjectID: audit.ID(r.ID), Detail: detail}); err != nil {
		return err
	}
	if err := x.q.UpdateReview(ctx, r.ID, r.Version, x.ch, x.now); err != nil {
		if errors.Is(err, store.ErrStale) {
			return &StaleError{}
		}
		return fmt.Errorf("update review %d: %w", r.ID, err)
	}
	return x.notify(ctx, to)
}

func snapshot(st workflow.State, c store.ReviewChange, r store.Review) map[string]any {
	audited := ""
	if c.AuditedAmount.Valid {
		audited = c.AuditedAmount.Decimal.StringFixed(2)
	}
	return map[string]any{"state": st, "submitted_amount": r.SubmittedAmount.StringFixed(2), "audited_amount": audited,
		"firm_id": c.FirmID, "suspended": c.Suspended, "round": c.Round, "outcome": c.Outcome}
}

// FireDeadline is the deadline engine's FireFunc, run inside its claim
// transaction: an opinion deadline passing while the review still waits in
// opinion_sent deems the opinion agreed (逾期未签署,视同同意); other kinds
// tell the parties the deadline has passed.
func (s *Service) FireDeadline(ctx context.Context, q *store.Queries, d store.Deadline, r store.Review) error {
	due := d.DueAt.In(shanghai()).Format("2006-01-02 15:04")
	if d.Kind == "opinion" {
		// The engine fires only while the review still waits in
		// opinion_sent and is not suspended; the machine refuses otherwise.
		_, err := s.fireLocked(ctx, q, auth.SystemPrincipal(), r, FireInput{Trigger: workflow.DeemAgreed,
			Reason: "征求意见书送达后5个工作日内未签署意见(截止 " + due + "),逾期视同同意", firing: d.ID})
		return err
	}
	x := &tx{s: s, q: q, p: auth.SystemPrincipal(), r: r, ch: r.Change(), now: s.now()}
	title := r.ProjectName + ":办理期限已过"
	body := "办理期限(" + d.Kind + ")已于 " + due + " 届满,请尽快办理。"
	// The deadline engine notifies the party responsible (the Center for
	// intake, the firm for its report); the Center also hears of late reports.
	roles := map[string][]auth.Role{"report": {auth.ReviewCenter}}[d.Kind]
	for _, role := range roles {
		if err := x.notifyRole(ctx, role, "overdue", title, body); err != nil {
			return err
		}
	}
	return nil
}
