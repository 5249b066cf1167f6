package docs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"finreview/internal/docs"
	"finreview/internal/store"
)

func (e *env) setState(reviewID int64, state string) {
	e.t.Helper()
	if _, err := e.s.DB.Exec("UPDATE reviews SET state = ? WHERE id = ?", state, reviewID); err != nil {
		e.t.Fatal(err)
	}
}

// sideEffectReader runs fn at its first read, then yields r.
type sideEffectReader struct {
	r  io.Reader
	fn func()
}

func (s *sideEffectReader) Read(p []byte) (int, error) {
	if s.fn != nil {
		s.fn()
		s.fn = nil
	}
	return s.r.Read(p)
}

// An archived review takes no more documents (409, nothing stored), also
// when it is archived while the bytes are on their way; a concluded one
// still takes the unit's appeal evidence.
func TestUploadToClosedReview(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	unit := e.principal("jianshe")
	r := e.review("LH-2026-002", "")
	e.setState(r.ID, "archived")
	_, err := e.svc.Upload(ctx, unit, r.ID, docs.Supplement, true, "补充资料.pdf", bytes.NewReader(pdfBytes("补充")), 0)
	var de *docs.Error
	if !errors.As(err, &de) || de.HTTPStatus() != 409 || de.Message() == "" {
		t.Fatalf("upload to an archived review: %v, want 409", err)
	}

	r2 := e.review("LH-2026-007", "")
	archive := func() { e.setState(r2.ID, "archived") }
	_, err = e.svc.Upload(ctx, unit, r2.ID, docs.Supplement, true, "补充资料.pdf",
		&sideEffectReader{r: bytes.NewReader(pdfBytes("补充")), fn: archive}, 0)
	if !errors.As(err, &de) || de.HTTPStatus() != 409 {
		t.Fatalf("upload to a review archived meanwhile: %v, want 409", err)
	}
	if n := e.count("SELECT COUNT(*) FROM documents"); n != 0 {
		t.Fatalf("document rows = %d, want 0", n)
	}
	if keys := e.objectKeys(); len(keys) != 0 {
		t.Fatalf("objects left: %v", keys)
	}

	r3 := e.review("LH-2026-003", "")
	e.setState(r3.ID, "concluded")
	if _, err := e.svc.Upload(ctx, unit, r3.ID, docs.Appeal, true, "复议申请.pdf", bytes.NewReader(pdfBytes("复议")), 0); err != nil {
		t.Fatalf("appeal evidence on a concluded review: %v", err)
	}
}

// An upload named like an issued paper's PDF, in the paper's category, is
// a document of its own: the paper stays listed as the latest of its line,
// keeps its version, and opens.
func TestUploadNeverHidesPaper(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	center := e.principal("pingshen")
	r := e.review("LH-2026-007", "zhongjie1")
	paper := e.issue(t, r, docs.PaperConclusion, center)
	if err := e.svc.RenderPending(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := e.s.Paper(ctx, paper.ID)
	if err != nil || stored.DocumentID == 0 {
		t.Fatalf("paper not rendered: %v", err)
	}
	official, err := e.s.Document(ctx, stored.DocumentID)
	if err != nil || !official.Official {
		t.Fatalf("paper document %+v, %v", official, err)
	}
	for i := 0; i < 2; i++ {
		up, err := e.svc.Upload(ctx, center, r.ID, docs.Conclusion, true, official.Name, bytes.NewReader(pdfBytes("假冒")), 0)
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != i+1 {
			t.Errorf("upload %d got version %d, want %d", i+1, up.Version, i+1)
		}
	}
	list, _, err := e.svc.List(ctx, center, r.ID, store.DocumentFilter{Category: docs.Conclusion, LatestOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range list {
		if d.ID == official.ID {
			found = d.Version == 1 && d.Official
		}
	}
	if !found || len(list) != 2 {
		t.Fatalf("latest list %+v lacks the paper (or has more than the paper and the newest upload)", list)
	}
	versions, err := e.svc.Versions(ctx, center, official.ID)
	if err != nil || len(versions) != 1 || versions[0].ID != official.ID {
		t.Fatalf("versions of the paper: %+v, %v", versions, err)
	}
	d, rc, err := e.svc.OpenPaperPDF(ctx, center, paper.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if d.ID != official.ID {
		t.Fatalf("paper opens document %d, want %d", d.ID, official.ID)
	}
}
