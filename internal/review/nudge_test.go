package review_test

import (
	"errors"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/review"
	"finreview/workflow"
)

func TestNudge(t *testing.T) {
	h := newHarness(t)
	id := h.toInReview("LH-2026-006")
	firm := h.firmUser(id)
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := h.s.DB.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'nudge'", firm.UserID)

	t.Run("the unit may not nudge", func(t *testing.T) {
		if _, err := h.svc.Nudge(h.ctx, h.p("jianshe"), id, ""); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("got %v, want forbidden", err)
		}
	})
	t.Run("the center nudges the firm whose turn it is", func(t *testing.T) {
		n, err := h.svc.Nudge(h.ctx, h.p("pingshen"), id, "请于本周内提交初稿")
		if err != nil || n < 1 {
			t.Fatalf("nudge: %d %v", n, err)
		}
		if got := count("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'nudge'", firm.UserID); got != before+1 {
			t.Fatalf("firm notifications %d → %d, want one more", before, got)
		}
		if got := count("SELECT COUNT(*) FROM notifications WHERE kind = 'nudge' AND user_id = ?", h.p("jianshe").UserID); got != 0 {
			t.Fatalf("the unit has nothing to do in review and must not be nudged (%d)", got)
		}
		if got := count("SELECT COUNT(*) FROM audit_events WHERE review_id = ? AND action = 'nudge'", id); got != 1 {
			t.Fatalf("audit events: %d, want 1", got)
		}
	})
	t.Run("not twice within the hour", func(t *testing.T) {
		_, err := h.svc.Nudge(h.ctx, h.p("caizheng"), id, "")
		var ne *review.NudgeError
		if !errors.As(err, &ne) || ne.HTTPStatus() != 409 {
			t.Fatalf("second nudge: %v, want 409", err)
		}
	})
	t.Run("a suspended review is not nudged", func(t *testing.T) {
		other := h.toInReview("LH-2026-007")
		h.must("pingshen", other, workflow.Suspend, "等待补充资料", "expected_workdays", "5")
		var ne *review.NudgeError
		if _, err := h.svc.Nudge(h.ctx, h.p("pingshen"), other, ""); !errors.As(err, &ne) {
			t.Fatalf("got %v, want a refusal", err)
		}
	})
}
