package web_test

import (
	"strings"
	"testing"

	"finreview/internal/docs"
)

// The API refuses an upload to an archived review with 409 and a Chinese
// message, and stores nothing.
func TestUploadToArchivedReviewAPI(t *testing.T) {
	e := newDocEnv(t, nil)
	rid := e.review("LH-2026-007", "")
	if _, err := e.s.DB.Exec("UPDATE reviews SET state = 'archived' WHERE id = ?", rid); err != nil {
		t.Fatal(err)
	}
	status, out := e.apiUpload("jianshe", rid, docs.Supplement, "补充资料.pdf", pdfContent("补充"))
	msg, _ := out["error"].(string)
	if status != 409 || out["code"] != "conflict" || !strings.Contains(msg, "已归档") {
		t.Fatalf("%d %v", status, out)
	}
	if n := e.count("SELECT COUNT(*) FROM documents WHERE review_id = ?", rid); n != 0 {
		t.Fatalf("document rows = %d", n)
	}
	if n := e.objectCount(); n != 0 {
		t.Fatalf("objects = %d", n)
	}
}
