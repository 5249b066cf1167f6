package review_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

// clientStatus maps a Fire error to the HTTP status class the web layer
// gives it (internal/web/errors.go classify): 0 for an error that would be
// a 500.
func clientStatus(err error) int {
	var te *workflow.TransitionError
	var fld interface{ Field() string }
	var st interface{ HTTPStatus() int }
	switch {
	case errors.Is(err, auth.ErrUnauthenticated), errors.Is(err, auth.ErrBadCredentials):
		return 401
	case errors.Is(err, auth.ErrForbidden):
		return 403
	case errors.As(err, &te), errors.Is(err, store.ErrStale):
		return 409
	case errors.Is(err, store.ErrNotFound):
		return 404
	case errors.As(err, &fld):
		return 422
	case errors.As(err, &st) && st.HTTPStatus() >= 400 && st.HTTPStatus() < 500:
		return st.HTTPStatus()
	}
	return 0
}

// FuzzFireParams fires arbitrary triggers with arbitrary parameters, reasons
// and versions at reviews in several states, as several roles: every answer
// is a success or a client error (never what would be a 500), and a
// refused transition leaves the review row untouched.
func FuzzFireParams(f *testing.F) {
	ctx := context.Background()
	s := testenv.DB(f)
	testenv.Demo(f, s)
	objects := testenv.Objects(f)
	log := slog.New(slog.DiscardHandler)
	svc := review.NewService(review.Options{Store: s, Firms: firm.NewService(s, time.Now), Billing: billing.NewService(s, time.Now),
		Docs: docs.NewService(s, objects, time.Now, log), Now: time.Now, Log: log, ReportWorkdays: 20, IntakeWorkdays: 5})
	h := &harness{ctx: ctx, s: s, svc: svc}
	principal := func(username string) auth.Principal {
		u, err := s.UserByUsername(ctx, username)
		if err != nil {
			f.Fatalf("user %s: %v", username, err)
		}
		return auth.FromUser(u)
	}
	fire := func(p auth.Principal, id int64, t workflow.Trigger, kv ...string) {
		params := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			params[kv[i]] = kv[i+1]
		}
		if _, err := svc.Fire(ctx, p, id, review.FireInput{Trigger: t, Params: params}); err != nil {
			f.Fatalf("setup %s on %d: %v", t, id, err)
		}
	}
	create := func(code string) int64 {
		proj, err := s.ProjectByCode(ctx, code)
		if err != nil {
			f.Fatalf("project %s: %v", code, err)
		}
		r, err := svc.Create(ctx, principal("jianshe"), review.CreateInput{ProjectID: proj.ID, Kind: "settlement", SubmittedAmount: "1000000.00"})
		if err != nil {
			f.Fatalf("create review: %v", err)
		}
		err = s.InTx(ctx, func(q *store.Queries) error {
			did, err := q.InsertPendingDocument(ctx, store.Document{ReviewID: r.ID, Category: "submission", Name: "submission.pdf",
				ObjectKey: fmt.Sprintf("fuzz/%d/%d", r.ID, time.Now().UnixNano()), ContentType: "application/pdf", CreatedAt: time.Now()})
			if err != nil {
				return err
			}
			_, err = q.CommitDocument(ctx, did, store.DocumentCommit{Size: 4, SHA256: "00", ContentType: "application/pdf", At: time.Now()})
			return err
		})
		if err != nil {
			f.Fatal(err)
		}
		return r.ID
	}
	// Reviews in draft, submitted, accepted and in_review.
	draft := create("LH-2026-001")
	submitted := create("LH-2026-002")
	fire(principal("jianshe"), submitted, workflow.Submit)
	accepted := create("LH-2026-003")
	fire(principal("jianshe"), accepted, workflow.Submit)
	fire(principal("caizheng"), accepted, workflow.IssueNotice)
	fire(principal("pingshen"), accepted, workflow.Accept)
	inReview := create("LH-2026-004")
	fire(principal("jianshe"), inReview, workflow.Submit)
	fire(principal("caizheng"), inReview, workflow.IssueNotice)
	fire(principal("pingshen"), inReview, workflow.Accept)
	fire(principal("pingshen"), inReview, workflow.Delegate)
	firmUser := h.firmUserOf(f, inReview)
	fire(firmUser, inReview, workflow.Start)
	reviews := []int64{draft, submitted, accepted, inReview, 999999999}
	users := []auth.Principal{principal("jianshe"), principal("jianshe2"), principal("caizheng"), principal("pingshen"),
		firmUser, principal("shigong"), principal("zhuanjia"), principal("admin"), auth.SystemPrincipal()}
	triggers := workflow.Triggers()

	for _, seed := range []struct {
		trig, user, rev  uint8
		key, val, reason string
		version          int
	}{
		{uint8(indexOf(triggers, workflow.SubmitDraft)), 4, 3, "audited_amount", "950000.00", "", -1},
		{uint8(indexOf(triggers, workflow.SubmitDraft)), 4, 3, "audited_amount", "-1", "", -1},
		{uint8(indexOf(triggers, workflow.SubmitDraft)), 4, 3, "audited_amount", "1e400", "", -1},
		{uint8(indexOf(triggers, workflow.SubmitDraft)), 4, 3, "audited_amount", "99999999999999999999999.999", "", -1},
		{uint8(indexOf(triggers, workflow.Delegate)), 3, 2, "firm_id", "abc", "", -1},
		{uint8(indexOf(triggers, workflow.Delegate)), 3, 2, "firm_id", "-9223372036854775808", "理由", -1},
		{uint8(indexOf(triggers, workflow.Delegate)), 3, 2, "firm_id", "99999999999999999999", "理由", -1},
		{uint8(indexOf(triggers, workflow.Delegate)), 3, 2, "supervisor_id", "1 OR 1=1", "", -1},
		{uint8(indexOf(triggers, workflow.RecordSurvey)), 4, 3, "survey_date", "2025-02-30", "", -1},
		{uint8(indexOf(triggers, workflow.RecordSurvey)), 4, 3, "survey_date", "0000-00-00", "", -1},
		{uint8(indexOf(triggers, workflow.AddTracking)), 4, 3, "kind", "'; DROP TABLE reviews; --", "", -1},
		{uint8(indexOf(triggers, workflow.Suspend)), 3, 3, "expected_workdays", "-5", "<script>alert(1)</script>", -1},
		{uint8(indexOf(triggers, workflow.Suspend)), 3, 3, "expected_workdays", "99999999999", "暂停", -1},
		{uint8(indexOf(triggers, workflow.Return)), 2, 1, "reason", "", "\x00\u202e", 7},
		{uint8(indexOf(triggers, workflow.Sign)), 0, 3, "agree", "maybe", "", -1},
		{uint8(indexOf(triggers, workflow.Archive)), 3, 3, "retention_years", "0x10", "", -1},
		{uint8(indexOf(triggers, workflow.StartExpertReview)), 3, 3, "experts", "1,,2,-3,x", "", -1},
		{200, 8, 4, "", "", "", 0},
	} {
		f.Add(seed.trig, seed.user, seed.rev, seed.key, seed.val, seed.reason, seed.version)
	}
	f.Fuzz(func(t *testing.T, trig, user, rev uint8, key, val, reason string, version int) {
		var tr workflow.Trigger
		if int(trig) < len(triggers) {
			tr = triggers[trig]
		} else {
			tr = workflow.Trigger(key)
		}
		id := reviews[int(rev)%len(reviews)]
		p := users[int(user)%len(users)]
		in := review.FireInput{Trigger: tr, Reason: reason, Params: map[string]string{key: val}}
		if version >= 0 {
			v := version % 64
			in.Version = &v
		}
		before, _ := s.Review(ctx, store.Scope{All: true}, id)
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err := svc.Fire(cctx, p, id, in)
		if err == nil {
			return
		}
		if clientStatus(err) == 0 {
			t.Fatalf("%s by %s on review %d with %q=%q reason %q: %T %v would be a 500", tr, p.Username, id, key, val, reason, err, err)
		}
		after, _ := s.Review(ctx, store.Scope{All: true}, id)
		if after.Version != before.Version || after.State != before.State {
			t.Fatalf("refused %s (%v) still changed review %d: %s v%d → %s v%d", tr, err, id, before.State, before.Version, after.State, after.Version)
		}
	})
}

func indexOf(ts []workflow.Trigger, t workflow.Trigger) int {
	for i, x := range ts {
		if x == t {
			return i
		}
	}
	return 255
}

// firmUserOf is the login of the firm review id is delegated to.
func (h *harness) firmUserOf(tb testing.TB, id int64) auth.Principal {
	tb.Helper()
	r, err := h.s.Review(h.ctx, store.Scope{All: true}, id)
	if err != nil || r.FirmID == 0 {
		tb.Fatalf("review %d has no firm (%v)", id, err)
	}
	us, err := h.s.UsersByRole(h.ctx, string(auth.Intermediary), r.FirmID)
	if err != nil || len(us) == 0 {
		tb.Fatalf("no user for firm %d: %v", r.FirmID, err)
	}
	return auth.FromUser(us[0])
}
