package web

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/store"
)

// apiDocuments registers the documents and papers API.
func (a *App) apiDocuments(r fiber.Router) {
	r.Post("/reviews/:id/documents", a.apiUploadDocument)
	r.Get("/reviews/:id/documents", a.apiListDocuments)
	r.Get("/reviews/:id/papers", a.apiReviewPapers)
	r.Get("/documents/:id", a.apiDocument)
	r.Get("/documents/:id/content", a.apiDocumentContent)
	r.Get("/documents/:id/versions", a.apiDocumentVersions)
	r.Get("/documents/:id/access", a.apiDocumentAccess)
	r.Get("/papers", a.apiSearchPapers)
	r.Post("/papers/:id/void", a.apiVoidPaper)
}

// docsCall is how a handler on one document or paper starts: the signed-in
// principal, the documents service and the route's id.
func (a *App) docsCall(c *fiber.Ctx) (auth.Principal, *docs.Service, int64, error) {
	p, err := mustPrincipal(c)
	if err != nil {
		return p, nil, 0, err
	}
	svc, err := a.docsService()
	if err != nil {
		return p, nil, 0, err
	}
	id, err := idParam(c, "id")
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
	CSRF         string
}

// streamUpload reads the multipart body part by part straight from the
// request stream (never c.FormFile or c.MultipartForm, which buffer): the
// small fields first, then the file, which is handed to the document
// service as a reader. Fields after the file are ignored.
func (a *App) streamUpload(c *fiber.Ctx, p auth.Principal, reviewID int64) (store.Document, uploadForm, error) {
	var form uploadForm
	svc, err := a.docsService()
	if err != nil {
		return store.Document{}, form, err
	}
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return store.Document{}, form, &statusErr{status: 400, code: "bad_request", msg: "请以 multipart/form-data 方式上传文件"}
	}
	body := a.uploadBody(c)
	// A large read buffer: multipart reuses a *bufio.Reader this big instead
	// of its own 4 KiB one, so a big file moves in few, large reads.
	body = bufio.NewReaderSize(body, 1<<20)
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return store.Document{}, form, docsField("file", "请选择要上传的文件")
		}
		if err != nil {
			return store.Document{}, form, badRequest("上传内容格式有误: " + err.Error())
		}
		name := part.FormName()
		if name == "file" || part.FileName() != "" {
			if form.Category == "" {
				part.Close()
				return store.Document{}, form, docsField("category", "请先选择资料类别(category 字段须在文件之前)")
			}
			if !docs.ValidCategory(form.Category) {
				part.Close()
				return store.Document{}, form, docsField("category", "未知的资料类别: "+form.Category)
			}
			filename := part.FileName()
			if filename == "" {
				filename = "未命名文件"
			}
			doc, err := svc.UploadFile(c.UserContext(), p, docs.UploadInput{ReviewID: reviewID, Category: form.Category,
				SignedSealed: form.SignedSealed, Filename: filename, Body: part})
			part.Close()
			if err != nil {
				c.Set(fiber.HeaderConnection, "close") // the rest of the body is not read
				return doc, form, err
			}
			// Read what follows the file (closing boundary, chunked
			// terminator) so the connection can serve the next request;
			// anything large after the file is not ours to read.
			if n, _ := io.Copy(io.Discard, io.LimitReader(body, 1<<16)); n == 1<<16 {
				c.Set(fiber.HeaderConnection, "close")
			}
			return doc, form, nil
		}
		v, err := io.ReadAll(io.LimitReader(part, 4096))
		part.Close()
		if err != nil {
			return store.Document{}, form, badRequest("上传内容格式有误: " + err.Error())
		}
		val := strings.TrimSpace(string(v))
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
				return store.Document{}, form, docsField("signed_sealed", "signed_sealed 应为 true 或 false")
			}
		case "_csrf":
			form.CSRF = val
		}
	}
}

// docsFieldError is a 422 on one upload field raised by the web layer.
type docsFieldError struct{ field, msg string }

func (e *docsFieldError) Error() string { return e.msg }
func (e *docsFieldError) Field() string { return e.field }

func docsField(field, msg string) error { return &docsFieldError{field: field, msg: msg} }

func (a *App) apiUploadDocument(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	doc, _, err := a.streamUpload(c, p, id)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(fiber.Map{"id": strconv.FormatInt(doc.ID, 10), "sha256": doc.SHA256, "size": doc.Size,
		"name": doc.Name, "category": doc.Category, "version": doc.Version, "content_type": doc.ContentType})
}

