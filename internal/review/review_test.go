package review_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/input"
	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

type harness struct {
	t   *testing.T
	ctx context.Context
	s   *store.Store
	svc *review.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	objects := testenv.Objects(t)
	log := slog.New(slog.DiscardHandler)
	svc := review.NewService(review.Options{Store: s, Firms: firm.NewService(s, time.Now), Billing: billing.NewService(s, time.Now),
		Docs: docs.NewService(s, objects, time.Now, log), Now: time.Now, Log: log, ReportWorkdays: 20, IntakeWorkdays: 5})
	return &harness{t: t, ctx: context.Background(), s: s, svc: svc}
}

func (h *harness) p(username string) auth.Principal {
	h.t.Helper()
	u, err := h.s.UserByUsername(h.ctx, username)
	if err != nil {
		h.t.Fatalf("user %s: %v", username, err)
	}
	return auth.FromUser(u)
}

// firmUser is the login of the firm the review is delegated to.
func (h *harness) firmUser(id int64) auth.Principal {
	h.t.Helper()
	r, err := h.s.Review(h.ctx, store.Scope{All: true}, id)
	if err != nil || r.FirmID == 0 {
		h.t.Fatalf("review %d has no firm (%v)", id, err)
	}
	us, err := h.s.UsersByRole(h.ctx, string(auth.Intermediary), r.FirmID)
	if err != nil || len(us) == 0 {
		h.t.Fatalf("no user for firm %d: %v", r.FirmID, err)
	}
	return auth.FromUser(us[0])
}

func (h *harness) newReview(user, code, kind, amount string) int64 {
	h.t.Helper()
	proj, err := h.s.ProjectByCode(h.ctx, code)
	if err != nil {
		h.t.Fatalf("project %s: %v", code, err)
	}
	r, err := h.svc.Create(h.ctx, h.p(user), review.CreateInput{ProjectID: proj.ID, Kind: kind, SubmittedAmount: amount})
	if err != nil {
		h.t.Fatalf("create review: %v", err)
	}
	return r.ID
}

func (h *harness) addDoc(id int64, category string) {
	h.t.Helper()
	err := h.s.InTx(h.ctx, func(q *store.Queries) error {
		did, err := q.InsertPendingDocument(h.ctx, store.Document{ReviewID: id, Category: category, Name: category + ".pdf",
			ObjectKey: fmt.Sprintf("test/%d/%s/%d", id, category, time.Now().UnixNano()), ContentType: "application/pdf", CreatedAt: time.Now()})
		if err != nil {
			return err
		}
		_, err = q.CommitDocument(h.ctx, did, store.DocumentCommit{Size: 4, SHA256: "00", ContentType: "application/pdf", At: time.Now()})
		return err
	})
	if err != nil {
		h.t.Fatalf("add document: %v", err)
	}
}

func (h *harness) fire(user string, id int64, t workflow.Trigger, reason string, kv ...string) (review.View, error) {
	var p auth.Principal
	if user == "firm" {
		p = h.firmUser(id)
	} else {
		p = h.p(user)
	}
	params := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		params[kv[i]] = kv[i+1]
	}
	v, err := h.svc.Fire(h.ctx, p, id, review.FireInput{Trigger: t, Reason: reason, Params: params})
	if err == nil {
		h.checkAnswer(p, id, t, v)
	}
	return v, err
}

