package docs

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/signature"
	"finreview/internal/store"
	"finreview/workflow"
)

// Service stores and serves review documents and the official papers:
// bytes in MinIO, metadata in MariaDB, committed only after MinIO has
// confirmed the object.
type Service struct {
	store   *store.Store
	objects *ObjectStore
	now     func() time.Time
	log     *slog.Logger
	limits  map[string]int64
	loc     *time.Location
	// writePDF lays out a paper (WritePDF; tests make it fail).
	writePDF func(io.Writer, Content) error
	// signer signs each issued paper's SM3 digest with SM2 (nil: unsigned).
	signer *signature.Signer
}

// SetSigner makes every paper rendered from now on carry an SM2 signature
// of its SM3 digest (FINREVIEW_SM2_KEY_FILE).
func (s *Service) SetSigner(sg *signature.Signer) { s.signer = sg }

// NewService builds the document service.
func NewService(s *store.Store, objects *ObjectStore, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{store: s, objects: objects, now: now, log: log, limits: map[string]int64{}, loc: calendar.Location(),
		writePDF: WritePDF}
}

// SetLimit overrides a category's size limit (configuration, before
// serving; tests use small limits).
func (s *Service) SetLimit(category string, limit int64) {
	s.limits[category] = limit
}

// Limit is the size limit in force for a category.
func (s *Service) Limit(category string) int64 {
	if n, ok := s.limits[category]; ok {
		return n
	}
	return DefaultLimit(category)
}

// Objects is the object store the service writes to.
func (s *Service) Objects() *ObjectStore { return s.objects }

// newKey is an object key that cannot collide or be guessed:
// reviews/<id>/<128 random bits in hex>.
func newKey(reviewID int64) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random key: %w", err)
	}
	return "reviews/" + strconv.FormatInt(reviewID, 10) + "/" + hex.EncodeToString(b), nil
}

// CleanName keeps the base name of an uploaded file, without path parts
// or control characters, at most 200 characters.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || (r >= 0x80 && r <= 0x9f) || bidiControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." || name == "/" {
		name = "未命名文件"
	}
	if utf8.RuneCountInString(name) > 200 {
		r := []rune(name)
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 20 {
			ext = ""
		}
		name = string(r[:200-utf8.RuneCountInString(ext)]) + ext
	}
	return name
}

// bidiControl reports the invisible direction marks and overrides that
// make "invoice\u202efdp.exe" display as "invoiceexe.pdf".
func bidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// UploadInput is one file to store.
type UploadInput struct {
	ReviewID     int64
	Category     string
	SignedSealed bool
	Filename     string
	Body         io.Reader
	// Limit caps the size below the category's limit (0: the category's).
	Limit int64
}

// Upload streams a file into the object store and records it: it checks
// the role may upload the category and sees the review, sniffs the type
// from the first bytes against the category's allow-list, writes a pending
// row, streams the bytes to MinIO (SHA-256 and size computed on the way,
// the size limit enforced while reading), then in one transaction marks the
// row committed with the next version of the name and writes the audit
// event. On any failure the object and the pending row are removed.
func (s *Service) Upload(ctx context.Context, p auth.Principal, reviewID int64, category string, signedSealed bool,
	filename string, r io.Reader, limit int64) (store.Document, error) {
	return s.UploadFile(ctx, p, UploadInput{ReviewID: reviewID, Category: category, SignedSealed: signedSealed,
		Filename: filename, Body: r, Limit: limit})
}

// UploadFile is Upload with its arguments in a struct.
func (s *Service) UploadFile(ctx context.Context, p auth.Principal, in UploadInput) (store.Document, error) {
	if !ValidCategory(in.Category) {
		return store.Document{}, fieldErr("category", "请选择有效的资料类别")
	}
	if !MayUpload(p.Role, in.Category) {
		return store.Document{}, auth.ErrForbidden
	}
	r, err := s.store.Review(ctx, p.Scope(), in.ReviewID)
	if err != nil {
		return store.Document{}, err
	}
	if !acceptsUploads(r.State) {
		return store.Document{}, errClosedReview
	}
	if p.Role == auth.Expert {
		if err := expertMayUpload(ctx, s.store, p, r); err != nil {
			return store.Document{}, err
		}
	}
	if in.Body == nil {
		return store.Document{}, fieldErr("file", "请选择要上传的文件")
	}
	limit := s.Limit(in.Category)
	if in.Limit > 0 && in.Limit < limit {
		limit = in.Limit
	}
	name := CleanName(in.Filename)

	head := make([]byte, SniffLen)
	n, err := readHead(in.Body, head)
	if err != nil {
		s.log.Warn("upload cut off", slog.Int64("review_id", in.ReviewID), slog.String("error", err.Error()))
		return store.Document{}, ErrUploadIncomplete
	}
	head = head[:n]
	if n == 0 {
		return store.Document{}, fieldErr("file", "文件为空")
	}
	ct, group := Sniff(head, name)
	if group == "" || !allows(in.Category, group) {
		return store.Document{}, errUnsupported(in.Category, ct, group)
	}
	name = NameForType(name, ct)
	if int64(n) > limit {
		return store.Document{}, errTooLarge(in.Category, limit)
	}
	body := &meter{r: io.MultiReader(bytes.NewReader(head), in.Body), limit: limit, sum: sha256.New()}
	return s.store1(ctx, p, in.ReviewID, in.Category, in.SignedSealed, name, ct, group, body, "document_upload")
}

