package review_test

import (
	"testing"

	"finreview/workflow"
)

// A project named with characters outside the Basic Multilingual Plane
// (an emoji, CJK Extension B) gets its 业务通知书 like any other: the
// transition succeeds and the paper is rendered right after it.
func TestNoticeForProjectNamedOutsideBMP(t *testing.T) {
	h := newHarness(t)
	id := h.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")
	if _, err := h.s.DB.Exec("UPDATE projects SET name = '𠀀𪚥嘎查😀养老院' WHERE code = 'LH-2026-001'"); err != nil {
		t.Fatal(err)
	}
	h.addDoc(id, "submission")
	h.must("jianshe", id, workflow.Submit, "")
	h.must("caizheng", id, workflow.IssueNotice, "")
	papers, err := h.s.Papers(h.ctx, id)
	if err != nil || len(papers) != 1 {
		t.Fatalf("papers %+v, %v", papers, err)
	}
	if papers[0].DocumentID == 0 || papers[0].RenderAttempts != 0 {
		t.Fatalf("notice not rendered: %+v", papers[0])
	}
}
