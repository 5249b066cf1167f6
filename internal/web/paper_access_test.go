package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/store"
)

// TestPaperPrintIsLogged: reading a conclusion on its print page is in
// the access log of the paper's document and in the review's audit trail,
// as a download is; a preview of one not yet issued is in the audit trail.
func TestPaperPrintIsLogged(t *testing.T) {
	e := newDocEnv(t, nil)
	ctx := context.Background()
	rid := e.review("LH-2026-006", "zhongjie1")
	cookie := e.pageLogin("pingshen")
	view := func() {
		t.Helper()
		req := httptest.NewRequest("GET", fmt.Sprintf("/reviews/%d/papers/conclusion", rid), nil)
		req.AddCookie(cookie)
		if resp, b := e.do(req); resp.StatusCode != 200 {
			t.Fatalf("print page %d %s", resp.StatusCode, b)
		}
	}
	stream := store.ReviewStream(rid)
	view()
	if n := e.count("SELECT COUNT(*) FROM audit_events WHERE stream = ? AND action = 'paper_view' AND actor_id = ?", stream,
		e.user("pingshen").ID); n != 1 {
		t.Fatalf("preview: %d audit events, want 1", n)
	}

	r, err := e.s.Review(ctx, store.Scope{All: true}, rid)
	if err != nil {
		t.Fatal(err)
	}
	var paper store.Paper
	if err := e.s.InTx(ctx, func(q *store.Queries) error {
		paper, err = e.svc.IssuePaper(ctx, q, r, docs.PaperConclusion, auth.FromUser(e.user("pingshen")), time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RenderPending(ctx); err != nil {
		t.Fatal(err)
	}
	var docID int64
	if err := e.s.DB.QueryRow("SELECT document_id FROM papers WHERE id = ?", paper.ID).Scan(&docID); err != nil || docID == 0 {
		t.Fatalf("rendered paper's document: %d %v", docID, err)
	}
	view()
	if n := e.count("SELECT COUNT(*) FROM document_access WHERE document_id = ? AND user_id = ? AND action = 'view'", docID,
		e.user("pingshen").ID); n != 1 {
		t.Fatalf("issued conclusion read: %d access rows, want 1", n)
	}
	if n := e.count("SELECT COUNT(*) FROM audit_events WHERE stream = ? AND action = 'paper_view' AND object_id = ?", stream,
		fmt.Sprint(paper.ID)); n != 1 {
		t.Fatalf("issued conclusion read: %d audit events, want 1", n)
	}
}