// expertMayUpload: an expert uploads only to a review the expert was drawn
// for as a main expert (a reserve only sees it), while it is in expert
// re-review.
func expertMayUpload(ctx context.Context, st *store.Store, p auth.Principal, r store.Review) error {
	if _, err := st.DrawnExpertOfUser(ctx, r.ID, p.UserID); errors.Is(err, store.ErrNotFound) {
		return auth.ErrForbidden
	} else if err != nil {
		return err
	}
	if r.State != workflow.ExpertReview {
		return errConflict("评审不在专家复审阶段,不能上传专家复审意见")
	}
	return nil
}

// errClosedReview refuses an upload to a review whose file is closed.
var errClosedReview = errConflict("该评审任务已归档,案卷已封存,不能再上传资料")

// acceptsUploads reports whether documents may still be added to a review
// in st. An archived review's file is closed (DESIGN.md: process, then
// archive). A concluded or processed review still takes them: the unit's
// appeal evidence, the signed and sealed copies; a returned one too, for
// the resubmission.
func acceptsUploads(st workflow.State) bool { return st != workflow.Archived }

// readHead reads the first len(head) bytes of an upload, or all of a
// shorter one. Only a clean io.EOF ends it early: any other error,
// io.ErrUnexpectedEOF included, means the body was cut off.
func readHead(r io.Reader, head []byte) (int, error) {
	n := 0
	for n < len(head) {
		m, err := r.Read(head[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// errBodyCut ends the object store's read of an upload whose body broke
// off. The reader's own error is not passed on: minio-go takes
// io.ErrUnexpectedEOF (what a truncated multipart part returns) for the
// normal end of a short last part, and would store the fragment.
var errBodyCut = errors.New("upload body cut off")

// meter counts and hashes what passes through and fails past the limit.
type meter struct {
	r     io.Reader
	limit int64
	n     int64
	sum   hash.Hash
	// sm3 is the SM3 digest (GB/T 32905) kept beside SHA-256.
	sm3      hash.Hash
	exceeded bool
	readErr  error
}

var errOverLimit = errors.New("upload exceeds the size limit")

// sm3Sum is the hex SM3 digest of what was read.
func (m *meter) sm3Sum() string {
	if m.sm3 == nil {
		m.sm3 = sm3.New()
	}
	return hex.EncodeToString(m.sm3.Sum(nil))
}

func (m *meter) Read(p []byte) (int, error) {
	if m.exceeded {
		return 0, errOverLimit
	}
	// Read one byte past the limit so an exact-limit file passes.
	if rem := m.limit + 1 - m.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := m.r.Read(p)
	m.n += int64(n)
	if m.n > m.limit {
		m.exceeded = true
		return 0, errOverLimit
	}
	m.sum.Write(p[:n])
	if m.sm3 == nil {
		m.sm3 = sm3.New()
	}
	m.sm3.Write(p[:n])
	if err != nil && err != io.EOF {
		m.readErr = err
		return n, errBodyCut
	}
	return n, err
}

// store1 runs the pending → put → commit sequence of one object.
func (s *Service) store1(ctx context.Context, p auth.Principal, reviewID int64, category string, signed bool, name, ct, group string,
	body *meter, action string) (store.Document, error) {
	key, err := newKey(reviewID)
	if err != nil {
		return store.Document{}, err
	}
	doc := store.Document{ReviewID: reviewID, Category: category, Name: name, ObjectKey: key, ContentType: ct,
		SignedSealed: signed, UploaderID: p.UserID, CreatedAt: s.now()}
	id, err := s.store.InsertPendingDocument(ctx, doc)
	if err != nil {
		return store.Document{}, fmt.Errorf("record pending document: %w", err)
	}
	doc.ID = id
	// cleanup removes a failed upload: its pending row first, then its
	// objects, and those only once the row is known gone. When the commit's
	// outcome is unknown (the database went away during COMMIT) the row may
	// be committed: its objects stay, and the sweep removes whatever is
	// left pending later.
	cleanup := func(keys ...string) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		gone, err := s.store.DeletePendingDocument(cctx, id)
		if err != nil || !gone {
			if err != nil {
				s.log.Warn("remove pending document", slog.Int64("id", id), slog.String("error", err.Error()))
			}
			return
		}
		for _, k := range keys {
			if k == "" {
				continue
			}
			if err := s.objects.Delete(cctx, k); err != nil {
				s.log.Warn("remove object of failed upload", slog.String("key", k), slog.String("error", err.Error()))
			}
		}
	}

	if err := s.objects.Put(ctx, key, body, -1, ct); err != nil {
		cleanup(key)
		switch {
		case body.exceeded || errors.Is(err, errOverLimit):
			return store.Document{}, errTooLarge(category, body.limit)
		case body.readErr != nil:
			s.log.Warn("upload cut off", slog.Int64("review_id", reviewID), slog.String("error", body.readErr.Error()))
			return store.Document{}, ErrUploadIncomplete
		case ctx.Err() != nil:
			return store.Document{}, ctx.Err()
		}
		s.log.Error("object store put failed", slog.String("key", key), slog.String("error", err.Error()))
		return store.Document{}, ErrStorageUnavailable
	}
	if body.readErr != nil || body.exceeded {
		// The store took the object although the body failed: never commit it.
		cleanup(key)
		if body.exceeded {
			return store.Document{}, errTooLarge(category, body.limit)
		}
		s.log.Warn("upload cut off", slog.Int64("review_id", reviewID), slog.String("error", body.readErr.Error()))
		return store.Document{}, ErrUploadIncomplete
	}
	doc.Size = body.n
	doc.SHA256 = hex.EncodeToString(body.sum.Sum(nil))

	commit := store.DocumentCommit{Size: doc.Size, SHA256: doc.SHA256, SM3: body.sm3Sum(), ContentType: ct, At: s.now()}
	if group == groupImage {
		if cr, _ := rule(category); cr.thumbs {
			commit.ThumbKey, commit.TakenAt = s.photoExtras(ctx, key, ct)
			doc.ThumbKey, doc.TakenAt = commit.ThumbKey, commit.TakenAt
		}
	}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		// The review may have been archived while the bytes were sent: its
		// row stays locked until the commit, so archiving waits or wins.
		st, err := q.LockReviewState(ctx, reviewID)
		if err != nil {
			return fmt.Errorf("lock review %d: %w", reviewID, err)
		}
		if !acceptsUploads(st) {
			return errClosedReview
		}
		v, err := q.CommitDocument(ctx, id, commit)
		if err != nil {
			return fmt.Errorf("commit document: %w", err)
		}
		doc.Version = v
		_, err = audit.Append(ctx, q, commit.At, audit.Entry{ActorID: p.UserID, ActorName: actorName(p), Action: action,
			ReviewID: reviewID, ObjectType: "document", ObjectID: audit.ID(id),
			Detail: map[string]any{"category": category, "name": name, "version": v, "size": doc.Size,
				"sha256": doc.SHA256, "sm3": commit.SM3, "content_type": ct, "signed_sealed": signed}})
		return err
	})
	if err != nil {
		cleanup(key, commit.ThumbKey)
		return store.Document{}, err
	}
	doc.Status = store.DocumentCommitted
	doc.CommittedAt = sql.NullTime{Time: commit.At, Valid: true}
	return doc, nil
}

// photoExtras reads a stored photo back to make its thumbnail (a second
// object, turned upright by the EXIF orientation) and read its EXIF date;
// failures only cost the extras.
func (s *Service) photoExtras(ctx context.Context, key, ct string) (thumbKey string, takenAt sql.NullTime) {
	obj, err := s.objects.Get(ctx, key)
	if err != nil {
		return "", takenAt
	}
	defer obj.Close()
	var head bytes.Buffer
	var exif EXIF
	if ct == "image/jpeg" {
		exif, _ = ReadEXIF(io.TeeReader(io.LimitReader(obj, 256<<10), &head), s.loc)
		if !exif.Taken.IsZero() {
			takenAt = sql.NullTime{Time: exif.Taken, Valid: true}
		}
	}
	thumb, err := Thumbnail(io.MultiReader(&head, obj), exif.Orientation)
	if err != nil {
		s.log.Info("no thumbnail", slog.String("key", key), slog.String("error", err.Error()))
		return "", takenAt
	}
	tk := key + "-thumb"
	if err := s.objects.Put(ctx, tk, bytes.NewReader(thumb), int64(len(thumb)), "image/jpeg"); err != nil {
		s.log.Warn("store thumbnail", slog.String("key", tk), slog.String("error", err.Error()))
		return "", takenAt
	}
	return tk, takenAt
}

// actorName names a person in the document trail: a user with no name
// by role.
func actorName(p auth.Principal) string {
	return p.NameOr(p.Role.Label())
}

// Access actions recorded in document_access.
const (
	ActionDownload  = "download"
	ActionView      = "view"
	ActionThumbnail = "thumbnail"
)

// Open checks that the principal sees the document's review (a firm whose
// delegation ended no longer does), records the access in document_access
// and the audit trail, and returns the document and its bytes (or its
// thumbnail's, for ActionThumbnail). The caller closes the reader.
func (s *Service) Open(ctx context.Context, p auth.Principal, documentID int64, action, ip string) (store.Document, io.ReadCloser, error) {
	d, err := s.visible(ctx, p, documentID)
	if err != nil {
		return store.Document{}, nil, err
	}
	key := d.ObjectKey
	switch action {
	case ActionDownload, ActionView:
	case ActionThumbnail:
		if d.ThumbKey == "" {
			return store.Document{}, nil, store.ErrNotFound
		}
		key = d.ThumbKey
	default:
		return store.Document{}, nil, fmt.Errorf("unknown access action %q", action)
	}
	if _, err := s.objects.Stat(ctx, key); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			s.log.Error("document object missing", slog.Int64("id", d.ID), slog.String("key", key))
			return store.Document{}, nil, store.ErrNotFound
		}
		return store.Document{}, nil, ErrStorageUnavailable
	}
	obj, err := s.objects.Get(ctx, key)
	if err != nil {
		return store.Document{}, nil, ErrStorageUnavailable
	}
	at := s.now()
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		if p.UserID != 0 {
			if _, err := q.InsertDocumentAccess(ctx, store.DocumentAccess{DocumentID: d.ID, UserID: p.UserID, Action: action, IP: ip, At: at}); err != nil {
				return fmt.Errorf("record document access: %w", err)
			}
		}
		_, err := audit.Append(ctx, q, at, audit.Entry{ActorID: p.UserID, ActorName: actorName(p), Action: "document_" + action,
			ReviewID: d.ReviewID, ObjectType: "document", ObjectID: audit.ID(d.ID),
			Detail: map[string]any{"category": d.Category, "name": d.Name, "version": d.Version, "sha256": d.SHA256, "ip": ip}})
		return err
	})
	if err != nil {
		obj.Close()
		return store.Document{}, nil, err
	}
	return d, obj, nil
}

