package review_test

import (
	"errors"
	"strconv"
	"testing"

	"finreview/internal/store"
	"finreview/workflow"
)

// The review page reads the review once, within the viewer's scope: the
// unit, the firm holding the review and the review center get it with
// its documents; another unit, another firm and an expert not drawn get
// not found, as from Get.
func TestPageFollowsScope(t *testing.T) {
	h := newHarness(t)
	id := h.toInReview("LH-2026-003")
	h.addDoc(id, "audit_report")
	f := store.DocumentFilter{LatestOnly: true, Limit: 100}
	all, _, err := h.s.Documents(h.ctx, id, f)
	if err != nil || len(all) < 2 {
		t.Fatalf("%d documents (%v)", len(all), err)
	}
	holder := h.firmUser(id)
	for _, p := range []string{"jianshe", "pingshen", "caizheng", "firm"} {
		viewer := holder
		if p != "firm" {
			viewer = h.p(p)
		}
		pg, err := h.svc.Page(h.ctx, viewer, id, f)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if pg.Review.ID != id || pg.Review.State != workflow.InReview || len(pg.Events) == 0 {
			t.Errorf("%s: review %d in %s with %d events", p, pg.Review.ID, pg.Review.State, len(pg.Events))
		}
		if len(pg.Documents) != len(all) || pg.DocumentTotal != len(all) {
			t.Errorf("%s: %d documents of %d, want %d of %d", p, len(pg.Documents), pg.DocumentTotal, len(all), len(all))
		}
		if pg.ExpertTask != nil {
			t.Errorf("%s has an expert task", p)
		}
	}
	outsiders := []string{"jianshe2", "zhuanjia"}
	for i := 1; i <= 5; i++ {
		if other := h.p("zhongjie" + strconv.Itoa(i)); other.OrgID != holder.OrgID {
			outsiders = append(outsiders, other.Username)
		}
	}
	for _, name := range outsiders {
		p := h.p(name)
		if _, err := h.svc.Page(h.ctx, p, id, f); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: page err = %v, want not found", name, err)
		}
		if _, err := h.svc.Get(h.ctx, p, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: get err = %v, want not found", name, err)
		}
	}

	// A page of one: the total is counted, not taken from the page.
	pg, err := h.svc.Page(h.ctx, h.p("jianshe"), id, store.DocumentFilter{LatestOnly: true, Limit: 1})
	if err != nil || len(pg.Documents) != 1 || pg.DocumentTotal != len(all) {
		t.Fatalf("a page of one: %d documents of %d (%v), want 1 of %d", len(pg.Documents), pg.DocumentTotal, err, len(all))
	}
}
