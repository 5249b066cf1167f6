package docs_test

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/input"
	"finreview/internal/store"
)

func TestUploadVersionsAndDownload(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-001", "zhongjie1")
	unit := e.principal("jianshe")
	v1 := pdfBytes("第一版")
	v2 := pdfBytes("第二版,补充了签字页")

	d1, err := e.svc.Upload(ctx, unit, r.ID, docs.Submission, true, "结算送审资料.pdf", bytes.NewReader(v1), 0)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := e.svc.Upload(ctx, unit, r.ID, docs.Submission, false, "结算送审资料.pdf", bytes.NewReader(v2), 0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.svc.Upload(ctx, unit, r.ID, docs.Submission, false, "施工合同.pdf", bytes.NewReader(v1), 0)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("versions count per name", func(t *testing.T) {
		if d1.Version != 1 || d2.Version != 2 || other.Version != 1 {
			t.Fatalf("versions = %d, %d, %d; want 1, 2, 1", d1.Version, d2.Version, other.Version)
		}
		vs, err := e.svc.Versions(ctx, unit, d1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0].ID != d2.ID || vs[1].ID != d1.ID {
			t.Fatalf("versions list = %+v", vs)
		}
	})

	t.Run("size and sha256 are of the bytes", func(t *testing.T) {
		if d2.Size != int64(len(v2)) || d2.SHA256 != sum(v2) {
			t.Fatalf("size %d sha %s; want %d %s", d2.Size, d2.SHA256, len(v2), sum(v2))
		}
		if d2.ContentType != "application/pdf" || d2.Status != store.DocumentCommitted {
			t.Fatalf("content type %q status %q", d2.ContentType, d2.Status)
		}
	})

	t.Run("download returns the same bytes and is logged", func(t *testing.T) {
		center := e.principal("pingshen")
		d, rc, err := e.svc.Open(ctx, center, d2.ID, docs.ActionDownload, "10.0.0.8")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, v2) || sum(got) != d.SHA256 {
			t.Fatalf("downloaded %d bytes sha %s; want %s", len(got), sum(got), d.SHA256)
		}
		if n := e.count("SELECT COUNT(*) FROM document_access WHERE document_id = ? AND user_id = ? AND action = 'download' AND ip = '10.0.0.8'",
			d2.ID, center.UserID); n != 1 {
			t.Fatalf("access rows = %d, want 1", n)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_events WHERE action = 'document_download' AND object_id = ? AND actor_id = ?",
			d2.ID, center.UserID); n != 1 {
			t.Fatalf("audit download events = %d, want 1", n)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_events WHERE action = 'document_upload' AND review_id = ?", r.ID); n != 3 {
			t.Fatalf("audit upload events = %d, want 3", n)
		}
	})

	t.Run("list and count", func(t *testing.T) {
		list, total, err := e.svc.List(ctx, e.principal("zhongjie1"), r.ID, store.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(list) != 3 {
			t.Fatalf("list total %d len %d", total, len(list))
		}
		latest, total, err := e.svc.List(ctx, unit, r.ID, store.DocumentFilter{LatestOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(latest) != 2 {
			t.Fatalf("latest-only total %d", total)
		}
		n, err := e.s.CountDocuments(ctx, r.ID, docs.Submission, true)
		if err != nil || n != 1 {
			t.Fatalf("signed count = %d, %v; want 1", n, err)
		}
		n, err = e.s.CountDocuments(ctx, r.ID, docs.Submission, false)
		if err != nil || n != 3 {
			t.Fatalf("count = %d, %v; want 3", n, err)
		}
	})
}

func TestUploadRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-002", "zhongjie1")
	e.svc.SetLimit(docs.FinalReport, 1024)
	big := append(pdfBytes("报告"), bytes.Repeat([]byte("x"), 64<<10)...)
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 600)...)

	cases := []struct {
		name     string
		user     string
		reviewID int64
		category string
		file     string
		body     []byte
		status   int
		field    string
		notFound bool
		forbid   bool
	}{
		{name: "executable is not a document", user: "jianshe", reviewID: r.ID, category: docs.Submission, file: "setup.exe", body: exe, status: 415},
		{name: "executable named pdf is still refused", user: "jianshe", reviewID: r.ID, category: docs.Submission, file: "报告.pdf", body: exe, status: 415},
		{name: "cad drawing is not a report", user: "zhongjie1", reviewID: r.ID, category: docs.FinalReport, file: "平面图.dwg", body: append([]byte("AC1032"), make([]byte, 100)...), status: 415},
		{name: "over the category limit", user: "zhongjie1", reviewID: r.ID, category: docs.FinalReport, file: "审核报告.pdf", body: big, status: 413},
		{name: "unknown category", user: "jianshe", reviewID: r.ID, category: "secret", file: "a.pdf", body: pdfBytes("a"), field: "category"},
		{name: "unit may not upload a firm report", user: "jianshe", reviewID: r.ID, category: docs.DraftReport, file: "a.pdf", body: pdfBytes("a"), forbid: true},
		{name: "contractor may not upload", user: "shigong", reviewID: r.ID, category: docs.Submission, file: "a.pdf", body: pdfBytes("a"), forbid: true},
		{name: "another firm does not see the review", user: "zhongjie2", reviewID: r.ID, category: docs.Survey, file: "a.pdf", body: pdfBytes("a"), notFound: true},
		{name: "another unit does not see the review", user: "jianshe2", reviewID: r.ID, category: docs.Submission, file: "a.pdf", body: pdfBytes("a"), notFound: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Upload(ctx, e.principal(tc.user), tc.reviewID, tc.category, false, tc.file, bytes.NewReader(tc.body), 0)
			var de *docs.Error
			var fe *input.FieldError
			switch {
			case tc.status != 0:
				if !errors.As(err, &de) || de.HTTPStatus() != tc.status {
					t.Fatalf("err = %v; want status %d", err, tc.status)
				}
				if tc.status == 415 && de.Code() != "unsupported_type" {
					t.Fatalf("code = %s", de.Code())
				}
			case tc.field != "":
				if !errors.As(err, &fe) || fe.Field() != tc.field {
					t.Fatalf("err = %v; want field %s", err, tc.field)
				}
			case tc.forbid:
				if !errors.Is(err, auth.ErrForbidden) {
					t.Fatalf("err = %v; want forbidden", err)
				}
			case tc.notFound:
				if !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("err = %v; want not found", err)
				}
			}
		})
	}
	t.Run("nothing is left behind", func(t *testing.T) {
		if n := e.count("SELECT COUNT(*) FROM documents"); n != 0 {
			t.Fatalf("document rows = %d, want 0", n)
		}
		if keys := e.objectKeys(); len(keys) != 0 {
			t.Fatalf("objects left: %v", keys)
		}
	})
	t.Run("a file exactly at the limit passes", func(t *testing.T) {
		exact := append(pdfBytes("x"), bytes.Repeat([]byte("y"), 1024-len(pdfBytes("x")))...)
		d, err := e.svc.Upload(ctx, e.principal("zhongjie1"), r.ID, docs.FinalReport, false, "报告.pdf", bytes.NewReader(exact), 0)
		if err != nil || d.Size != 1024 {
			t.Fatalf("exact-limit upload: %v size %d", err, d.Size)
		}
	})
}