// visible loads a committed document whose review the principal may see.
func (s *Service) visible(ctx context.Context, p auth.Principal, documentID int64) (store.Document, error) {
	d, err := s.store.Document(ctx, documentID)
	if err != nil {
		return store.Document{}, err
	}
	if d.Status != store.DocumentCommitted {
		return store.Document{}, store.ErrNotFound
	}
	if _, err := s.store.Review(ctx, p.Scope(), d.ReviewID); err != nil {
		return store.Document{}, err
	}
	return d, nil
}

// Document returns a committed document's metadata if the principal sees its review.
func (s *Service) Document(ctx context.Context, p auth.Principal, documentID int64) (store.Document, error) {
	return s.visible(ctx, p, documentID)
}

// List returns a review's committed documents the principal may see.
func (s *Service) List(ctx context.Context, p auth.Principal, reviewID int64, f store.DocumentFilter) ([]store.Document, int, error) {
	if _, err := s.store.Review(ctx, p.Scope(), reviewID); err != nil {
		return nil, 0, err
	}
	if f.Category != "" && !ValidCategory(f.Category) {
		return nil, 0, fieldErr("category", "未知的资料类别")
	}
	return s.store.Documents(ctx, reviewID, f)
}

// Versions lists every version of a document's name, newest first.
func (s *Service) Versions(ctx context.Context, p auth.Principal, documentID int64) ([]store.Document, error) {
	if _, err := s.visible(ctx, p, documentID); err != nil {
		return nil, err
	}
	return s.store.DocumentVersions(ctx, documentID)
}

