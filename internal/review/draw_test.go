package review_test

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/docs"
	"finreview/internal/draw"
	"finreview/internal/firm"
	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

// addExperts puts n active experts of a specialty in the library and
// returns their ids.
func (h *harness) addExperts(specialty string, n int) []int64 {
	h.t.Helper()
	var ids []int64
	for i := range n {
		id, err := h.s.InsertExpert(h.ctx, store.Expert{Name: fmt.Sprintf("%s专家%02d", specialty, i+1), Specialty: specialty,
			Title: "高级工程师", Employer: "某设计院", Active: true})
		if err != nil {
			h.t.Fatalf("insert expert: %v", err)
		}
		ids = append(ids, id)
	}
	return ids
}

func (h *harness) signedDoc(id int64, category, name string, signed bool) {
	h.t.Helper()
	err := h.s.InTx(h.ctx, func(q *store.Queries) error {
		did, err := q.InsertPendingDocument(h.ctx, store.Document{ReviewID: id, Category: category, Name: name, SignedSealed: signed,
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

// toDisputed drives a review to disputed (the unit disagrees).
func (h *harness) toDisputed(code string) int64 {
	h.t.Helper()
	id := h.toInReview(code)
	h.must("firm", id, workflow.SubmitDraft, "", "audited_amount", "900000.00")
	h.must("pingshen", id, workflow.SendOpinion, "")
	h.must("jianshe", id, workflow.Sign, "", "agree", "false", "reasons", "钢材单价偏低")
	return id
}

func conflictCode(err error) string {
	var c interface {
		Code() string
		HTTPStatus() int
	}
	if errors.As(err, &c) && c.HTTPStatus() == 409 {
		return c.Code()
	}
	return ""
}

func expertIDs(es []review.DrawnExpert) []int64 {
	out := make([]int64, 0, len(es))
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestExpertDraw(t *testing.T) {
	h := newHarness(t)
	pool := h.addExperts("桥梁工程", 13)
	unit := h.p("jianshe").OrgID
	avoided := pool[0]
	if err := h.s.SetExpertPlacement(h.ctx, avoided, unit, 0); err != nil {
		t.Fatal(err)
	}
	id := h.toDisputed("LH-2026-001")
	center := h.p("pingshen")

	t.Run("only the review center draws", func(t *testing.T) {
		for _, u := range []string{"jianshe", "caizheng", "zhuanjia"} {
			if _, err := h.svc.Draw(h.ctx, h.p(u), id, review.PurposeDispute, "桥梁工程", 2, 1); !errors.Is(err, auth.ErrForbidden) {
				t.Errorf("%s: err = %v, want forbidden", u, err)
			}
		}
	})
	t.Run("bad requests name their field", func(t *testing.T) {
		cases := []struct {
			purpose, specialty string
			main, reserve      int
			field              string
		}{
			{"lottery", "桥梁工程", 2, 1, "purpose"},
			{review.PurposeDispute, " ", 2, 1, "specialty"},
			{review.PurposeDispute, "桥梁工程", 0, 1, "main"},
			{review.PurposeDispute, "桥梁工程", 2, -1, "reserve"},
		}
		for _, c := range cases {
			if _, err := h.svc.Draw(h.ctx, center, id, c.purpose, c.specialty, c.main, c.reserve); !isField(err, c.field) {
				t.Errorf("%+v: err = %v, want field %s", c, err, c.field)
			}
		}
	})
	t.Run("a sample draw waits for the conclusion", func(t *testing.T) {
		if _, err := h.svc.Draw(h.ctx, center, id, review.PurposeSample, "桥梁工程", 2, 1); conflictCode(err) != "draw_not_allowed" {
			t.Fatalf("err = %v, want draw_not_allowed", err)
		}
	})

	var draws []review.DrawView
	first, err := h.svc.Draw(h.ctx, center, id, review.PurposeDispute, "桥梁工程", 2, 2)
	if err != nil {
		t.Fatalf("draw: %v", err)
	}
	draws = append(draws, first)

	t.Run("the draw avoids the construction unit's employee", func(t *testing.T) {
		if len(first.Main) != 2 || len(first.Reserve) != 2 {
			t.Fatalf("drew %d main, %d reserve", len(first.Main), len(first.Reserve))
		}
		if slices.Contains(expertIDs(first.Main), avoided) || slices.Contains(expertIDs(first.Reserve), avoided) {
			t.Fatalf("expert %d of the unit was drawn", avoided)
		}
		found := false
		for _, e := range first.Excluded {
			if e.ID == avoided {
				found = e.Reason == draw.ReasonUnit
			}
		}
		if !found {
			t.Errorf("exclusions %+v do not name expert %d with %q", first.Excluded, avoided, draw.ReasonUnit)
		}
		if first.PoolSize != 13 || first.RedrawNo != 0 || first.RedrawsLeft != 2 {
			t.Errorf("pool %d redraw %d left %d", first.PoolSize, first.RedrawNo, first.RedrawsLeft)
		}
	})
	t.Run("the drawn experts are the review's experts", func(t *testing.T) {
		v, err := h.svc.DrawRecord(h.ctx, center, id)
		if err != nil {
			t.Fatal(err)
		}
		reserve := map[int64]bool{}
		for _, e := range v.Experts {
			reserve[e.ExpertID] = e.Reserve
		}
		for _, e := range first.Main {
			if r, ok := reserve[e.ID]; !ok || r {
				t.Errorf("main expert %d: present %v reserve %v", e.ID, ok, r)
			}
		}
		for _, e := range first.Reserve {
			if r, ok := reserve[e.ID]; !ok || !r {
				t.Errorf("reserve expert %d: present %v reserve %v", e.ID, ok, r)
			}
		}
		if len(v.Draws) != 1 || v.Draws[0].Seed != first.Seed {
			t.Errorf("view draws %+v", v.Draws)
		}
	})
	t.Run("the recorded seed reproduces the draw", func(t *testing.T) {
		ok, err := h.svc.VerifyDraw(h.ctx, h.p("jianshe"), first.ID)
		if err != nil || !ok {
			t.Fatalf("verify: %v %v", ok, err)
		}
		// Later changes of the library do not change the recomputation.
		if err := h.s.SetExpertActive(h.ctx, first.Main[0].ID, false); err != nil {
			t.Fatal(err)
		}
		h.addExperts("桥梁工程", 3)
		ok, err = h.svc.VerifyDraw(h.ctx, center, first.ID)
		if err != nil || !ok {
			t.Fatalf("verify after library change: %v %v", ok, err)
		}
		if err := h.s.SetExpertActive(h.ctx, first.Main[0].ID, true); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another firm cannot verify", func(t *testing.T) {
		own := h.firmUser(id)
		for i := 1; i <= 5; i++ {
			other := h.p(fmt.Sprintf("zhongjie%d", i))
			if other.OrgID == own.OrgID {
				continue
			}
			if _, err := h.svc.VerifyDraw(h.ctx, other, first.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("err = %v, want not found", err)
			}
			break
		}
	})
	t.Run("re-draws avoid earlier experts and stop after two", func(t *testing.T) {
		for i := 1; i <= 2; i++ {
			d, err := h.svc.Draw(h.ctx, center, id, review.PurposeDispute, "桥梁工程", 2, 1)
			if err != nil {
				t.Fatalf("re-draw %d: %v", i, err)
			}
			if d.RedrawNo != i {
				t.Errorf("re-draw number %d, want %d", d.RedrawNo, i)
			}
			for _, e := range append(d.Main, d.Reserve...) {
				for _, old := range draws {
					if slices.Contains(expertIDs(old.Main), e.ID) || slices.Contains(expertIDs(old.Reserve), e.ID) {
						t.Errorf("re-draw %d drew expert %d again", i, e.ID)
					}
				}
			}
			draws = append(draws, d)
		}
		_, err := h.svc.Draw(h.ctx, center, id, review.PurposeDispute, "桥梁工程", 2, 1)
		if conflictCode(err) != "redraw_limit" || !strings.Contains(err.Error(), "已达上限") {
			t.Fatalf("third re-draw: %v, want redraw_limit", err)
		}
	})
	t.Run("every recorded draw verifies", func(t *testing.T) {
		for _, d := range draws {
			if ok, err := h.svc.VerifyDraw(h.ctx, center, d.ID); err != nil || !ok {
				t.Errorf("draw %d: %v %v", d.ID, ok, err)
			}
		}
	})
	latest := draws[len(draws)-1]
	t.Run("expert review takes the latest draw's main experts", func(t *testing.T) {
		v := h.must("pingshen", id, workflow.StartExpertReview, "")
		if v.Review.State != workflow.ExpertReview {
			t.Fatalf("state %s", v.Review.State)
		}
		v, err := h.svc.Get(h.ctx, center, id)
		if err != nil {
			t.Fatal(err)
		}
		ev := v.Events[len(v.Events)-1]
		want := store.JoinIDs(expertIDs(latest.Main))
		if !strings.Contains(ev.Params, `"experts":"`+want+`"`) {
			t.Errorf("event params %s, want experts %s", ev.Params, want)
		}
	})
	expert := latest.Main[0].ID
	t.Run("scores wait for the resolution", func(t *testing.T) {
		if _, err := h.svc.ScoreExpert(h.ctx, center, id, expert, "90", ""); conflictCode(err) != "rereview_open" {
			t.Fatalf("err = %v, want rereview_open", err)
		}
	})
	h.must("pingshen", id, workflow.Resolve, "", "fault_party", "firm", "audited_amount", "920000.00")
	t.Run("the center scores a drawn expert once", func(t *testing.T) {
		sc, err := h.svc.ScoreExpert(h.ctx, center, id, expert, "92.50", "意见明确,依据充分")
		if err != nil {
			t.Fatal(err)
		}
		if sc.Score.StringFixed(2) != "92.50" {
			t.Errorf("score %s", sc.Score)
		}
		if _, err := h.svc.ScoreExpert(h.ctx, center, id, expert, "80", ""); conflictCode(err) != "already_scored" {
			t.Errorf("second score: %v", err)
		}
		if _, err := h.svc.ScoreExpert(h.ctx, center, id, latest.Main[1].ID, "100.5", ""); !isField(err, "score") {
			t.Errorf("score above 100: %v", err)
		}
		if _, err := h.svc.ScoreExpert(h.ctx, center, id, avoided, "80", ""); !isField(err, "expert_id") {
			t.Errorf("expert not drawn: %v", err)
		}
		if _, err := h.svc.ScoreExpert(h.ctx, h.p("caizheng"), id, expert, "80", ""); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("finance section scoring: %v", err)
		}
		v, err := h.svc.DrawRecord(h.ctx, center, id)
		if err != nil || len(v.Scores) != 1 || v.Scores[0].ExpertID != expert {
			t.Fatalf("view scores %+v (%v)", v.Scores, err)
		}
	})
}

func TestExpertReviewWithoutDrawNeedsExperts(t *testing.T) {
	h := newHarness(t)
	id := h.toDisputed("LH-2026-002")
	if _, err := h.fire("pingshen", id, workflow.StartExpertReview, ""); !isField(err, "experts") {
		t.Fatalf("err = %v, want a field error on experts", err)
	}
}

func TestArchiveParams(t *testing.T) {
	h := newHarness(t)
	id := h.toInReview("LH-2026-001")
	// Whole yuan, as a client may write it: the answer shows the amount as
	// the column keeps it, at two places.
	h.must("firm", id, workflow.SubmitDraft, "", "audited_amount", "950000")
	h.must("pingshen", id, workflow.SendOpinion, "")
	h.must("jianshe", id, workflow.Sign, "", "agree", "true")
	h.must("pingshen", id, workflow.Conclude, "")
	h.must("caizheng", id, workflow.Process, "")
	tomorrow := time.Now().AddDate(0, 0, 2).Format("2006-01-02")
	tests := []struct {
		name  string
		kv    []string
		field string
	}{
		{"no archive number", []string{"paper_received_on", "2026-01-05", "received_by", "王晓燕"}, "archive_number"},
		{"no paper date", []string{"archive_number", "A-1", "received_by", "王晓燕"}, "paper_received_on"},
		{"bad paper date", []string{"archive_number", "A-1", "paper_received_on", "2026/01/05", "received_by", "王晓燕"}, "paper_received_on"},
		{"paper date in the future", []string{"archive_number", "A-1", "paper_received_on", tomorrow, "received_by", "王晓燕"}, "paper_received_on"},
		{"no receiver", []string{"archive_number", "A-1", "paper_received_on", "2026-01-05"}, "received_by"},
		{"retention not a number", []string{"archive_number", "A-1", "paper_received_on", "2026-01-05", "received_by", "王晓燕",
			"retention_years", "永久"}, "retention_years"},
		{"retention zero", []string{"archive_number", "A-1", "paper_received_on", "2026-01-05", "received_by", "王晓燕",
			"retention_years", "0"}, "retention_years"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := h.fire("caizheng", id, workflow.Archive, "", tc.kv...); !isField(err, tc.field) {
				t.Fatalf("err = %v, want a field error on %s", err, tc.field)
			}
			if st := h.state(id).State; st != workflow.Processed {
				t.Fatalf("state %s after a refused archive", st)
			}
		})
	}
	t.Run("archive records the paper copy with 30 years by default", func(t *testing.T) {
		v := h.must("caizheng", id, workflow.Archive, "", "archive_number", "巴财评档-2026-0007", "paper_received_on", "2026-01-05",
			"received_by", "王晓燕")
		a := v.Archive
		if a == nil {
			t.Fatal("no archive entry")
		}
		if a.Number != "巴财评档-2026-0007" || a.ReceivedBy != "王晓燕" || a.RetentionYears != 30 ||
			a.PaperReceivedOn.Format("2006-01-02") != "2026-01-05" || a.RetainUntil.Format("2006-01-02") != "2056-01-04" {
			t.Errorf("archive %+v", a)
		}
	})
	t.Run("an archive number is used once", func(t *testing.T) {
		id2 := h.toInReview("LH-2026-002")
		h.must("firm", id2, workflow.SubmitDraft, "", "audited_amount", "950000.00")
		h.must("pingshen", id2, workflow.SendOpinion, "")
		h.must("jianshe", id2, workflow.Sign, "", "agree", "true")
		h.must("pingshen", id2, workflow.Conclude, "")
		h.must("caizheng", id2, workflow.Process, "")
		_, err := h.fire("caizheng", id2, workflow.Archive, "", "archive_number", "巴财评档-2026-0007", "paper_received_on", "2026-01-05",
			"received_by", "王晓燕", "retention_years", "10")
		if !isField(err, "archive_number") {
			t.Fatalf("err = %v, want a field error on archive_number", err)
		}
	})
}

func hasMissing(v review.View, t workflow.Trigger, part string) bool {
	for _, m := range v.Missing[t] {
		if strings.Contains(m, part) {
			return true
		}
	}
	return false
}

func TestGatesListMissing(t *testing.T) {
	h := newHarness(t)
	t.Run("submit lists the kind's missing documents", func(t *testing.T) {
		cases := []struct {
			code, kind, item string
		}{
			{"LH-2026-001", "settlement", "竣工图"},
			{"LH-2026-002", "budget", "施工图预算书"},
			{"LH-2026-003", "change", "现场签证单"},
		}
		for _, c := range cases {
			id := h.newReview("jianshe", c.code, c.kind, "100000.00")
			v, err := h.svc.Get(h.ctx, h.p("jianshe"), id)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(v.Permitted, workflow.Submit) {
				t.Fatalf("submit not permitted: %v", v.Permitted)
			}
			if !hasMissing(v, workflow.Submit, "送审资料未上传") || !hasMissing(v, workflow.Submit, c.item) {
				t.Errorf("%s: missing %v, want 送审资料 with %s", c.kind, v.Missing[workflow.Submit], c.item)
			}
			_, err = h.fire("jianshe", id, workflow.Submit, "")
			var te *workflow.TransitionError
			if !errors.As(err, &te) || !slices.Equal(te.Missing, v.Missing[workflow.Submit]) {
				t.Errorf("%s: submit err = %v, want the listed gates", c.kind, err)
			}
			h.addDoc(id, "submission")
			if v, _ = h.svc.Get(h.ctx, h.p("jianshe"), id); len(v.Missing[workflow.Submit]) != 0 {
				t.Errorf("%s: after upload still missing %v", c.kind, v.Missing[workflow.Submit])
			}
		}
	})
	t.Run("the checklist follows the kind", func(t *testing.T) {
		ms := review.RequiredMaterials("settlement")
		if len(ms) < 2 || ms[0].Category != "submission" || !slices.Contains(ms[0].Items, "竣工图") ||
			!slices.Contains(ms[0].Items, "设计变更及现场签证资料") || !slices.Contains(ms[0].Items, "施工合同及补充协议") {
			t.Errorf("settlement materials %+v", ms)
		}
		if ms[1].Category != "supplement" || !ms[1].Signed {
			t.Errorf("supplement %+v, want signed", ms[1])
		}
	})
	t.Run("requested supplements must come in signed and sealed", func(t *testing.T) {
		id := h.toInReview("LH-2026-004")
		h.must("firm", id, workflow.RequestMaterials, "请补充屋面防水变更签证")
		firmP := h.firmUser(id)
		v, err := h.svc.Get(h.ctx, firmP, id)
		if err != nil {
			t.Fatal(err)
		}
		if !hasMissing(v, workflow.SubmitDraft, "尚未收到签字盖章的补充资料") {
			t.Fatalf("missing %v", v.Missing[workflow.SubmitDraft])
		}
		h.signedDoc(id, "supplement", "屋面防水签证.pdf", false)
		v, _ = h.svc.Get(h.ctx, firmP, id)
		if !hasMissing(v, workflow.SubmitDraft, "1 份未签字盖章") {
			t.Fatalf("unsigned supplement not listed: %v", v.Missing[workflow.SubmitDraft])
		}
		if _, err := h.fire("firm", id, workflow.SubmitDraft, "", "audited_amount", "900000.00"); err == nil {
			t.Fatal("submit_draft passed with an unsigned supplement")
		}
		h.signedDoc(id, "supplement", "屋面防水签证.pdf", true)
		v, _ = h.svc.Get(h.ctx, firmP, id)
		if len(v.Missing[workflow.SubmitDraft]) != 0 {
			t.Fatalf("signed version still blocks: %v", v.Missing[workflow.SubmitDraft])
		}
		h.must("firm", id, workflow.SubmitDraft, "", "audited_amount", "900000.00")
	})
}

func TestSuspensionAcrossNationalDay(t *testing.T) {
	s := testenv.DB(t)
	testenv.Demo(t, s)
	objects := testenv.Objects(t)
	log := slog.New(slog.DiscardHandler)
	var mu sync.Mutex
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clock := time.Date(2025, 9, 22, 9, 0, 0, 0, loc)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	set := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }
	svc := review.NewService(review.Options{Store: s, Firms: firm.NewService(s, now), Billing: billing.NewService(s, now),
		Docs: docs.NewService(s, objects, now, log), Now: now, Log: log})
	h := &harness{t: t, ctx: t.Context(), s: s, svc: svc}
	id := h.toInReview("LH-2026-001")

	set(time.Date(2025, 9, 26, 10, 0, 0, 0, loc)) // Friday before the holiday
	h.must("pingshen", id, workflow.Suspend, "等待设计变更批复", "expected_workdays", "5")
	set(time.Date(2025, 10, 9, 10, 0, 0, 0, loc)) // first working day after 1–8 October
	v, err := svc.Get(h.ctx, h.p("pingshen"), id)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a running suspension counts to today", func(t *testing.T) {
		if len(v.Suspensions) != 1 || v.Suspensions[0].Ended != nil {
			t.Fatalf("suspensions %+v", v.Suspensions)
		}
		// 28 September (make-up Sunday), 29, 30 September and 9 October.
		if got := v.Suspensions[0].ActualWorkdays; got != 4 {
			t.Errorf("actual %d working days, want 4", got)
		}
	})
	set(time.Date(2025, 10, 13, 10, 0, 0, 0, loc)) // Monday
	v = h.must("pingshen", id, workflow.Resume, "")
	t.Run("a finished suspension shows expected against actual", func(t *testing.T) {
		if len(v.Suspensions) != 1 {
			t.Fatalf("suspensions %+v", v.Suspensions)
		}
		sv := v.Suspensions[0]
		if sv.Ended == nil || sv.Reason != "等待设计变更批复" || sv.ExpectedWorkdays != 5 {
			t.Fatalf("suspension %+v", sv)
		}
		// 28, 29, 30 September; 9, 10, 11 (make-up Saturday) and 13 October.
		if sv.ActualWorkdays != 7 || sv.Overrun != 2 {
			t.Errorf("actual %d overrun %d, want 7 and 2", sv.ActualWorkdays, sv.Overrun)
		}
	})
}