func TestDelegationEndsAccess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-003", "zhongjie1")
	firm := e.principal("zhongjie1")
	d, err := e.svc.Upload(ctx, firm, r.ID, docs.DraftReport, false, "审核报告(初稿).pdf", bytes.NewReader(pdfBytes("初稿")), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, rc, err := e.svc.Open(ctx, firm, d.ID, docs.ActionDownload, ""); err != nil {
		t.Fatalf("delegated firm cannot download: %v", err)
	} else {
		rc.Close()
	}
	e.setFirm(r.ID, e.principal("zhongjie3").OrgID)

	cases := []struct {
		name string
		user string
		ok   bool
	}{
		{"the firm whose delegation ended", "zhongjie1", false},
		{"the newly delegated firm", "zhongjie3", true},
		{"the unit", "jianshe", true},
		{"a unit of another county", "jianshe2", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, rc, err := e.svc.Open(ctx, e.principal(tc.user), d.ID, docs.ActionDownload, "")
			if tc.ok {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				rc.Close()
				return
			}
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("err = %v; want not found", err)
			}
			if _, err := e.svc.Upload(ctx, e.principal(tc.user), r.ID, docs.Survey, false, "a.pdf", bytes.NewReader(pdfBytes("a")), 0); tc.user == "zhongjie1" && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("upload err = %v; want not found", err)
			}
		})
	}
}