// Accesses lists a document's access log (review center and admin only).
func (s *Service) Accesses(ctx context.Context, p auth.Principal, documentID int64) ([]store.DocumentAccess, error) {
	if p.Role != auth.ReviewCenter && p.Role != auth.Admin {
		return nil, auth.ErrForbidden
	}
	if _, err := s.visible(ctx, p, documentID); err != nil {
		return nil, err
	}
	return s.store.DocumentAccesses(ctx, documentID, 200)
}

// SweepResult counts what a sweep removed.
type SweepResult struct {
	PendingRows   int
	OrphanObjects int
}

// Sweep removes pending rows older than olderThan with their objects
// (uploads that crashed or were cut off), and objects under reviews/ older
// than olderThan that no row refers to.
func (s *Service) Sweep(ctx context.Context, olderThan time.Duration) (SweepResult, error) {
	var res SweepResult
	cutoff := s.now().Add(-olderThan)
	for {
		stale, err := s.store.StalePendingDocuments(ctx, cutoff, 200)
		if err != nil {
			return res, fmt.Errorf("list stale uploads: %w", err)
		}
		for _, d := range stale {
			for _, k := range []string{d.ObjectKey, d.ThumbKey} {
				if k == "" {
					continue
				}
				if err := s.objects.Delete(ctx, k); err != nil {
					return res, ErrStorageUnavailable
				}
			}
			gone, err := s.store.DeletePendingDocument(ctx, d.ID)
			if err != nil {
				return res, fmt.Errorf("remove stale upload %d: %w", d.ID, err)
			}
			if gone {
				res.PendingRows++
			}
		}
		if len(stale) < 200 {
			break
		}
	}
	var batch []Object
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		keys := make([]string, len(batch))
		for i, o := range batch {
			keys[i] = o.Key
		}
		known, err := s.store.KnownObjectKeys(ctx, keys)
		if err != nil {
			return fmt.Errorf("look up object keys: %w", err)
		}
		for _, o := range batch {
			if known[o.Key] {
				continue
			}
			if err := s.objects.Delete(ctx, o.Key); err != nil {
				return ErrStorageUnavailable
			}
			res.OrphanObjects++
			s.log.Info("removed orphan object", slog.String("key", o.Key))
		}
		batch = batch[:0]
		return nil
	}
	var fnErr error
	err := s.objects.List(ctx, "reviews/", func(o Object) error {
		if o.LastModified.After(cutoff) {
			return nil
		}
		batch = append(batch, o)
		if len(batch) == 500 {
			fnErr = flush()
		}
		return fnErr
	})
	if fnErr != nil {
		return res, fnErr
	}
	if err != nil {
		s.log.Error("list objects for sweep", slog.String("error", err.Error()))
		return res, ErrStorageUnavailable
	}
	return res, flush()
}

