package web

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"finreview/internal/assign"
	"finreview/internal/auth"
	"finreview/internal/fee"
	"finreview/internal/firm"
	"finreview/internal/pii"
	"finreview/internal/xlsx"
)

type firmOption struct {
	Value, Label string
	Selected     bool
}

type firmRow struct {
	No                                 int
	ID                                 int64
	Name, Qualification, Status, Label string
	Class, Score, Contact, Phone       string
	OpenReviews, Capacity, Position    int
	Next, Qualified                    bool
	AdmittedAt                         time.Time
}

func firmStatusClass(s string) string {
	switch s {
	case string(assign.Active):
		return "green"
	case string(assign.Suspended):
		return "grey"
	}
	return "red"
}

func firmKindOptions(selected ...string) []firmOption {
	var out []firmOption
	for _, k := range fee.Kinds() {
		out = append(out, firmOption{Value: string(k), Label: k.Label(), Selected: slices.Contains(selected, string(k))})
	}
	return out
}

func (a *App) firmJurisdictionOptions(ctx context.Context, selected ...int64) ([]firmOption, error) {
	js, err := a.auth.Jurisdictions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]firmOption, 0, len(js))
	for _, j := range js {
		out = append(out, firmOption{Value: idText(j.ID), Label: j.Name, Selected: slices.Contains(selected, j.ID)})
	}
	return out, nil
}

// firmListQuery is the search form of the firm list.
type firmListQuery struct {
	Jurisdiction int64
	Kind, Status string
	Search       string
}

func parseFirmListQuery(c *fiber.Ctx) firmListQuery {
	q := firmListQuery{Kind: strings.TrimSpace(c.Query("kind")), Status: strings.TrimSpace(c.Query("status")),
		Search: strings.TrimSpace(c.Query("q"))}
	q.Jurisdiction, _ = strconv.ParseInt(c.Query("jurisdiction"), 10, 64)
	if _, err := fee.ParseKind(q.Kind); err != nil {
		q.Kind = string(fee.Settlement)
	}
	return q
}

// firmRows lists the library as the page and the export show it.
func (a *App) firmRows(ctx context.Context, svc *firm.Service, q firmListQuery) ([]firmRow, int64, error) {
	lib, err := svc.List(ctx, q.Jurisdiction, q.Kind)
	if err != nil {
		return nil, 0, err
	}
	var rows []firmRow
	for _, f := range lib.Items {
		if q.Status != "" && f.Status != q.Status {
			continue
		}
		if q.Search != "" && !strings.Contains(f.Name, q.Search) {
			continue
		}
		rows = append(rows, firmRow{No: len(rows) + 1, ID: f.OrgID, Name: f.Name, Qualification: f.Qualification, Status: f.Status,
			Label: firmStatusLabel(f.Status), Class: firmStatusClass(f.Status), Score: f.Score.StringFixed(2),
			Contact: f.ContactPerson, Phone: pii.MaskPhone(f.ContactPhone), OpenReviews: f.OpenReviews, Capacity: f.Capacity,
			Position: f.Position, Next: f.OrgID == lib.NextFirmID && lib.NextFirmID != 0, Qualified: f.Qualified,
			AdmittedAt: f.AdmittedAt})
	}
	return rows, lib.NextFirmID, nil
}

func (a *App) pageFirmList(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	q := parseFirmListQuery(c)
	ctx := c.UserContext()
	rows, next, err := a.firmRows(ctx, svc, q)
	if err != nil {
		return err
	}
	page, pg, err := pageOf(c, rows)
	if err != nil {
		return err
	}
	juris, err := a.firmJurisdictionOptions(ctx, q.Jurisdiction)
	if err != nil {
		return err
	}
	var nextName string
	for _, r := range rows {
		if r.ID == next {
			nextName = r.Name
		}
	}
	export := "/firms/export.xlsx?" + c.Context().QueryArgs().String()
	return a.views.render(c, 200, "firms", a.page(c, "中介机构库", map[string]any{
		"Breadcrumb": []crumb{{Label: "机构与专家"}, {Label: "中介机构库"}},
		"Rows":       page, "Offset": pg.Offset(), "Pager": pg.Pager(c, len(rows)), "Query": q,
		"Kinds": firmKindOptions(q.Kind), "Jurisdictions": juris, "NextName": nextName,
		"Statuses": []firmOption{{"active", "正常", q.Status == "active"}, {"suspended", "已暂停", q.Status == "suspended"},
			{"removed", "已清退", q.Status == "removed"}},
		"CanManage": p.Can(auth.ManageFirms), "ExportHref": export,
	}))
}