// checkAnswer compares a transition's answer with the review as Get reads
// it, and the parts both read only when the review can have them
// (partsOf: delegation, fee statement, archive record) with the dossier
// read whole: every transition of every test in this package goes
// through it.
func (h *harness) checkAnswer(p auth.Principal, id int64, t workflow.Trigger, v review.View) {
	h.t.Helper()
	g, err := h.svc.Get(h.ctx, p, id)
	if errors.Is(err, store.ErrNotFound) {
		return // the actor lost sight of the review by firing (a firm that declines)
	}
	if err != nil {
		h.t.Fatalf("get after %s: %v", t, err)
	}
	if v.Events != nil {
		h.t.Errorf("%s: the answer carries the timeline", t)
	}
	if g.Draws != nil || g.Experts != nil || g.Scores != nil {
		h.t.Errorf("%s: Get read the expert draws, which only the draw page shows", t)
	}
	g.Events = nil
	if !reflect.DeepEqual(v, g) {
		h.t.Errorf("%s: the answer differs from the review as Get reads it:\nanswer %+v\nread   %+v", t, v, g)
	}
	whole, err := h.s.ReviewDossier(h.ctx, store.Scope{All: true}, id)
	if err != nil {
		h.t.Fatalf("dossier after %s: %v", t, err)
	}
	if whole.Review.FirmID != 0 && !reflect.DeepEqual(g.Delegation, whole.Delegation) {
		h.t.Errorf("%s: delegation %+v, the whole dossier has %+v", t, g.Delegation, whole.Delegation)
	}
	if !reflect.DeepEqual(g.Fee, whole.Statement) {
		h.t.Errorf("%s: fee statement %+v, the whole dossier has %+v", t, g.Fee, whole.Statement)
	}
	if (g.Archive != nil) != (whole.Archive != nil) {
		h.t.Errorf("%s: archive record %+v, the whole dossier has %+v", t, g.Archive, whole.Archive)
	}
	if g.SupervisorName != "" || whole.Review.SupervisorID != 0 {
		u, err := h.s.User(h.ctx, whole.Review.SupervisorID)
		if err != nil || u.DisplayName != g.SupervisorName {
			h.t.Errorf("%s: supervisor %q, user %d is %q (%v)", t, g.SupervisorName, whole.Review.SupervisorID, u.DisplayName, err)
		}
	}
}

func (h *harness) must(user string, id int64, t workflow.Trigger, reason string, kv ...string) review.View {
	h.t.Helper()
	v, err := h.fire(user, id, t, reason, kv...)
	if err != nil {
		h.t.Fatalf("%s by %s: %v", t, user, err)
	}
	return v
}

