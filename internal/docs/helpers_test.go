package docs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

// env is a fresh database with the demo city, a fresh bucket and the service.
type env struct {
	t       *testing.T
	s       *store.Store
	objects *docs.ObjectStore
	svc     *docs.Service
	demo    map[string]int64 // project code → id
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s := testenv.DB(t)
	seeded := testenv.Demo(t, s)
	objects := testenv.Objects(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &env{t: t, s: s, objects: objects, svc: docs.NewService(s, objects, time.Now, log), demo: seeded.Projects}
}

// principal is the demo user's principal.
func (e *env) principal(username string) auth.Principal {
	e.t.Helper()
	u, err := e.s.UserByUsername(context.Background(), username)
	if err != nil {
		e.t.Fatalf("user %s: %v", username, err)
	}
	return auth.FromUser(u)
}

// review creates a review of a demo project, delegated to firmUser's firm
// when firmUser is not empty.
func (e *env) review(code, firmUser string) store.Review {
	e.t.Helper()
	ctx := context.Background()
	pid, ok := e.demo[code]
	if !ok {
		e.t.Fatalf("no demo project %s", code)
	}
	proj, err := e.s.Project(ctx, store.Scope{All: true}, pid)
	if err != nil {
		e.t.Fatal(err)
	}
	id, err := e.s.InsertReview(ctx, store.Review{ProjectID: pid, Kind: "settlement", JurisdictionID: proj.JurisdictionID,
		UnitOrgID: proj.UnitOrgID, SubmittedAmount: decimal.RequireFromString("8650000.00")})
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.s.Review(ctx, store.Scope{All: true}, id)
	if err != nil {
		e.t.Fatal(err)
	}
	if firmUser != "" {
		ch := r.Change()
		ch.State = workflow.InReview
		ch.FirmID = e.principal(firmUser).OrgID
		ch.DelegatedAt = sql.NullTime{Time: time.Now(), Valid: true}
		if err := e.s.UpdateReview(ctx, id, r.Version, ch, time.Now()); err != nil {
			e.t.Fatal(err)
		}
		if r, err = e.s.Review(ctx, store.Scope{All: true}, id); err != nil {
			e.t.Fatal(err)
		}
	}
	return r
}

// setFirm changes the review's firm (0 ends the delegation).
func (e *env) setFirm(id, firmID int64) {
	e.t.Helper()
	ctx := context.Background()
	r, err := e.s.Review(ctx, store.Scope{All: true}, id)
	if err != nil {
		e.t.Fatal(err)
	}
	ch := r.Change()
	ch.FirmID = firmID
	if firmID == 0 {
		ch.State = workflow.Accepted
	}
	if err := e.s.UpdateReview(ctx, id, r.Version, ch, time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// count runs a COUNT(*) query.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.s.DB.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// objectKeys lists every object in the bucket.
func (e *env) objectKeys() []string {
	e.t.Helper()
	var keys []string
	for o := range e.objects.Client.ListObjects(context.Background(), e.objects.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			e.t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

func pdfBytes(text string) []byte {
	return []byte("%PDF-1.4\n% " + text + "\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// photo is a w×h JPEG carrying an EXIF DateTimeOriginal.
func photo(t *testing.T, w, h int, taken string) []byte {
	t.Helper()
	return orientedPhoto(t, w, h, taken, 0)
}

// orientedPhoto is photo with an EXIF Orientation too (none when 0).
func orientedPhoto(t *testing.T, w, h int, taken string, orientation uint16) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	// TIFF: header, IFD0 with the Exif IFD pointer, Exif IFD with 0x9003.
	var tiff bytes.Buffer
	le := binary.LittleEndian
	entries := uint32(1)
	if orientation != 0 {
		entries = 2
	}
	exifIFD := 8 + 2 + 12*entries + 4 // after the header and IFD0
	tiff.WriteString("II*\x00")
	_ = binary.Write(&tiff, le, uint32(8))
	_ = binary.Write(&tiff, le, uint16(entries))
	if orientation != 0 { // a SHORT, stored in the value field's first bytes
		_ = binary.Write(&tiff, le, []uint16{0x0112, 3})
		_ = binary.Write(&tiff, le, []uint32{1, uint32(orientation)})
	}
	_ = binary.Write(&tiff, le, []uint16{0x8769, 4})
	_ = binary.Write(&tiff, le, []uint32{1, exifIFD})
	_ = binary.Write(&tiff, le, uint32(0))
	_ = binary.Write(&tiff, le, uint16(1))
	_ = binary.Write(&tiff, le, []uint16{0x9003, 2})
	_ = binary.Write(&tiff, le, []uint32{20, exifIFD + 18})
	_ = binary.Write(&tiff, le, uint32(0))
	tiff.WriteString(taken + "\x00")
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, raw[2:]...)
}