func documentJSON(d store.Document) fiber.Map {
	m := fiber.Map{
		"id": strconv.FormatInt(d.ID, 10), "review_id": strconv.FormatInt(d.ReviewID, 10),
		"category": d.Category, "category_label": docs.CategoryLabel(d.Category), "name": d.Name, "version": d.Version,
		"size": d.Size, "sha256": d.SHA256, "content_type": d.ContentType, "signed_sealed": d.SignedSealed,
		"uploader": d.UploaderName, "created_at": d.CreatedAt.In(shanghai).Format(time.RFC3339),
		"content_url": "/api/v1/documents/" + strconv.FormatInt(d.ID, 10) + "/content",
		"thumbnail":   d.ThumbKey != "", "taken_at": nil,
	}
	if d.TakenAt.Valid {
		m["taken_at"] = d.TakenAt.Time.In(shanghai).Format(time.RFC3339)
	}
	return m
}

func (a *App) apiListDocuments(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	pg := pageParams(c)
	if c.Query("per_page") != "" {
		if n, err := strconv.Atoi(c.Query("per_page")); err == nil && n > 0 && n <= 500 {
			pg.Size = n
		}
	}
	list, total, err := svc.List(c.UserContext(), p, id, store.DocumentFilter{Category: c.Query("category"),
		LatestOnly: c.Query("latest") == "true", Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	items := make([]fiber.Map, 0, len(list))
	for _, d := range list {
		items = append(items, documentJSON(d))
	}
	return c.JSON(fiber.Map{"items": items, "total": total})
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

func (a *App) apiDocumentVersions(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	list, err := svc.Versions(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	items := make([]fiber.Map, 0, len(list))
	for _, d := range list {
		items = append(items, documentJSON(d))
	}
	return c.JSON(fiber.Map{"items": items, "total": len(items)})
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
	items := make([]fiber.Map, 0, len(list))
	for _, x := range list {
		items = append(items, fiber.Map{"user_id": strconv.FormatInt(x.UserID, 10), "user": x.UserName, "action": x.Action,
			"ip": x.IP, "at": x.At.In(shanghai).Format(time.RFC3339)})
	}
	return c.JSON(fiber.Map{"items": items, "total": len(items)})
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

func sendStream(c *fiber.Ctx, d store.Document, rc io.ReadCloser, action string) error {
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

// ContentDisposition builds a header value with an ASCII fallback name
// (filename="____(__).pdf") and the UTF-8 name in RFC 5987 form
// (filename* with the UTF-8 charset and every non-ASCII byte as %XX).
func ContentDisposition(kind, name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '\\' || r == ';' || r == '%':
			ascii.WriteByte('_')
		case r >= 0x20 && r < 0x7f:
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	fallback := ascii.String()
	if strings.Trim(fallback, "_. ") == "" {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i >= 0 && utf8.ValidString(name[i:]) && isASCII(name[i:]) {
			ext = name[i:]
		}
		fallback = "document" + ext
	}
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, fallback, rfc5987(name))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// rfc5987 percent-encodes every byte but RFC 5987's attr-char.
func rfc5987(s string) string {
	const attr = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(attr, ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

func paperJSON(pp store.Paper) fiber.Map {
	m := fiber.Map{"id": strconv.FormatInt(pp.ID, 10), "review_id": strconv.FormatInt(pp.ReviewID, 10), "kind": pp.Kind,
		"kind_label": docs.PaperLabel(pp.Kind), "number": pp.DocNumber, "serial": pp.Number, "year": pp.Year,
		"document_id": nil, "issued_at": pp.IssuedAt.In(shanghai).Format(time.RFC3339), "issued_by": pp.IssuedByName,
		"project_name": pp.ProjectName, "voided": pp.Voided(), "void_reason": nil, "voided_at": nil,
		"pdf_url": "/papers/" + strconv.FormatInt(pp.ID, 10) + ".pdf"}
	if pp.DocumentID != 0 {
		m["document_id"] = strconv.FormatInt(pp.DocumentID, 10)
	}
	if pp.Voided() {
		m["void_reason"] = pp.VoidReason
		m["voided_at"] = pp.VoidedAt.Time.In(shanghai).Format(time.RFC3339)
	}
	return m
}

func (a *App) apiReviewPapers(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.store.Review(c.UserContext(), p.Scope(), id); err != nil {
		return err
	}
	list, err := a.store.Papers(c.UserContext(), id)
	if err != nil {
		return err
	}
	items := make([]fiber.Map, 0, len(list))
	for _, pp := range list {
		items = append(items, paperJSON(pp))
	}
	return c.JSON(fiber.Map{"items": items, "total": len(items)})
}

func (a *App) apiSearchPapers(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	svc, err := a.docsService()
	if err != nil {
		return err
	}
	pg := pageParams(c)
	list, total, err := svc.SearchPapers(c.UserContext(), p, store.PaperFilter{DocNumber: strings.TrimSpace(c.Query("q")),
		Kind: c.Query("kind"), Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	items := make([]fiber.Map, 0, len(list))
	for _, pp := range list {
		items = append(items, paperJSON(pp))
	}
	return c.JSON(fiber.Map{"items": items, "total": total})
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