func (h *harness) state(id int64) store.Review {
	h.t.Helper()
	r, err := h.s.Review(h.ctx, store.Scope{All: true}, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// toInReview drives a new review from draft to in_review.
func (h *harness) toInReview(code string) int64 {
	h.t.Helper()
	id := h.newReview("jianshe", code, "settlement", "1000000.00")
	h.addDoc(id, "submission")
	h.must("jianshe", id, workflow.Submit, "")
	h.must("caizheng", id, workflow.IssueNotice, "")
	h.must("pingshen", id, workflow.Accept, "")
	h.must("pingshen", id, workflow.Delegate, "")
	h.must("firm", id, workflow.Start, "")
	return id
}

func TestHappyPathToArchived(t *testing.T) {
	h := newHarness(t)
	id := h.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")

	t.Run("submit needs a submission document", func(t *testing.T) {
		_, err := h.fire("jianshe", id, workflow.Submit, "")
		var te *workflow.TransitionError
		if !errors.As(err, &te) || len(te.Missing) == 0 {
			t.Fatalf("submit without documents: %v, want a transition error listing what is missing", err)
		}
	})
	h.addDoc(id, "submission")
	h.must("jianshe", id, workflow.Submit, "")
	v := h.must("caizheng", id, workflow.IssueNotice, "")
	if v.Deadline == nil || v.Deadline.Kind != "intake" {
		t.Fatalf("after issue_notice deadline = %+v, want intake", v.Deadline)
	}
	h.must("pingshen", id, workflow.Accept, "")
	v = h.must("pingshen", id, workflow.Delegate, "")
	if v.Review.FirmID == 0 || v.Delegation == nil || !v.Review.DelegatedAt.Valid {
		t.Fatalf("delegate left firm %d delegation %v", v.Review.FirmID, v.Delegation)
	}
	h.must("firm", id, workflow.Start, "")
	h.must("firm", id, workflow.RecordSurvey, "", "survey_date", "2026-03-02", "people", "张三、李四", "findings", "现场与图纸一致")
	t.Run("submit_draft validates the audited amount", func(t *testing.T) {
		_, err := h.fire("firm", id, workflow.SubmitDraft, "", "audited_amount", "12,00")
		var fe *input.FieldError
		if !errors.As(err, &fe) || fe.Field() != "audited_amount" {
			t.Fatalf("bad amount: %v, want field audited_amount", err)
		}
	})
	h.must("firm", id, workflow.SubmitDraft, "", "audited_amount", "950000.00")
	v = h.must("pingshen", id, workflow.SendOpinion, "")
	if v.Deadline == nil || v.Deadline.Kind != "opinion" {
		t.Fatalf("after send_opinion deadline = %+v, want opinion", v.Deadline)
	}
	h.must("shigong", id, workflow.Cosign, "")
	v = h.must("jianshe", id, workflow.Sign, "", "agree", "true")
	if v.Review.State != workflow.Signed {
		t.Fatalf("state after sign = %s", v.Review.State)
	}
	v = h.must("pingshen", id, workflow.Conclude, "")
	if v.Fee == nil || !v.Fee.TotalFee.IsPositive() {
		t.Fatalf("conclude left fee %+v", v.Fee)
	}
	h.must("pingshen", id, workflow.SampleRecheck, "抽查", "rechecked_amount", "955000.00")
	h.must("caizheng", id, workflow.Process, "")
	v = h.must("caizheng", id, workflow.Archive, "", "archive_number", "档-2026-001", "paper_received_on", "2026-01-05",
		"received_by", "王晓燕")
	if v.Review.State != workflow.Archived {
		t.Fatalf("final state %s", v.Review.State)
	}
	kinds := map[string]bool{}
	for _, p := range v.Papers {
		kinds[p.Kind] = true
	}
	for _, k := range []string{"notice", "opinion_letter", "conclusion", "fee_statement"} {
		if !kinds[k] {
			t.Errorf("paper %s not issued (papers %+v)", k, v.Papers)
		}
	}
	evs, err := h.svc.Events(h.ctx, h.p("jianshe"), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 14 {
		t.Errorf("events = %d, want 14", len(evs))
	}
	res, err := audit.Verify(h.ctx, h.s)
	if err != nil || !res.OK {
		t.Fatalf("audit verify = %+v, %v", res, err)
	}
}

func TestRoleTable(t *testing.T) {
	h := newHarness(t)
	id := h.newReview("jianshe", "LH-2026-002", "settlement", "500000.00")
	roles := []string{"admin", "caizheng", "pingshen", "jianshe", "shigong", "zhuguan"}
	for _, tr := range workflow.Triggers() {
		for _, user := range roles {
			p := h.p(user)
			t.Run(string(tr)+" by "+user, func(t *testing.T) {
				_, err := h.svc.Fire(h.ctx, p, id, review.FireInput{Trigger: tr, Reason: "理由", Params: map[string]string{}})
				if !review.MayFire(p.Role, tr) {
					if !errors.Is(err, auth.ErrForbidden) {
						t.Fatalf("err = %v, want forbidden", err)
					}
					return
				}
				var te *workflow.TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("err = %v, want a transition error (draft without documents)", err)
				}
			})
		}
	}
	if r := h.state(id); r.State != workflow.Draft || r.Version != 1 {
		t.Fatalf("review moved to %s v%d", r.State, r.Version)
	}
	t.Run("another unit gets not found", func(t *testing.T) {
		_, err := h.fire("jianshe2", id, workflow.Submit, "")
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
	})
	t.Run("an expert not drawn gets not found", func(t *testing.T) {
		_, err := h.fire("zhuanjia", id, workflow.Submit, "")
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
	})
	t.Run("another firm gets not found", func(t *testing.T) {
		id2 := h.toInReview("LH-2026-003")
		own := h.firmUser(id2)
		for i := 1; i <= 5; i++ {
			other := h.p("zhongjie" + strconv.Itoa(i))
			if other.OrgID == own.OrgID {
				continue
			}
			_, err := h.svc.Fire(h.ctx, other, id2, review.FireInput{Trigger: workflow.Reconcile})
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: err = %v, want not found", other.Username, err)
			}
		}
	})
	t.Run("a refusal lists what the caller may fire", func(t *testing.T) {
		id := h.toInReview("LH-2026-004")
		for _, tc := range []struct {
			p       auth.Principal
			trigger workflow.Trigger // one the role may fire, not now
		}{
			{h.p("pingshen"), workflow.Resume},
			{h.firmUser(id), workflow.Start},
		} {
			_, err := h.svc.Fire(h.ctx, tc.p, id, review.FireInput{Trigger: tc.trigger})
			var te *workflow.TransitionError
			if !errors.As(err, &te) {
				t.Fatalf("%s by %s: err = %v, want a transition error", tc.trigger, tc.p.Username, err)
			}
			v, err := h.svc.Get(h.ctx, tc.p, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Permitted) == 0 || !reflect.DeepEqual(te.Permitted, v.Permitted) {
				t.Errorf("%s by %s refused with %v; the review permits this caller %v", tc.trigger, tc.p.Username, te.Permitted, v.Permitted)
			}
		}
	})
	t.Run("the system alone deems agreed", func(t *testing.T) {
		_, err := h.fire("pingshen", id, workflow.DeemAgreed, "")
		if !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("err = %v, want forbidden", err)
		}
	})
}

