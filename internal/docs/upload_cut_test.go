package docs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"finreview/internal/docs"
)

// cutReader yields n bytes of a PDF, then fails with err.
type cutReader struct {
	n   int
	off int
	err error
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.off >= c.n {
		return 0, c.err
	}
	p = p[:min(len(p), c.n-c.off)]
	for i := range p {
		p[i] = 'x'
		if c.off+i < 8 {
			p[i] = "%PDF-1.7"[c.off+i]
		}
	}
	c.off += len(p)
	return len(p), nil
}

// An upload whose body breaks off — a read error, or io.ErrUnexpectedEOF
// as a truncated multipart part reports it — is refused: no row, no object,
// whether it broke off in the first bytes, within the first part sent to
// MinIO, or after several parts.
func TestUploadCutOffLeavesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-002", "")
	unit := e.principal("jianshe")
	for _, tc := range []struct {
		name string
		n    int
		err  error
	}{
		{"reset in the head", 100, errors.New("connection reset by peer")},
		{"unexpected EOF in the head", 100, io.ErrUnexpectedEOF},
		{"reset within the first part", 3 << 20, errors.New("connection reset by peer")},
		{"unexpected EOF within the first part", 3 << 20, io.ErrUnexpectedEOF},
		{"unexpected EOF after a full part", docs.PartSize + 1<<20, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Upload(ctx, unit, r.ID, docs.Submission, false, "送审资料.pdf", &cutReader{n: tc.n, err: tc.err}, 0)
			if !errors.Is(err, docs.ErrUploadIncomplete) {
				t.Fatalf("err = %v, want ErrUploadIncomplete", err)
			}
			if n := e.count("SELECT COUNT(*) FROM documents"); n != 0 {
				t.Fatalf("document rows = %d, want 0", n)
			}
			if keys := e.objectKeys(); len(keys) != 0 {
				t.Fatalf("objects left: %v", keys)
			}
		})
	}
	t.Run("a whole body is still stored", func(t *testing.T) {
		d, err := e.svc.Upload(ctx, unit, r.ID, docs.Submission, false, "送审资料.pdf", bytes.NewReader(pdfBytes("全")), 0)
		if err != nil || d.Size != int64(len(pdfBytes("全"))) {
			t.Fatalf("%v size %d", err, d.Size)
		}
	})
}
