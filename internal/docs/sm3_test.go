package docs_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"finreview/internal/docs"
)

// TestUploadKeepsSM3BesideSHA256: every committed document records its
// SM3 digest (国密) beside its SHA-256.
func TestUploadKeepsSM3BesideSHA256(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-001", "zhongjie1")
	body := pdfBytes("国密摘要")
	d, err := e.svc.Upload(ctx, e.principal("jianshe"), r.ID, docs.Submission, false, "送审资料.pdf", bytes.NewReader(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := e.s.DB.QueryRowContext(ctx, "SELECT COALESCE(sm3, '') FROM documents WHERE id = ?", d.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	sum := sm3.Sum(body)
	if stored != hex.EncodeToString(sum[:]) || d.SHA256 == "" {
		t.Fatalf("sm3 %q, want %x (sha256 %q)", stored, sum, d.SHA256)
	}
}
