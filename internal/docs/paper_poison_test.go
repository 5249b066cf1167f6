package docs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"finreview/internal/docs"
	"finreview/internal/store"
)

// A project named with characters outside the BMP gets its paper: the PDF
// shows them as 〓, the snapshot keeps them.
func TestRenderPendingNameOutsideBMP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-007", "zhongjie1")
	name := "𠀀𪚥嘎查😀养老服务中心"
	if _, err := e.s.DB.Exec("UPDATE projects SET name = ? WHERE id = ?", name, r.ProjectID); err != nil {
		t.Fatal(err)
	}
	paper := e.issue(t, r, docs.PaperNotice, e.principal("pingshen"))
	if err := e.svc.RenderPending(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := e.s.Paper(ctx, paper.ID)
	if err != nil || stored.DocumentID == 0 {
		t.Fatalf("paper not rendered: %+v, %v", stored, err)
	}
	var c docs.Content
	if err := json.Unmarshal([]byte(stored.Snapshot), &c); err != nil || !strings.Contains(stored.Snapshot, name) {
		t.Fatalf("snapshot lacks the name: %v", err)
	}
	_, rc, err := e.svc.OpenPaperPDF(ctx, e.principal("pingshen"), paper.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(rc)
	rc.Close()
	if text := strings.Join(strings.Fields(pdfText(t, pdf)), ""); !strings.Contains(text, "〓〓嘎查〓养老服务中心") {
		t.Fatalf("pdf text lacks the marked name:\n%s", text)
	}
}

// A paper whose PDF panics does not take the background loop down: it is
// tried MaxRenderAttempts times, then parked with its error, while the
// other papers are rendered; asking for its PDF then answers 409.
func TestMaintainParksPoisonPaper(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	center := e.principal("pingshen")
	poison := e.issue(t, e.review("LH-2026-007", "zhongjie1"), docs.PaperNotice, center)
	good := e.issue(t, e.review("LH-2026-002", ""), docs.PaperNotice, center)
	var calls int
	docs.SetPDFWriter(e.svc, func(w io.Writer, c docs.Content) error {
		if c.DocNumber == poison.DocNumber {
			calls++
			var p *docs.Content
			_ = p.Title // nil dereference: the layout panics
		}
		return docs.WritePDF(w, c)
	})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.svc.Maintain(runCtx, 10*time.Millisecond, time.Hour); close(done) }()
	var p store.Paper
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		var err error
		if p, err = e.s.Paper(ctx, poison.ID); err != nil {
			t.Fatal(err)
		}
		if p.RenderParked() {
			break
		}
	}
	time.Sleep(50 * time.Millisecond) // more passes: the parked paper is not picked again
	cancel()
	<-done
	if !p.RenderParked() || p.RenderAttempts != docs.MaxRenderAttempts || !strings.Contains(p.RenderError, "panic") {
		t.Fatalf("poison paper: parked %v, attempts %d, error %q", p.RenderParked(), p.RenderAttempts, p.RenderError)
	}
	if calls != docs.MaxRenderAttempts {
		t.Errorf("poison paper laid out %d times, want %d", calls, docs.MaxRenderAttempts)
	}
	if g, err := e.s.Paper(ctx, good.ID); err != nil || g.DocumentID == 0 {
		t.Errorf("the other paper was not rendered: %+v, %v", g, err)
	}
	_, _, err := e.svc.OpenPaperPDF(ctx, center, poison.ID, "")
	var de *docs.Error
	if !errors.As(err, &de) || de.Status != 409 {
		t.Errorf("PDF of a parked paper: %v, want a 409", err)
	}
}

// A failing layout (an error, no panic) is counted and parked the same way.
func TestRenderPendingParksFailingPaper(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	paper := e.issue(t, e.review("LH-2026-007", "zhongjie1"), docs.PaperConclusion, e.principal("pingshen"))
	docs.SetPDFWriter(e.svc, func(io.Writer, docs.Content) error { return errors.New("layout failed") })
	for i := 0; i < docs.MaxRenderAttempts+2; i++ {
		if err := e.svc.RenderPending(ctx); err != nil {
			t.Fatalf("pass %d: %v", i, err)
		}
	}
	p, err := e.s.Paper(ctx, paper.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !p.RenderParked() || p.RenderAttempts != docs.MaxRenderAttempts || p.RenderError != "layout failed" {
		t.Fatalf("parked %v, attempts %d, error %q", p.RenderParked(), p.RenderAttempts, p.RenderError)
	}
}