func (a *App) pageFirmExport(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	q := parseFirmListQuery(c)
	rows, _, err := a.firmRows(c.UserContext(), svc, q)
	if err != nil {
		return err
	}
	header := []string{"序号", "排名", "机构名称", "资质", "状态", "考核得分", "在办项目", "在办上限", "入库时间", "联系人", "联系电话"}
	b, err := firmExcel("中介机构库", header, len(rows), func(i int) []any {
		r := rows[i]
		capacity := any(r.Capacity)
		if r.Capacity == 0 {
			capacity = "不限"
		}
		var score any
		if d, err := decimal.NewFromString(r.Score); err == nil {
			score = xlsx.Score(d)
		}
		return []any{r.No, r.Position, r.Name, r.Qualification, r.Label, score,
			r.OpenReviews, capacity, formatTime(r.AdmittedAt, "2006-01-02"), r.Contact, xlsx.Text(r.Phone)}
	})
	if err != nil {
		return err
	}
	if err := a.svc.Firms.RecordExport(c.UserContext(), p, "firm_export", "firms", map[string]any{"rows": len(rows), "kind": q.Kind}); err != nil {
		return err
	}
	return sendWorkbook(c, "export.xlsx", "中介机构库.xlsx", b)
}

// firmExcel writes one sheet with a header row and n data rows.
func firmExcel(sheet string, header []string, n int, row func(i int) []any) ([]byte, error) {
	book := xlsx.New()
	s := book.Sheet(sheet)
	s.Header(header...)
	for i := range n {
		s.Row(row(i)...)
	}
	return book.Bytes()
}

// firmForm is the firm form's values, kept after an error.
type firmForm struct {
	ID                                            int64
	Name, CreditCode, ContactPerson, ContactPhone string
	Address, Qualification, Capacity, Score       string
	AdmittedAt                                    string
	Kinds                                         []string
	Jurisdictions                                 []int64
}

func firmFormOf(f firm.Firm) firmForm {
	return firmForm{ID: f.OrgID, Name: f.Name, CreditCode: f.CreditCode, ContactPerson: f.ContactPerson, ContactPhone: f.ContactPhone,
		Address: f.Address, Qualification: f.Qualification, Capacity: strconv.Itoa(f.Capacity), Score: f.Score.StringFixed(2),
		AdmittedAt: formatTime(f.AdmittedAt, "2006-01-02"), Kinds: f.Kinds, Jurisdictions: f.Jurisdictions}
}

// parseFirmForm reads the firm form; the error lists every field that
// does not parse (a number, a date).
func parseFirmForm(c *fiber.Ctx) (firmForm, firm.Input, error) {
	ff := firmForm{Name: c.FormValue("name"), CreditCode: c.FormValue("credit_code"), ContactPerson: c.FormValue("contact_person"),
		ContactPhone: c.FormValue("contact_phone"), Address: c.FormValue("address"), Qualification: c.FormValue("qualification"),
		Capacity: strings.TrimSpace(c.FormValue("capacity")), Score: strings.TrimSpace(c.FormValue("score")),
		AdmittedAt: strings.TrimSpace(c.FormValue("admitted_at"))}
	args := c.Request().PostArgs()
	for _, v := range args.PeekMulti("kinds") {
		ff.Kinds = append(ff.Kinds, string(v))
	}
	for _, v := range args.PeekMulti("jurisdictions") {
		if id, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			ff.Jurisdictions = append(ff.Jurisdictions, id)
		}
	}
	in := firm.Input{Name: ff.Name, CreditCode: ff.CreditCode, ContactPerson: ff.ContactPerson, ContactPhone: ff.ContactPhone,
		Address: ff.Address, Qualification: ff.Qualification, Kinds: ff.Kinds, Jurisdictions: ff.Jurisdictions}
	var errs []error
	if ff.Capacity != "" {
		n, err := strconv.Atoi(ff.Capacity)
		if err != nil {
			errs = append(errs, fieldErr("capacity", "在办项目上限须为整数"))
		}
		in.Capacity = n
	}
	if ff.Score != "" {
		d, err := decimal.NewFromString(ff.Score)
		if err != nil {
			errs = append(errs, fieldErr("score", "得分须为数字"))
		}
		in.Score = d
	}
	if ff.AdmittedAt != "" {
		t, err := time.ParseInLocation("2006-01-02", ff.AdmittedAt, shanghai)
		if err != nil {
			errs = append(errs, fieldErr("admitted_at", "入库日期格式应为 YYYY-MM-DD"))
		}
		in.AdmittedAt = t
	}
	return ff, in, errors.Join(errs...)
}

