package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/input"
)

// docsCall is how a handler on one document or paper starts: the signed-in
// principal, the documents service and the route's id.
func (a *App) docsCall(c *fiber.Ctx) (auth.Principal, *docs.Service, int64, error) {
	p, id, err := signedInRow(c)
	if err != nil {
		return p, nil, 0, err
	}
	svc, err := a.docsService()
	return p, svc, id, err
}

func (a *App) docsService() (*docs.Service, error) {
	if a.svc.Docs == nil {
		return nil, docs.ErrStorageUnavailable
	}
	return a.svc.Docs, nil
}

// uploadForm is what a streamed multipart upload carried besides the file.
type uploadForm struct {
	Category     string
	SignedSealed bool
	// Filename is the file's own name, as the client sent it.
	Filename string
}

// streamUpload reads the multipart body part by part straight from the
// request stream (never c.FormFile or c.MultipartForm, which buffer): the
// small fields first, then the file, which is handed to the document
// service as a reader. Fields after the file are ignored.
func (a *App) streamUpload(c *fiber.Ctx, p auth.Principal, reviewID int64) (docs.Document, uploadForm, error) {
	var form uploadForm
	svc, err := a.docsService()
	if err != nil {
		return docs.Document{}, form, err
	}
	parts, err := a.uploadParts(c)
	if err != nil {
		return docs.Document{}, form, err
	}
	form, part, err := readUploadParts(parts.Reader)
	if err != nil {
		return docs.Document{}, form, err
	}
	file := &filePart{part: part, body: parts.body, raw: parts.raw, declared: int64(c.Request().Header.ContentLength())}
	doc, err := svc.UploadFile(c.UserContext(), p, docs.UploadInput{ReviewID: reviewID, Category: form.Category,
		SignedSealed: form.SignedSealed, Filename: form.Filename, Body: file})
	part.Close()
	if err != nil {
		c.Set(fiber.HeaderConnection, "close") // the rest of the body is not read
		return doc, form, err
	}
	// Read what follows the file (closing boundary, chunked terminator) so
	// the connection can serve the next request; anything large after the
	// file is not ours to read.
	if n, _ := io.Copy(io.Discard, io.LimitReader(parts.body, 1<<16)); n == 1<<16 {
		c.Set(fiber.HeaderConnection, "close")
	}
	return doc, form, nil
}

// readUploadParts reads a multipart upload up to its file: the small
// fields before it (category, signed_sealed; at most 4 KiB each, others
// ignored) and the file's part, left unread for the caller to
// stream and close. Every error is a client's: a field error (422) or a
// malformed body (400).
func readUploadParts(mr *multipart.Reader) (uploadForm, *multipart.Part, error) {
	var form uploadForm
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil, errors.Join(form.categoryErr(), fieldErr("file", "请选择要上传的文件"))
		}
		if err != nil {
			return form, nil, badRequest("上传内容格式有误: " + err.Error())
		}
		name := part.FormName()
		if name == "file" || part.FileName() != "" {
			if err := form.categoryErr(); err != nil {
				part.Close()
				if strings.TrimSpace(part.FileName()) == "" {
					err = errors.Join(err, fieldErr("file", "请选择要上传的文件"))
				}
				return form, nil, err
			}
			form.Filename = strings.TrimSpace(part.FileName())
			if form.Filename == "" {
				form.Filename = "未命名文件"
			}
			if err := input.Line("file", form.Filename, 255); err != nil {
				part.Close()
				return form, nil, err
			}
			return form, part, nil
		}
		v, err := io.ReadAll(io.LimitReader(part, 4096))
		part.Close()
		if err != nil {
			return form, nil, badRequest("上传内容格式有误: " + err.Error())
		}
		val := strings.TrimSpace(string(v))
		if err := input.Line(fieldLabel(name), val, 0); err != nil {
			return form, nil, err
		}
		switch name {
		case "category":
			form.Category = val
		case "signed_sealed":
			switch strings.ToLower(val) {
			case "true", "1", "on", "yes":
				form.SignedSealed = true
			case "false", "0", "off", "no", "":
				form.SignedSealed = false
			default:
				return form, nil, fieldErr("signed_sealed", "signed_sealed 应为 true 或 false")
			}
		}
	}
}

