package web

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/review"
	"finreview/internal/review/importer"
)

// maxImportBytes bounds an uploaded register (100,000 reviews take about 6 MB).
const maxImportBytes = 200 << 20

// importActor is the principal as an importer: the review center and the
// finance section, limited to their jurisdiction unless they hold the city.
func (a *App) importActor(c *fiber.Ctx) (importer.Actor, *importer.Service, error) {
	p, err := mustPrincipal(c)
	if err != nil {
		return importer.Actor{}, nil, err
	}
	if p.Role != auth.ReviewCenter && p.Role != auth.FinanceSection {
		return importer.Actor{}, nil, auth.ErrForbidden
	}
	svc, err := wired(a.svc.Imports, "数据导入")
	if err != nil {
		return importer.Actor{}, nil, err
	}
	act := importer.Actor{UserID: p.UserID, Name: p.Name}
	if sc := p.Scope(); !sc.All {
		act.Jurisdiction = sc.JurisdictionID
	}
	return act, svc, nil
}

type importKindOption struct {
	Code, Label, Sheet string
}

type importRow struct {
	importer.Import
	KindLabel string
}

// imports shows the upload form, the templates and the recent imports.
func (a *App) imports(c *fiber.Ctx) error {
	if _, _, err := a.importActor(c); err != nil {
		return err
	}
	return a.renderImports(c, 200, nil)
}

func (a *App) renderImports(c *fiber.Ctx, status int, data map[string]any) error {
	act, svc, err := a.importActor(c)
	if err != nil {
		return err
	}
	list, err := svc.Imports(c.UserContext())
	if err != nil {
		return err
	}
	rows := make([]importRow, 0, len(list))
	for _, im := range list {
		if act.Jurisdiction != 0 && im.ActorID != act.UserID {
			continue // a county's staff see their own imports only
		}
		rows = append(rows, importRow{Import: im, KindLabel: importer.Kind(im.Kind).Label()})
	}
	var kinds []importKindOption
	for _, k := range importer.Kinds() {
		kinds = append(kinds, importKindOption{Code: string(k), Label: k.Label(), Sheet: k.Sheet()})
	}
	out := map[string]any{"Breadcrumb": []crumb{{Label: "业务管理"}, {Label: "数据导入"}}, "Kinds": kinds, "Imports": rows, "Form": newForm()}
	for k, v := range data {
		out[k] = v
	}
	return a.views.render(c, status, "imports", a.page(c, "数据导入", out))
}

// importTemplate downloads a register's .xlsx template.
func (a *App) importTemplate(c *fiber.Ctx) error {
	_, svc, err := a.importActor(c)
	if err != nil {
		return err
	}
	kind, err := importer.ParseKind(c.Params("kind"))
	if err != nil {
		return review.ErrNotFound
	}
	var b bytes.Buffer
	if err := svc.Template(c.UserContext(), kind, &b); err != nil {
		return err
	}
	name := kind.Label() + "导入模板.xlsx"
	return sendWorkbook(c, string(kind)+"-template.xlsx", name, b.Bytes())
}

// importUpload takes the form's multipart body as a stream: kind and
// action, then the file, spooled to a temporary file (removed on every
// path) that is checked, or imported, row by row. The page lists each
// problem by row, column and reason, and the form to upload the fixed file.
func (a *App) importUpload(c *fiber.Ctx) error {
	act, svc, err := a.importActor(c)
	if err != nil {
		return err
	}
	kindText, action, token, name, f, size, err := spoolImport(c)
	if f != nil {
		defer os.Remove(f.Name())
		defer f.Close()
	}
	if _, refused := fieldErrors(err); err != nil && !refused {
		return err
	}
	kind, kerr := importer.ParseKind(kindText)
	if kerr != nil {
		err = errors.Join(err, fieldErr("kind", "请选择导入的数据类型"))
	}
	if form := newForm(); form.refuse(err) {
		return a.renderImports(c, 422, map[string]any{"Form": form, "Selected": kindText})
	}
	ctx := c.UserContext()
	var rep importer.Report
	progress := a.importProgressWriter(c, act, token, action)
	if action == "import" {
		rep, err = svc.Import(ctx, act, kind, name, f, size, progress.rows)
	} else {
		rep, err = svc.Check(ctx, act, kind, f, size, progress.rows)
	}
	data := map[string]any{"Selected": string(kind), "FileName": name, "Action": action}
	if err == nil && action != "import" && rep.OK() && rep.New > 0 {
		// The checked file is kept, so that committing it needs no new
		// upload; a file with problems is fixed and uploaded again.
		data["CheckedID"], err = svc.Stage(ctx, act, kind, name, f, size)
	}
	progress.end(err)
	return a.renderImportResult(c, kind, rep, err, data)
}

// renderImportResult shows a check's or a commit's report.
func (a *App) renderImportResult(c *fiber.Ctx, kind importer.Kind, rep importer.Report, err error, data map[string]any) error {
	var fe *importer.FileError
	switch {
	case errors.As(err, &fe):
		data["FileError"] = fe.Message
		return a.renderImports(c, 422, data)
	case err != nil && !errors.Is(err, importer.ErrInvalid):
		return err
	}
	data["Report"] = rep
	data["KindLabel"] = kind.Label()
	if !rep.OK() {
		return a.renderImports(c, 422, data)
	}
	return a.renderImports(c, 200, data)
}