func (a *App) renderFirmForm(c *fiber.Ctx, status int, ff firmForm, form *formState) error {
	juris, err := a.firmJurisdictionOptions(c.UserContext(), ff.Jurisdictions...)
	if err != nil {
		return err
	}
	title := "新增中介机构"
	action := "/firms"
	if ff.ID != 0 {
		title, action = "编辑中介机构", "/firms/"+idText(ff.ID)
	}
	return a.views.render(c, status, "firm_form", a.page(c, title, map[string]any{
		"Breadcrumb": []crumb{{Label: "中介机构库", Href: "/firms"}, {Label: title}},
		"Form":       ff, "State": form, "Action": action, "Kinds": firmKindOptions(ff.Kinds...), "Jurisdictions": juris}))
}

func (a *App) pageFirmNew(c *fiber.Ctx) error {
	if _, err := require(c, auth.ManageFirms); err != nil {
		return err
	}
	return a.renderFirmForm(c, 200, firmForm{Capacity: "30", Score: "80.00", Kinds: []string{string(fee.Settlement)}}, newForm())
}

func (a *App) pageFirmCreate(c *fiber.Ctx) error {
	return a.firmFormSubmit(c, 0, "中介机构已入库", func(ctx context.Context, p auth.Principal, svc *firm.Service, in firm.Input) (int64, error) {
		return svc.Create(ctx, p, in)
	})
}

func (a *App) pageFirmUpdate(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return a.firmFormSubmit(c, id, "已保存", func(ctx context.Context, p auth.Principal, svc *firm.Service, in firm.Input) (int64, error) {
		return id, svc.Update(ctx, p, id, in)
	})
}

// firmFormSubmit saves the firm form (id 0: a new firm); a refusal shows
// the form again with every refused field and the values as typed.
func (a *App) firmFormSubmit(c *fiber.Ctx, id int64, done string,
	save func(ctx context.Context, p auth.Principal, svc *firm.Service, in firm.Input) (int64, error)) error {
	p, svc, err := serviceCall(c, auth.ManageFirms, a.firmService)
	if err != nil {
		return err
	}
	ff, in, err := parseFirmForm(c)
	ff.ID = id
	if err == nil {
		if id, err = save(c.UserContext(), p, svc, in); err == nil {
			return redirectMsg(c, "/firms/"+idText(id), done)
		}
	} else {
		// Nothing is saved; the service's own checks still run, so that
		// every refused field shows at once.
		err = errors.Join(err, in.Check())
	}
	if form := newForm(); form.refuse(err) {
		return a.renderFirmForm(c, 422, ff, form)
	}
	return err
}

func (a *App) pageFirmEdit(c *fiber.Ctx) error {
	_, id, err := requireRow(c, auth.ManageFirms)
	if err != nil {
		return err
	}
	f, err := a.svc.Firms.Firm(c.UserContext(), id)
	if err != nil {
		return err
	}
	return a.renderFirmForm(c, 200, firmFormOf(f), newForm())
}

// firmDetailForms are the firm page's two forms, one of them as refused.
type firmDetailForms struct {
	Status, Conflict *formState
	Message          string // a refusal of the change as a whole (409)
}