func TestConcurrentTransitions(t *testing.T) {
	h := newHarness(t)
	id := h.newReview("jianshe", "LH-2026-004", "settlement", "300000.00")
	h.addDoc(id, "submission")
	h.must("jianshe", id, workflow.Submit, "")
	h.must("caizheng", id, workflow.IssueNotice, "")
	version := h.state(id).Version
	p := h.p("pingshen")
	for _, withVersion := range []bool{true, false} {
		name := "without version"
		if withVersion {
			name = "with version"
		}
		t.Run(name, func(t *testing.T) {
			if !withVersion {
				id = h.newReview("jianshe", "LH-2026-005", "settlement", "300000.00")
				h.addDoc(id, "submission")
				h.must("jianshe", id, workflow.Submit, "")
				h.must("caizheng", id, workflow.IssueNotice, "")
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, conflicts := 0, 0
			for range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					in := review.FireInput{Trigger: workflow.Accept}
					if withVersion {
						v := version
						in.Version = &v
					}
					_, err := h.svc.Fire(h.ctx, p, id, in)
					mu.Lock()
					defer mu.Unlock()
					var te *workflow.TransitionError
					switch {
					case err == nil:
						ok++
					case errors.Is(err, store.ErrStale) || errors.As(err, &te):
						conflicts++
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}()
			}
			wg.Wait()
			if ok != 1 || conflicts != 9 {
				t.Fatalf("successes %d conflicts %d, want 1 and 9", ok, conflicts)
			}
			evs, _ := h.s.ReviewEvents(h.ctx, id)
			accepts := 0
			for _, e := range evs {
				if e.Trigger == workflow.Accept {
					accepts++
				}
			}
			if accepts != 1 {
				t.Fatalf("accept events = %d, want 1", accepts)
			}
		})
	}
}

func TestAuditTamperIsDetected(t *testing.T) {
	h := newHarness(t)
	id := h.newReview("jianshe", "LH-2026-006", "settlement", "300000.00")
	h.addDoc(id, "submission")
	h.must("jianshe", id, workflow.Submit, "")
	h.must("caizheng", id, workflow.IssueNotice, "")
	if res, err := audit.Verify(h.ctx, h.s); err != nil || !res.OK {
		t.Fatalf("before tampering: %+v, %v", res, err)
	}
	if _, err := h.s.DB.ExecContext(h.ctx,
		"UPDATE audit_events SET detail = REPLACE(detail, 'submitted', 'accepted') WHERE review_id = ? AND action = 'submit'", id); err != nil {
		t.Fatal(err)
	}
	res, err := audit.Verify(h.ctx, h.s)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK {
		t.Fatalf("verify after tampering = ok, want broken")
	}
}

