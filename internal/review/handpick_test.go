package review_test

import (
	"strings"
	"testing"

	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/workflow"
)

// TestHandPickedExpertsNeedAReason: experts other than the draw's, or
// without a draw, are taken only with a reason, which the timeline and the
// audit trail keep; the draw's own experts need none.
func TestHandPickedExpertsNeedAReason(t *testing.T) {
	h := newHarness(t)
	center := h.p("pingshen")
	library := h.addExperts("桥梁工程", 6)
	auditDetail := func(id int64) string {
		t.Helper()
		var detail string
		if err := h.s.DB.QueryRow("SELECT detail FROM audit_events WHERE stream = ? AND action = ? ORDER BY seq DESC LIMIT 1",
			store.ReviewStream(id), string(workflow.StartExpertReview)).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		return detail
	}

	t.Run("past the draw", func(t *testing.T) {
		id := h.toDisputed("LH-2026-003")
		d, err := h.svc.Draw(h.ctx, center, id, review.PurposeDispute, "桥梁工程", 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		drawn := expertIDs(d.Main)
		var other int64
		for _, e := range library {
			if e != drawn[0] && e != drawn[1] {
				other = e
			}
		}
		picked := store.JoinIDs([]int64{drawn[0], other})
		if _, err := h.fire("pingshen", id, workflow.StartExpertReview, "", "experts", picked); !isField(err, "reason") {
			t.Fatalf("hand-picked without a reason: %v, want a field error on reason", err)
		}
		const why = "抽取的专家一人回避,经中心集体研究另行指定"
		v := h.must("pingshen", id, workflow.StartExpertReview, why, "experts", picked)
		if v.Review.State != workflow.ExpertReview {
			t.Fatalf("state %s", v.Review.State)
		}
		if v, err = h.svc.Get(h.ctx, center, id); err != nil || len(v.Events) == 0 {
			t.Fatalf("view: %v", err)
		}
		if ev := v.Events[len(v.Events)-1]; ev.Reason != why {
			t.Errorf("timeline reason %q, want %q", ev.Reason, why)
		}
		if d := auditDetail(id); !strings.Contains(d, "experts_hand_picked") || !strings.Contains(d, why) {
			t.Errorf("audit detail %s names neither the hand-picking nor its reason", d)
		}
	})
	t.Run("the draw's experts named again", func(t *testing.T) {
		id := h.toDisputed("LH-2026-004")
		d, err := h.svc.Draw(h.ctx, center, id, review.PurposeDispute, "桥梁工程", 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		main := expertIDs(d.Main)
		h.must("pingshen", id, workflow.StartExpertReview, "", "experts", store.JoinIDs([]int64{main[1], main[0]}))
		if d := auditDetail(id); strings.Contains(d, "experts_hand_picked") {
			t.Errorf("the draw's experts recorded as hand-picked: %s", d)
		}
	})
	t.Run("without a draw", func(t *testing.T) {
		id := h.toDisputed("LH-2026-005")
		picked := store.JoinIDs(library[:2])
		if _, err := h.fire("pingshen", id, workflow.StartExpertReview, "", "experts", picked); !isField(err, "reason") {
			t.Fatalf("experts without a draw and without a reason: %v", err)
		}
	})
}