// countingReader counts the bytes of the request body read so far.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// filePart is the file of an upload as the document service reads it. It
// ends with io.EOF only when the request arrived whole: the part ended at
// its boundary, the part's own Content-Length (if it declares one) matches
// its bytes, and the request body, read to its end, is as long as its
// Content-Length says (fasthttp reports a connection the client closed
// early as a plain end of the body). Anything else is an error, which
// makes the service drop the upload.
type filePart struct {
	part     *multipart.Part
	body     io.Reader       // the buffered request body the parts come from
	raw      *countingReader // beneath body: what arrived
	declared int64           // the request's Content-Length; < 0 when none (chunked)
	n        int64
	err      error
}

func (f *filePart) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.part.Read(p)
	f.n += int64(n)
	switch {
	case err == io.EOF:
		if ferr := f.finish(); ferr != nil {
			f.err = ferr
			return n, ferr
		}
	case err != nil:
		f.err = fmt.Errorf("upload body: %w", err)
		return n, f.err
	}
	return n, err
}

// finish checks the declared sizes once the part has ended.
func (f *filePart) finish() error {
	if v := f.part.Header.Get("Content-Length"); v != "" {
		if want, err := strconv.ParseInt(v, 10, 64); err != nil || want != f.n {
			return fmt.Errorf("file part of %d bytes declares Content-Length %q", f.n, v)
		}
	}
	// What follows the file is the closing boundary and perhaps a few
	// fields: read it to the end of the body to learn whether all came.
	m, err := io.Copy(io.Discard, io.LimitReader(f.body, 1<<16))
	if err != nil {
		return fmt.Errorf("upload body after the file: %w", err)
	}
	if m < 1<<16 && f.declared >= 0 && f.raw.n != f.declared {
		return fmt.Errorf("body of %d bytes declares Content-Length %d", f.raw.n, f.declared)
	}
	return nil
}

// categoryErr refuses an upload's category when the file comes: none
// given before it, or one unknown.
func (f uploadForm) categoryErr() error {
	switch {
	case f.Category == "":
		return fieldErr("category", "请先选择资料类别(category 字段须在文件之前)")
	case !docs.ValidCategory(f.Category):
		return fieldErr("category", "未知的资料类别")
	}
	return nil
}

func (a *App) apiUploadDocument(c *fiber.Ctx) error {
	p, id, err := signedInRow(c)
	if err != nil {
		return err
	}
	doc, _, err := a.streamUpload(c, p, id)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(fiber.Map{"id": idText(doc.ID), "sha256": doc.SHA256, "size": doc.Size,
		"name": doc.Name, "category": doc.Category, "version": doc.Version, "content_type": doc.ContentType})
}

func documentJSON(d docs.Document) fiber.Map {
	m := fiber.Map{
		"id": idText(d.ID), "review_id": idText(d.ReviewID),
		"category": d.Category, "category_label": docs.CategoryLabel(d.Category), "name": d.Name, "version": d.Version,
		"size": d.Size, "sha256": d.SHA256, "content_type": d.ContentType, "signed_sealed": d.SignedSealed,
		"uploader": d.UploaderName, "created_at": apiTime(d.CreatedAt),
		"content_url": "/api/v1/documents/" + idText(d.ID) + "/content",
		"thumbnail":   d.ThumbKey != "", "taken_at": nil, "official": d.Official,
	}
	if d.TakenAt.Valid {
		m["taken_at"] = apiTime(d.TakenAt.Time)
	}
	return m
}

