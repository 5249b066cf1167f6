package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/bytesize"
	"finreview/internal/docs"
	"finreview/internal/review"
)

type documentRow struct {
	docs.Document
	CategoryLabel string
	SizeText      string
	ShortSHA      string
	TakenText     string
}

type paperRow struct {
	docs.Paper
	KindLabel string
}

func documentRows(list []docs.Document) []documentRow {
	out := make([]documentRow, 0, len(list))
	for _, d := range list {
		r := documentRow{Document: d, CategoryLabel: docs.CategoryLabel(d.Category), SizeText: bytesize.Text(d.Size)}
		if len(d.SHA256) >= 12 {
			r.ShortSHA = d.SHA256[:12]
		}
		if d.TakenAt.Valid {
			r.TakenText = d.TakenAt.Time.Format("2006-01-02 15:04")
		}
		out = append(out, r)
	}
	return out
}

// paperRows are papers with their kinds' names (nil for none).
func paperRows(list []docs.Paper) []paperRow {
	var out []paperRow
	for _, pp := range list {
		out = append(out, paperRow{Paper: pp, KindLabel: docs.PaperLabel(pp.Kind)})
	}
	return out
}

// documentsPage is a review's documents: upload form, list, photo
// gallery and the official papers.
func (a *App) documentsPage(c *fiber.Ctx) error {
	return a.renderDocuments(c, 200, newForm())
}

// voidState is a paper's refused void form: the reason as typed and the
// message shown next to it, in the row of that paper.
type voidState struct {
	PaperID       int64
	Reason, Error string
}

// renderDocuments shows the documents page; upload is the upload form as
// refused (or empty).
func (a *App) renderDocuments(c *fiber.Ctx, status int, upload *formState) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	return a.renderDocumentsOf(c, status, p, svc, id, upload, nil)
}