// deadObjects is an object store at a closed port.
func deadObjects(t *testing.T) *docs.ObjectStore {
	t.Helper()
	cl, err := minio.New("127.0.0.1:1", &minio.Options{Creds: credentials.NewStaticV4("minioadmin", "minioadmin", ""), MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &docs.ObjectStore{Client: cl, Bucket: "gone"}
}

func TestStorageUnavailable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-004", "")
	unit := e.principal("jianshe")
	good, err := e.svc.Upload(ctx, unit, r.ID, docs.Submission, false, "a.pdf", bytes.NewReader(pdfBytes("a")), 0)
	if err != nil {
		t.Fatal(err)
	}
	down := docs.NewService(e.s, deadObjects(t), time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))

	t.Run("upload answers 503 and leaves no row", func(t *testing.T) {
		_, err := down.Upload(ctx, unit, r.ID, docs.Submission, false, "b.pdf", bytes.NewReader(pdfBytes("b")), 0)
		if !errors.Is(err, docs.ErrStorageUnavailable) || docs.ErrStorageUnavailable.HTTPStatus() != 503 {
			t.Fatalf("err = %v; want storage unavailable", err)
		}
		if n := e.count("SELECT COUNT(*) FROM documents WHERE review_id = ?", r.ID); n != 1 {
			t.Fatalf("document rows = %d, want only the earlier one", n)
		}
	})
	t.Run("download answers 503 and logs nothing", func(t *testing.T) {
		_, _, err := down.Open(ctx, unit, good.ID, docs.ActionDownload, "")
		if !errors.Is(err, docs.ErrStorageUnavailable) {
			t.Fatalf("err = %v; want storage unavailable", err)
		}
		if n := e.count("SELECT COUNT(*) FROM document_access"); n != 0 {
			t.Fatalf("access rows = %d", n)
		}
	})
}

func TestSweep(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-005", "")
	kept, err := e.svc.Upload(ctx, e.principal("jianshe"), r.ID, docs.Submission, false, "a.pdf", bytes.NewReader(pdfBytes("a")), 0)
	if err != nil {
		t.Fatal(err)
	}
	// A crashed upload: pending row and its object; and an object with no row.
	crashed := "reviews/1/00000000000000000000000000000001"
	if _, err := e.s.InsertPendingDocument(ctx, store.Document{ReviewID: r.ID, Category: docs.Submission, Name: "b.pdf",
		ObjectKey: crashed, CreatedAt: time.Now().Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	orphan := "reviews/1/00000000000000000000000000000002"
	for _, k := range []string{crashed, orphan} {
		if err := e.objects.Put(ctx, k, strings.NewReader("partial"), 7, "application/pdf"); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.svc.Sweep(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("counts", func(t *testing.T) {
		if res.PendingRows != 1 || res.OrphanObjects != 1 {
			t.Fatalf("sweep = %+v; want 1 pending row and 1 orphan", res)
		}
	})
	t.Run("only the committed document remains", func(t *testing.T) {
		keys := e.objectKeys()
		if len(keys) != 1 || keys[0] != kept.ObjectKey {
			t.Fatalf("objects = %v; want only %s", keys, kept.ObjectKey)
		}
		if n := e.count("SELECT COUNT(*) FROM documents"); n != 1 {
			t.Fatalf("rows = %d", n)
		}
	})
	t.Run("a recent pending row is left alone", func(t *testing.T) {
		if _, err := e.s.InsertPendingDocument(ctx, store.Document{ReviewID: r.ID, Category: docs.Submission, Name: "c.pdf",
			ObjectKey: "reviews/1/00000000000000000000000000000003", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Sweep(ctx, time.Hour)
		if err != nil || res.PendingRows != 0 {
			t.Fatalf("sweep = %+v, %v", res, err)
		}
	})
}

func TestSurveyPhotoThumbnailAndEXIF(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-006", "zhongjie1")
	firm := e.principal("zhongjie1")
	img := photo(t, 800, 600, "2026:03:05 10:20:30")
	d, err := e.svc.Upload(ctx, firm, r.ID, docs.Survey, false, "现场踏勘-东立面.jpg", bytes.NewReader(img), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("exif date", func(t *testing.T) {
		want := time.Date(2026, 3, 5, 10, 20, 30, 0, time.FixedZone("CST", 8*3600))
		if !d.TakenAt.Valid || !d.TakenAt.Time.Equal(want) {
			t.Fatalf("taken at %v; want %v", d.TakenAt, want)
		}
		stored, err := e.s.Document(ctx, d.ID)
		if err != nil || !stored.TakenAt.Valid || !stored.TakenAt.Time.Equal(want) {
			t.Fatalf("stored taken at %v, %v", stored.TakenAt, err)
		}
	})
	t.Run("thumbnail is a 320px jpeg", func(t *testing.T) {
		if d.ThumbKey == "" {
			t.Fatal("no thumbnail")
		}
		_, rc, err := e.svc.Open(ctx, firm, d.ID, docs.ActionThumbnail, "")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		cfg, err := jpeg.DecodeConfig(rc)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Width != 320 || cfg.Height != 240 {
			t.Fatalf("thumbnail %dx%d; want 320x240", cfg.Width, cfg.Height)
		}
	})
	t.Run("a pdf survey record has no thumbnail", func(t *testing.T) {
		d, err := e.svc.Upload(ctx, firm, r.ID, docs.Survey, false, "踏勘记录.pdf", bytes.NewReader(pdfBytes("踏勘")), 0)
		if err != nil || d.ThumbKey != "" {
			t.Fatalf("err %v thumb %q", err, d.ThumbKey)
		}
	})
}