// importCommitChecked commits the file the person checked before, without
// choosing it again.
func (a *App) importCommitChecked(c *fiber.Ctx) error {
	act, svc, err := a.importActor(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	progress := a.importProgressWriter(c, act, c.FormValue("progress"), "import")
	rep, st, err := svc.CommitStaged(c.UserContext(), act, id, progress.rows)
	progress.end(err)
	if errors.Is(err, review.ErrNotFound) {
		return err
	}
	kind, _ := importer.ParseKind(st.Kind)
	return a.renderImportResult(c, kind, rep, err, map[string]any{"Selected": st.Kind, "FileName": st.FileName, "Action": "import"})
}

// importProgressToken is what the page sends: 32 hexadecimal digits.
var importProgressToken = regexp.MustCompile(`^[0-9a-f]{32}$`)

// importProgress answers the page's poll: how many rows the running
// check or commit under the token has read ({"phase","rows"}); 404 for
// an unknown token or another person's.
func (a *App) importProgress(c *fiber.Ctx) error {
	act, svc, err := a.importActor(c)
	if err != nil {
		return err
	}
	token := c.Params("token")
	if !importProgressToken.MatchString(token) {
		return review.ErrNotFound
	}
	p, err := svc.Progress(c.UserContext(), act.UserID, token)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// importProgressWriter records a run's progress under the page's token,
// at most every progressEvery; without a token (no script) it does nothing.
type importProgressWriter struct {
	a      *App
	svc    *importer.Service
	c      *fiber.Ctx
	userID int64
	token  string
	phase  string
	n      int // rows read so far
	last   time.Time
}

const progressEvery = 300 * time.Millisecond

func (a *App) importProgressWriter(c *fiber.Ctx, act importer.Actor, token, action string) *importProgressWriter {
	w := &importProgressWriter{a: a, svc: a.svc.Imports, c: c, userID: act.UserID, phase: "checking"}
	if action == "import" {
		w.phase = "importing"
	}
	if importProgressToken.MatchString(token) {
		w.token = token
		w.write(importer.ImportProgress{Phase: w.phase})
	}
	return w
}

func (w *importProgressWriter) write(p importer.ImportProgress) {
	if w.token == "" {
		return
	}
	w.last = time.Now()
	// A lost progress row costs the bar a step, never the import.
	if err := w.svc.SetProgress(context.WithoutCancel(w.c.UserContext()), w.userID, w.token, p); err != nil {
		w.a.log.Warn("import progress", "error", err)
	}
}

// rows is the importer's progress callback.
func (w *importProgressWriter) rows(n int) {
	w.n = n
	if w.token != "" && time.Since(w.last) >= progressEvery {
		w.write(importer.ImportProgress{Phase: w.phase, Rows: n})
	}
}

func (w *importProgressWriter) end(err error) {
	p := importer.ImportProgress{Phase: "done", Rows: w.n}
	if err != nil {
		p.Phase = "failed"
	}
	w.write(p)
}

// spoolImport reads the upload form: the small fields, then the file into
// a temporary file of at most maxImportBytes.
func spoolImport(c *fiber.Ctx) (kind, action, token, name string, f *os.File, size int64, err error) {
	mt, params, perr := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if perr != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", "", "", "", nil, 0, badRequest("请以 multipart/form-data 方式上传文件")
	}
	var body io.Reader = c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	mr := multipart.NewReader(bufio.NewReaderSize(body, 256<<10), params["boundary"])
	for {
		part, perr := mr.NextPart()
		if errors.Is(perr, io.EOF) {
			return kind, action, token, name, f, size, fieldErr("file", "请选择要导入的 .xlsx 文件")
		}
		if perr != nil {
			return kind, action, token, name, f, size, badRequest("上传内容格式有误")
		}
		if part.FormName() != "file" {
			v, _ := io.ReadAll(io.LimitReader(part, 256))
			part.Close()
			switch part.FormName() {
			case "kind":
				kind = strings.TrimSpace(string(v))
			case "action":
				action = strings.TrimSpace(string(v))
			case "progress":
				token = strings.TrimSpace(string(v))
			}
			continue
		}
		name = part.FileName()
		if name == "" {
			part.Close()
			return kind, action, token, name, f, size, fieldErr("file", "请选择要导入的 .xlsx 文件")
		}
		if f, err = os.CreateTemp("", "finreview-import-*.xlsx"); err != nil {
			part.Close()
			return kind, action, token, name, nil, 0, fmt.Errorf("spool import: %w", err)
		}
		size, err = io.Copy(f, io.LimitReader(part, maxImportBytes+1))
		part.Close()
		if err != nil {
			return kind, action, token, name, f, size, badRequest("上传中断,请重新上传")
		}
		if size > maxImportBytes {
			c.Set(fiber.HeaderConnection, "close")
			return kind, action, token, name, f, size, &auth.RefusedError{Status: 413, Reason: "too_large",
				Msg: fmt.Sprintf("文件过大(上限 %d MB)", maxImportBytes>>20)}
		}
		return kind, action, token, name, f, size, nil
	}
}

// importUndo removes an import's rows while nothing was built on them.
func (a *App) importUndo(c *fiber.Ctx) error {
	act, svc, err := a.importActor(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return review.ErrNotFound
	}
	if err := svc.Undo(c.UserContext(), act, id); err != nil {
		var iu *importer.InUseError
		if errors.As(err, &iu) {
			return redirectMsg(c, "/imports", iu.Error())
		}
		return err
	}
	return redirectMsg(c, "/imports", fmt.Sprintf("第 %d 次导入已撤销", id))
}