func TestSidePaths(t *testing.T) {
	h := newHarness(t)
	t.Run("return and resubmit opens a new round", func(t *testing.T) {
		id := h.newReview("jianshe", "LH-2026-007", "settlement", "300000.00")
		h.addDoc(id, "submission")
		h.must("jianshe", id, workflow.Submit, "")
		h.must("caizheng", id, workflow.IssueNotice, "")
		if _, err := h.fire("pingshen", id, workflow.Return, ""); !isField(err, "reason") {
			t.Fatalf("return without reason: %v, want field reason", err)
		}
		h.must("pingshen", id, workflow.Return, "资料不全")
		v := h.must("jianshe", id, workflow.Resubmit, "")
		if v.Review.Round != 2 || v.Review.State != workflow.Submitted {
			t.Fatalf("after resubmit round %d state %s", v.Review.Round, v.Review.State)
		}
		v = h.must("caizheng", id, workflow.IssueNotice, "")
		if v.Deadline == nil || v.Deadline.Kind != "intake" {
			t.Fatalf("no intake deadline on the second visit: %+v", v.Deadline)
		}
	})
	t.Run("dispute, expert review and resolve", func(t *testing.T) {
		id := h.toInReview("LH-2026-008")
		h.must("firm", id, workflow.SubmitDraft, "", "audited_amount", "900000.00")
		h.must("pingshen", id, workflow.SendOpinion, "")
		if _, err := h.fire("jianshe", id, workflow.Sign, "", "agree", "false"); !isField(err, "reasons") {
			t.Fatalf("disagree without reasons: %v", err)
		}
		v := h.must("jianshe", id, workflow.Sign, "", "agree", "false", "reasons", "钢材单价偏低")
		if v.Review.State != workflow.Disputed {
			t.Fatalf("state %s", v.Review.State)
		}
		if _, err := h.fire("pingshen", id, workflow.StartExpertReview, "", "experts", "999"); !isField(err, "experts") {
			t.Fatalf("unknown expert: %v", err)
		}
		h.must("pingshen", id, workflow.StartExpertReview, "专家库中本专业仅此两人,未抽取", "experts", testenv.FirstExperts(t, h.s, 2))
		if _, err := h.svc.Get(h.ctx, h.p("zhuanjia"), id); err != nil {
			t.Fatalf("drawn expert cannot see the review: %v", err)
		}
		if _, err := h.fire("pingshen", id, workflow.Resolve, "", "fault_party", "nobody", "audited_amount", "920000.00"); !isField(err, "fault_party") {
			t.Fatalf("bad fault party: %v", err)
		}
		v = h.must("pingshen", id, workflow.Resolve, "", "fault_party", "firm", "audited_amount", "920000.00")
		if v.Review.State != workflow.OpinionSent || v.Review.AuditedAmount.Decimal.StringFixed(2) != "920000.00" {
			t.Fatalf("after resolve %s %v", v.Review.State, v.Review.AuditedAmount)
		}
	})
	t.Run("deemed agreed by the system", func(t *testing.T) {
		id := h.toInReview("LH-2026-009")
		h.must("firm", id, workflow.SubmitDraft, "", "audited_amount", "900000.00")
		h.must("pingshen", id, workflow.SendOpinion, "")
		err := h.s.InTx(h.ctx, func(q *store.Queries) error {
			r, err := q.LockReview(h.ctx, id)
			if err != nil {
				return err
			}
			return h.svc.FireSystemTx(h.ctx, q, r, workflow.DeemAgreed, "逾期未签署,视同同意")
		})
		if err != nil {
			t.Fatal(err)
		}
		if r := h.state(id); r.State != workflow.DeemedAgreed {
			t.Fatalf("state %s", r.State)
		}
	})
	t.Run("unilateral, appeal, cancel delegation and a new firm", func(t *testing.T) {
		id := h.toInReview("LH-2026-010")
		first := h.state(id).FirmID
		h.must("firm", id, workflow.SubmitDraft, "", "audited_amount", "900000.00")
		h.must("pingshen", id, workflow.SendOpinion, "")
		h.must("pingshen", id, workflow.IssueUnilateral, "建设单位无正当理由拒不签署")
		v := h.must("pingshen", id, workflow.Conclude, "")
		if v.Review.Outcome != "unilateral" {
			t.Fatalf("outcome %s", v.Review.Outcome)
		}
		h.must("jianshe", id, workflow.FileAppeal, "审定金额有误")
		h.must("pingshen", id, workflow.CancelDelegation, "原机构复核有误")
		if _, err := h.svc.Get(h.ctx, h.p(firmLogin(h, first)), id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old firm still sees the review: %v", err)
		}
		v = h.must("pingshen", id, workflow.Delegate, "")
		if v.Review.FirmID == 0 || v.Review.FirmID == first {
			t.Fatalf("re-delegated to %d, first was %d", v.Review.FirmID, first)
		}
		h.must("firm", id, workflow.Start, "")
		h.must("firm", id, workflow.SubmitDraft, "", "audited_amount", "910000.00")
		h.must("pingshen", id, workflow.SendOpinion, "")
		h.must("jianshe", id, workflow.Sign, "", "agree", "true")
		h.must("pingshen", id, workflow.Conclude, "")
		if _, err := h.fire("jianshe", id, workflow.FileAppeal, "再次复议"); err == nil {
			t.Fatalf("a second appeal was accepted")
		}
	})
	t.Run("suspend refuses everything but resume", func(t *testing.T) {
		id := h.toInReview("LH-2026-011")
		if _, err := h.fire("pingshen", id, workflow.Suspend, "等待设计变更", "expected_workdays", "x"); !isField(err, "expected_workdays") {
			t.Fatalf("bad workdays: %v", err)
		}
		h.must("pingshen", id, workflow.Suspend, "等待设计变更", "expected_workdays", "10")
		_, err := h.fire("firm", id, workflow.Reconcile, "")
		if !errors.Is(err, workflow.ErrSuspended) {
			t.Fatalf("reconcile while suspended: %v", err)
		}
		v := h.must("pingshen", id, workflow.Resume, "")
		if v.Review.Suspended {
			t.Fatalf("still suspended")
		}
		h.must("firm", id, workflow.Reconcile, "")
	})
	t.Run("stale version answers stale", func(t *testing.T) {
		id := h.newReview("jianshe", "LH-2026-012", "settlement", "300000.00")
		old := 0
		_, err := h.svc.Fire(h.ctx, h.p("jianshe"), id, review.FireInput{Trigger: workflow.Submit, Version: &old})
		if !errors.Is(err, store.ErrStale) {
			t.Fatalf("err = %v, want stale", err)
		}
	})
}