// Maintain runs until ctx ends: every interval it renders papers whose PDF
// is still missing (say, MinIO was down when they were issued), and every
// hour it sweeps uploads pending for longer than sweepAfter and orphan
// objects. Errors are logged, never fatal; a panic in a step is logged and
// the loop goes on (a paper that keeps failing is parked, see
// MaxRenderAttempts).
func (s *Service) Maintain(ctx context.Context, interval, sweepAfter time.Duration) {
	if interval <= 0 {
		interval = time.Minute
	}
	render := time.NewTicker(interval)
	defer render.Stop()
	sweep := time.NewTicker(time.Hour)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-render.C:
			s.guard("render pending papers", func() {
				if err := s.RenderPending(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("render pending papers", slog.String("error", err.Error()))
				}
			})
		case <-sweep.C:
			s.guard("sweep documents", func() {
				res, err := s.Sweep(ctx, sweepAfter)
				if err != nil && ctx.Err() == nil {
					s.log.Warn("sweep documents", slog.String("error", err.Error()))
					return
				}
				if res.PendingRows+res.OrphanObjects > 0 {
					s.log.Info("swept documents", slog.Int("pending_rows", res.PendingRows), slog.Int("orphan_objects", res.OrphanObjects))
				}
			})
		}
	}
}

// guard runs one step of a background loop; a panic is logged with its
// stack instead of ending the process.
func (s *Service) guard(step string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("background step panicked", slog.String("step", step), slog.Any("panic", v),
				slog.String("stack", string(debug.Stack())))
		}
	}()
	fn()
}