func (a *App) renderFirmDetail(c *fiber.Ctx, status int, id int64, forms firmDetailForms) error {
	p, svc, err := serviceCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d, err := svc.Get(ctx, p.Scope(), id)
	if err != nil {
		return err
	}
	kinds := make([]string, len(d.Firm.Kinds))
	for i, k := range d.Firm.Kinds {
		kinds[i] = kindLabel(k)
	}
	names := map[int64]string{}
	if js, err := a.auth.Jurisdictions(ctx); err == nil {
		for _, j := range js {
			names[j.ID] = j.Name
		}
	}
	juris := make([]string, len(d.Firm.Jurisdictions))
	for i, j := range d.Firm.Jurisdictions {
		juris[i] = names[j]
	}
	var orgs []auth.Organization
	if p.Can(auth.ManageFirms) {
		for _, kind := range []string{auth.OrgUnit, auth.OrgCompetentDept, auth.OrgContractor} {
			list, err := a.auth.Organizations(ctx, kind)
			if err != nil {
				return err
			}
			orgs = append(orgs, list...)
		}
	}
	type historyLine struct {
		firm.FirmStatusChange
		Label, Class string
	}
	history := make([]historyLine, len(d.History))
	for i, h := range d.History {
		history[i] = historyLine{FirmStatusChange: h, Label: firmStatusLabel(h.Status), Class: firmStatusClass(h.Status)}
	}
	data := map[string]any{"Breadcrumb": []crumb{{Label: "中介机构库", Href: "/firms"}, {Label: d.Firm.Name}},
		"D": d, "History": history, "Kinds": strings.Join(kinds, "、"), "JurisdictionNames": strings.Join(juris, "、"),
		"StatusLabel": firmStatusLabel(d.Firm.Status), "StatusClass": firmStatusClass(d.Firm.Status),
		"CanManage": p.Can(auth.ManageFirms), "Orgs": orgs,
		"StatusChoices": []firmOption{{"active", "恢复正常", false}, {"suspended", "暂停委托", false}, {"removed", "清退出库", false}},
		"StatusForm":    forms.Status, "ConflictForm": forms.Conflict, "Error": forms.Message,
	}
	return a.views.render(c, status, "firm", a.page(c, d.Firm.Name, data))
}

func (a *App) pageFirmDetail(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return a.renderFirmDetail(c, 200, id, firmDetailForms{Status: newForm(), Conflict: newForm()})
}

// firmDetailAction runs a change posted from one of the firm page's forms
// (which: "status" or "conflict", with its fields): back to the page with
// a message, or the page again with every refused field next to it.
func (a *App) firmDetailAction(c *fiber.Ctx, which string, fields []string, done string,
	fn func(p auth.Principal, svc *firm.Service, id int64, form *formState) error) error {
	p, svc, id, err := rowCall(c, auth.ManageFirms, a.firmService)
	if err != nil {
		return err
	}
	form := readForm(c, fields...)
	err = fn(p, svc, id, form)
	if err == nil {
		return redirectMsg(c, "/firms/"+idText(id), done)
	}
	forms := firmDetailForms{Status: newForm(), Conflict: newForm()}
	if which == "status" {
		forms.Status = form
	} else {
		forms.Conflict = form
	}
	if form.refuse(err) {
		return a.renderFirmDetail(c, 422, id, forms)
	}
	status := clientStatus(err)
	if status == 0 {
		return err
	}
	forms.Message = errText(err)
	return a.renderFirmDetail(c, status, id, forms)
}

func (a *App) pageFirmStatus(c *fiber.Ctx) error {
	return a.firmDetailAction(c, "status", []string{"status", "reason"}, "状态已变更",
		func(p auth.Principal, svc *firm.Service, id int64, form *formState) error {
			return svc.SetStatus(c.UserContext(), p, id, assign.Status(form.Values["status"]), form.Values["reason"])
		})
}

func (a *App) pageFirmConflict(c *fiber.Ctx) error {
	return a.firmDetailAction(c, "conflict", []string{"org_id", "relation"}, "关联关系已登记",
		func(p auth.Principal, svc *firm.Service, id int64, form *formState) error {
			// An unreadable choice is no choice: the service asks for one.
			return svc.DeclareConflict(c.UserContext(), p, id, form.int64("org_id"), form.Values["relation"])
		})
}