func isField(err error, field string) bool {
	var fe interface{ Field() string }
	return errors.As(err, &fe) && fe.Field() == field
}

func firmLogin(h *harness, firmID int64) string {
	us, err := h.s.UsersByRole(h.ctx, string(auth.Intermediary), firmID)
	if err != nil || len(us) == 0 {
		h.t.Fatalf("no user for firm %d", firmID)
	}
	return us[0].Username
}

// A chosen supervisor must be an active Review Center user whose
// jurisdiction covers the review; the delegation names them.
func TestDelegateSupervisor(t *testing.T) {
	h := newHarness(t)
	id := h.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")
	h.addDoc(id, "submission")
	h.must("jianshe", id, workflow.Submit, "")
	h.must("caizheng", id, workflow.IssueNotice, "")
	h.must("pingshen", id, workflow.Accept, "")

	center := h.p("pingshen")
	wuyuan, err := h.s.JurisdictionByName(h.ctx, "五原县")
	if err != nil {
		t.Fatal(err)
	}
	user := func(name string, role auth.Role, jurisdiction int64, active bool) string {
		t.Helper()
		uid, err := h.s.InsertUser(h.ctx, store.User{Username: name, DisplayName: name, PasswordHash: "x", Role: string(role),
			OrgID: center.OrgID, JurisdictionID: jurisdiction, Active: active})
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(uid, 10)
	}
	local := user("jiandu", auth.ReviewCenter, h.state(id).JurisdictionID, true)
	tests := []struct {
		name, supervisor string
		ok               bool
	}{
		{"not a user", "99999999", false},
		{"not of the Review Center", strconv.FormatInt(h.p("jianshe").UserID, 10), false},
		{"inactive", user("jiandu-off", auth.ReviewCenter, h.state(id).JurisdictionID, false), false},
		{"another jurisdiction", user("jiandu-wy", auth.ReviewCenter, wuyuan.ID, true), false},
		{"a colleague of the review's jurisdiction", local, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := h.fire("pingshen", id, workflow.Delegate, "", "supervisor_id", tt.supervisor)
			if !tt.ok {
				var fe *input.FieldError
				if !errors.As(err, &fe) || fe.Field() != "supervisor_id" {
					t.Fatalf("supervisor %s: %v, want a field error on supervisor_id", tt.supervisor, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strconv.FormatInt(v.Review.SupervisorID, 10); got != tt.supervisor {
				t.Fatalf("supervisor %s, want %s", got, tt.supervisor)
			}
		})
	}
}