// renderDocumentsOf shows the documents page of review id; void is a
// refused void form (or nil).
func (a *App) renderDocumentsOf(c *fiber.Ctx, status int, p auth.Principal, svc *docs.Service, id int64, upload *formState, void *voidState) error {
	ctx := c.UserContext()
	r, err := a.svc.Reviews.Review(ctx, p, id)
	if err != nil {
		return err
	}
	category := c.Query("category")
	if category != "" && !docs.ValidCategory(category) {
		category = ""
	}
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	list, total, err := svc.List(ctx, p, id, docs.DocumentFilter{Category: category, Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	photos, _, err := svc.List(ctx, p, id, docs.DocumentFilter{Category: docs.Survey, LatestOnly: true, Limit: 200})
	if err != nil {
		return err
	}
	var gallery []documentRow
	for _, d := range documentRows(photos) {
		if d.ThumbKey != "" {
			gallery = append(gallery, d)
		}
	}
	papers, err := a.svc.Reviews.Papers(ctx, p, id)
	if err != nil {
		return err
	}
	prow := paperRows(papers)
	uploadCats := labelOptions(docs.UploadCategories(p.Role), docs.CategoryLabel)
	filterCats := labelOptions(docs.Categories(), docs.CategoryLabel)
	kinds := labelOptions(docs.PaperKinds(), docs.PaperLabel)
	return a.views.render(c, status, "document_list", a.page(c, "评审资料", map[string]any{
		"Breadcrumb": []crumb{{"评审任务", "/reviews"}, {r.ProjectName, "/reviews/" + idText(r.ID)}, {"评审资料", ""}},
		"Review":     r,
		"Items":      documentRows(list),
		"Offset":     pg.Offset(),
		"Pager":      pg.Pager(c, total),
		"Gallery":    gallery,
		"Papers":     prow,
		"PaperKinds": kinds,
		"UploadCats": uploadCats,
		"FilterCats": filterCats,
		"Category":   category,
		"Upload":     upload,
		"CanVoid":    p.Role == auth.ReviewCenter,
		"Void":       void,
	}))
}

// documentUpload takes the upload form's multipart body as a stream. The
// CSRF token travels in a header (the page's script) or as the form's
// first field, which the CSRF check reads alone (csrf.go).
func (a *App) documentUpload(c *fiber.Ctx) error {
	p, id, err := signedInRow(c)
	if err != nil {
		return err
	}
	doc, uf, err := a.streamUpload(c, p, id)
	if scriptWantsJSON(c) {
		// One file of a batch sent by the page's script (static/upload.js).
		if err != nil {
			return jsonRefusal(c, err)
		}
		return c.Status(201).JSON(documentJSON(doc))
	}
	if err != nil {
		form := newForm()
		form.Values["category"] = uf.Category
		if uf.SignedSealed {
			form.Values["signed_sealed"] = "true"
		}
		refused := form.refuse(err)
		if !refused && clientStatus(err) == 0 {
			return err
		}
		status, body := classify(err)
		if !refused {
			form.Message = body.Error
		}
		return a.renderDocuments(c, status, form)
	}
	msg := fmt.Sprintf("已上传「%s」(第 %d 版,%s)", doc.Name, doc.Version, bytesize.Text(doc.Size))
	if c.Query("back") == "review" {
		return redirectMsg(c, "/reviews/"+idText(id)+"#upload", msg)
	}
	return redirectMsg(c, "/reviews/"+idText(id)+"/documents", msg)
}

func (a *App) documentDownload(c *fiber.Ctx) error {
	return a.sendDocument(c, downloadAction(c))
}

// downloadAction is how a download link asks for the bytes: shown in the
// browser with ?inline=1, else saved.
func downloadAction(c *fiber.Ctx) string {
	if c.Query("inline") == "1" {
		return docs.ActionView
	}
	return docs.ActionDownload
}

func (a *App) documentThumb(c *fiber.Ctx) error {
	return a.sendDocument(c, docs.ActionThumbnail)
}

func (a *App) documentVersionsPage(c *fiber.Ctx) error {
	p, svc, id, list, err := a.documentVersions(c)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return review.ErrNotFound
	}
	var access []docs.DocumentAccess
	if p.Role == auth.ReviewCenter || p.Role == auth.Admin {
		if access, err = svc.Accesses(c.UserContext(), p, id); err != nil {
			return err
		}
	}
	first := list[0]
	return a.views.render(c, 200, "document_versions", a.page(c, "历史版本", map[string]any{
		"Breadcrumb": []crumb{{"评审任务", "/reviews"}, {"评审资料", "/reviews/" + idText(first.ReviewID) + "/documents"}, {"历史版本", ""}},
		"Name":       first.Name, "ReviewID": first.ReviewID, "CategoryLabel": docs.CategoryLabel(first.Category),
		"Items": documentRows(list), "Access": access,
	}))
}

// paperPrint is the A4 print view of a review's paper of one kind: what
// was issued when it has been rendered, else the current data (a preview
// marked 样稿 when no number was issued yet).
func (a *App) paperPrint(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	v, err := svc.ViewLogged(c.UserContext(), p, id, c.Params("kind"), clientIP(c))
	if err != nil {
		return err
	}
	return a.views.render(c, 200, "paper", a.page(c, v.Content.Title, map[string]any{
		"Paper": v.Content, "Issued": v.Paper, "Snapshot": v.Snapshot, "ReviewID": id,
	}))
}

func (a *App) paperPDF(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	d, rc, err := svc.OpenPaperPDF(c.UserContext(), p, id, clientIP(c))
	if err != nil {
		return err
	}
	return sendStream(c, d, rc, downloadAction(c))
}

// papersPage searches the papers by 文号.
func (a *App) papersPage(c *fiber.Ctx) error {
	p, svc, _, err := a.paperSearchCall(c)
	if err != nil {
		return err
	}
	kind := c.Query("kind")
	if kind != "" && !docs.ValidPaperKind(kind) {
		kind = ""
	}
	return a.renderPapers(c, 200, p, svc, strings.TrimSpace(c.Query("q")), kind, nil)
}

// renderPapers shows the 文号 search for q and kind; void is a refused
// void form (or nil).
func (a *App) renderPapers(c *fiber.Ctx, status int, p auth.Principal, svc *docs.Service, q, kind string, void *voidState) error {
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	list, total, err := svc.SearchPapers(c.UserContext(), p, docs.PaperFilter{DocNumber: q, Kind: kind, Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	rows := paperRows(list)
	kinds := labelOptions(docs.PaperKinds(), docs.PaperLabel)
	return a.views.render(c, status, "paper_search", a.page(c, "文号查询", map[string]any{
		"Breadcrumb": []crumb{{"文号查询", ""}},
		"Items":      rows, "Offset": pg.Offset(), "Pager": pg.Pager(c, total), "Q": q, "Kind": kind, "Kinds": kinds,
		"CanVoid": p.Role == auth.ReviewCenter, "Void": void,
	}))
}

func (a *App) paperVoid(c *fiber.Ctx) error {
	p, svc, id, err := a.docsCall(c)
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	pp, err := svc.VoidPaper(c.UserContext(), p, id, reason)
	if err != nil {
		return a.refusedVoid(c, p, svc, id, reason, err)
	}
	back := c.FormValue("back")
	if !safeLocalPath(back) {
		back = "/reviews/" + idText(pp.ReviewID) + "/documents"
	}
	return redirectMsg(c, back, "文号 "+pp.DocNumber+" 已作废")
}

// refusedVoid answers a refused void form on the page it was sent from
// (the 文号 search or the review's documents), with the message next to
// the reason and the reason as typed; any other error is the error page's.
func (a *App) refusedVoid(c *fiber.Ctx, p auth.Principal, svc *docs.Service, id int64, reason string, err error) error {
	msg, refused := refusalFor(err, "reason")
	if !refused {
		return err
	}
	pp, perr := svc.Paper(c.UserContext(), p, id)
	if perr != nil {
		return err
	}
	void := &voidState{PaperID: id, Reason: strings.TrimSpace(reason), Error: msg}
	if strings.HasPrefix(c.FormValue("back"), "/papers") {
		// The search shows the paper's own row.
		return a.renderPapers(c, 422, p, svc, pp.DocNumber, "", void)
	}
	return a.renderDocumentsOf(c, 422, p, svc, pp.ReviewID, newForm(), void)
}
