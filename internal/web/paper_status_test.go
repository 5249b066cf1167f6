package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/store"
)

// A paper parked after repeated failed renders shows as failed in the
// review's papers, in the API and on the documents page.
func TestParkedPaperIsShown(t *testing.T) {
	e := newDocEnv(t, nil)
	ctx := context.Background()
	rid := e.review("LH-2026-007", "")
	r, err := e.s.Review(ctx, store.Scope{All: true}, rid)
	if err != nil {
		t.Fatal(err)
	}
	var paper store.Paper
	if err := e.s.InTx(ctx, func(q *store.Queries) error {
		paper, err = e.svc.IssuePaper(ctx, q, r, docs.PaperNotice, auth.FromUser(e.user("caizheng")), time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < docs.MaxRenderAttempts; i++ {
		if _, _, err := e.s.RecordPaperRenderFailure(ctx, paper.ID, "panic: layout", time.Now(), docs.MaxRenderAttempts); err != nil {
			t.Fatal(err)
		}
	}
	resp, b := e.apiGet("pingshen", fmt.Sprintf("/api/v1/reviews/%d/papers", rid))
	var out struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != 200 || len(out.Items) != 1 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if out.Items[0]["pdf_status"] != "failed" || out.Items[0]["render_attempts"] != float64(docs.MaxRenderAttempts) {
		t.Fatalf("paper %v, want pdf_status failed", out.Items[0])
	}
	req := httptest.NewRequest("GET", fmt.Sprintf("/reviews/%d/documents", rid), nil)
	req.AddCookie(e.pageLogin("pingshen"))
	resp, page := e.do(req)
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("PDF生成失败")) {
		t.Fatalf("documents page %d lacks the failure", resp.StatusCode)
	}
}
