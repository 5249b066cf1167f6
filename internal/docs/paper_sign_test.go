package docs_test

import (
	"bytes"
	"context"
	"testing"

	"finreview/internal/docs"
	"finreview/internal/signature"
)

// TestPaperSignedWithSM2: with a signer, each rendered paper records an
// SM2 signature of its SM3 digest; the check holds for the stored file,
// fails under another key and fails once the file is replaced.
func TestPaperSignedWithSM2(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, err := signature.Generate()
	if err != nil {
		t.Fatal(err)
	}
	e.svc.SetSigner(key)
	r := e.review("LH-2026-007", "zhongjie1")
	paper := e.issue(t, r, docs.PaperConclusion, e.principal("pingshen"))
	if err := e.svc.RenderPending(ctx); err != nil {
		t.Fatal(err)
	}
	check, err := e.svc.VerifyPaper(ctx, paper.DocNumber, key)
	if err != nil || !check.OK() {
		t.Fatalf("check %+v, %v", check, err)
	}
	other, _ := signature.Generate()
	if check, err := e.svc.VerifyPaper(ctx, paper.DocNumber, other); err != nil || check.OK() {
		t.Fatalf("another key: %+v, %v", check, err)
	}
	seal, err := e.s.PaperSealByNumber(ctx, paper.DocNumber)
	if err != nil {
		t.Fatal(err)
	}
	forged := []byte("%PDF-1.7 forged")
	if err := e.objects.Put(ctx, seal.ObjectKey, bytes.NewReader(forged), int64(len(forged)), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if check, err := e.svc.VerifyPaper(ctx, paper.DocNumber, key); err != nil || check.OK() || check.ComputedSM3 == check.RecordedSM3 {
		t.Fatalf("a replaced file: %+v, %v", check, err)
	}
}