func (a *App) apiListDocuments(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	list, total, err := svc.List(c.UserContext(), p, id, docs.DocumentFilter{Category: c.Query("category"),
		LatestOnly: c.Query("latest") == "true", Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	return sendList(c, list, total, documentJSON)
}

func (a *App) apiDocument(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	d, err := svc.Document(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	return c.JSON(documentJSON(d))
}

func (a *App) apiDocumentContent(c *fiber.Ctx) error {
	return a.sendDocument(c, docs.ActionDownload)
}

// documentVersions is docsCall and every version of the route's document.
func (a *App) documentVersions(c *fiber.Ctx) (auth.Principal, *docs.Service, int64, []docs.Document, error) {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return p, svc, id, nil, err
	}
	list, err := svc.Versions(c.UserContext(), p, id)
	return p, svc, id, list, err
}

func (a *App) apiDocumentVersions(c *fiber.Ctx) error {
	_, _, _, list, err := a.documentVersions(c)
	if err != nil {
		return err
	}
	return sendList(c, list, len(list), documentJSON)
}

func (a *App) apiDocumentAccess(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	list, err := svc.Accesses(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	return sendList(c, list, len(list), func(x docs.DocumentAccess) fiber.Map {
		return fiber.Map{"user_id": idText(x.UserID), "user": x.UserName, "action": x.Action,
			"ip": x.IP, "at": apiTime(x.At)}
	})
}

// sendDocument authorizes, logs and streams a document's bytes (or its
// thumbnail) with a Content-Disposition that survives Chinese names.
func (a *App) sendDocument(c *fiber.Ctx, action string) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	d, rc, err := svc.Open(c.UserContext(), p, id, action, clientIP(c))
	if err != nil {
		return err
	}
	return sendStream(c, d, rc, action)
}

func sendStream(c *fiber.Ctx, d docs.Document, rc io.ReadCloser, action string) error {
	ct, size, disposition := d.ContentType, d.Size, "attachment"
	switch action {
	case docs.ActionThumbnail:
		ct, size, disposition = "image/jpeg", -1, "inline"
	case docs.ActionView:
		disposition = "inline"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderContentDisposition, ContentDisposition(disposition, d.Name))
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if d.SHA256 != "" && action != docs.ActionThumbnail {
		c.Set("X-Checksum-Sha256", d.SHA256)
	}
	if size < 0 {
		size = -1
	}
	c.Status(200)
	c.Context().SetBodyStream(rc, int(size))
	return nil
}

func paperJSON(pp docs.Paper) fiber.Map {
	m := fiber.Map{"id": idText(pp.ID), "review_id": idText(pp.ReviewID), "kind": pp.Kind,
		"kind_label": docs.PaperLabel(pp.Kind), "number": pp.DocNumber, "serial": pp.Number, "year": pp.Year,
		"document_id": nil, "issued_at": apiTime(pp.IssuedAt), "issued_by": pp.IssuedByName,
		"project_name": pp.ProjectName, "voided": pp.Voided(), "void_reason": nil, "voided_at": nil,
		"pdf_url": "/papers/" + idText(pp.ID) + ".pdf"}
	if pp.DocumentID != 0 {
		m["document_id"] = idText(pp.DocumentID)
	}
	// pdf_status: ready, pending (not rendered yet), or failed (parked
	// after repeated failures; staff must act).
	switch {
	case pp.DocumentID != 0:
		m["pdf_status"] = "ready"
	case pp.RenderParked():
		m["pdf_status"] = "failed"
	default:
		m["pdf_status"] = "pending"
	}
	m["render_attempts"] = pp.RenderAttempts
	if pp.Voided() {
		m["void_reason"] = pp.VoidReason
		m["voided_at"] = apiTime(pp.VoidedAt.Time)
	}
	return m
}

func (a *App) apiReviewPapers(c *fiber.Ctx) error {
	p, id, err := signedInRow(c)
	if err != nil {
		return err
	}
	list, err := a.svc.Reviews.Papers(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	return sendList(c, list, len(list), paperJSON)
}

// paperSearchCall is how a search of the papers starts: the signed-in
// principal (the service scopes what they see), the documents service and
// the page asked for.
func (a *App) paperSearchCall(c *fiber.Ctx) (auth.Principal, *docs.Service, paging, error) {
	p, err := mustPrincipal(c)
	if err != nil {
		return p, nil, paging{}, err
	}
	svc, err := a.docsService()
	if err != nil {
		return p, nil, paging{}, err
	}
	pg, err := pageParams(c)
	return p, svc, pg, err
}

func (a *App) apiSearchPapers(c *fiber.Ctx) error {
	p, svc, pg, err := a.paperSearchCall(c)
	if err != nil {
		return err
	}
	list, total, err := svc.SearchPapers(c.UserContext(), p, docs.PaperFilter{DocNumber: strings.TrimSpace(c.Query("q")),
		Kind: c.Query("kind"), Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	return sendList(c, list, total, paperJSON)
}

func (a *App) apiVoidPaper(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	pp, err := svc.VoidPaper(c.UserContext(), p, id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(paperJSON(pp))
}
