package web

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"iter"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/bytesize"
	"finreview/internal/deadline"
	"finreview/internal/docs"
	"finreview/internal/fee"
	"finreview/internal/report"
	"finreview/internal/review"
	"finreview/internal/xlsx"
	"finreview/workflow"
)

// reviewNudge is the 催办 button of the review page.
func (a *App) reviewNudge(c *fiber.Ctx) error {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	message := strings.TrimSpace(c.FormValue("message"))
	n, err := svc.Nudge(c.UserContext(), p, id, message)
	if err != nil {
		// A refused message shows next to its field, as typed.
		form := newForm()
		form.Values["message"] = message
		if !form.refuse(err) {
			return err
		}
		return a.renderReview(c, &actionState{Status: 422, Message: form.Message, Nudge: form})
	}
	return redirectMsg(c, "/reviews/"+idText(id), fmt.Sprintf("已催办,通知 %d 人", n))
}

// reviewRow is one line of a review list.
type reviewRow struct {
	review.Review
	KindLabel, StateLabel, StateClass, Due, DueClass, Rate string
	Reduction                                              decimal.NullDecimal
}

// reviewRows makes the lines of a review list, their running deadlines
// read for the page at once.
func (a *App) reviewRows(c *fiber.Ctx, rs []review.Review) []reviewRow {
	ids := make([]int64, 0, len(rs))
	for _, r := range rs {
		if !r.State.Terminal() {
			ids = append(ids, r.ID)
		}
	}
	dues := a.duesFor(c.UserContext(), ids)
	rows := make([]reviewRow, 0, len(rs))
	for _, r := range rs {
		rows = append(rows, a.reviewRow(r, dues[r.ID]))
	}
	return rows
}

func (a *App) reviewRow(r review.Review, due deadline.Due) reviewRow {
	row := reviewRow{Review: r, KindLabel: kindLabel(r.Kind), StateLabel: r.State.Label(), StateClass: stateClass(r.State, r.Suspended), Rate: "—"}
	if r.Suspended {
		row.StateLabel += "(中止)"
	}
	if r.AuditedAmount.Valid {
		row.Reduction = decimal.NullDecimal{Decimal: r.SubmittedAmount.Sub(r.AuditedAmount.Decimal), Valid: true}
		row.Rate = report.RateText(r.SubmittedAmount, r.AuditedAmount.Decimal)
	}
	row.Due, row.DueClass = due.Text, due.Class
	return row
}

// reviewFilter reads the list's query into a store filter; bad values are
// reported next to their field and ignored.
func reviewFilter(c *fiber.Ctx, form *formState) review.ReviewFilter {
	form.Values = map[string]string{}
	for _, k := range []string{"q", "state", "kind", "jurisdiction", "unit", "firm", "from", "to", "min", "max", "sort", "dir"} {
		form.Values[k] = strings.TrimSpace(c.Query(k))
	}
	v := form.Values
	f := review.ReviewFilter{Search: v["q"], Kind: v["kind"]}
	if v["state"] != "" {
		if s, err := workflow.ParseState(v["state"]); err == nil {
			f.States = []workflow.State{s}
		} else {
			form.fail("state", "未知状态")
		}
	}
	if v["kind"] != "" {
		if _, err := fee.ParseKind(v["kind"]); err != nil {
			form.fail("kind", "未知评审类型")
			f.Kind = ""
		}
	}
	ids := map[string]*int64{"jurisdiction": &f.JurisdictionID, "unit": &f.UnitOrgID, "firm": &f.FirmID}
	for name, dst := range ids {
		if v[name] == "" {
			continue
		}
		n, err := strconv.ParseInt(v[name], 10, 64)
		if err != nil || n <= 0 {
			form.fail(name, "选择不正确")
			continue
		}
		*dst = n
	}
	f.From, f.To = form.period()
	for _, name := range []string{"min", "max"} {
		if v[name] == "" {
			continue
		}
		amt, err := fee.ParseAmount(strings.ReplaceAll(v[name], ",", ""))
		if err != nil {
			form.fail(name, "金额应为数字,最多两位小数")
			continue
		}
		if name == "min" {
			f.MinAmount = decimal.NullDecimal{Decimal: amt, Valid: true}
		} else {
			f.MaxAmount = decimal.NullDecimal{Decimal: amt, Valid: true}
		}
	}
	switch v["sort"] {
	case "", "created", "amount", "updated", "state":
		f.Sort = v["sort"]
	default:
		form.fail("sort", "排序字段不正确")
	}
	f.Desc = v["dir"] != "asc"
	return f
}

// filterOptions are the review list's selects, each option marked in Go
// when the query chose it: a bureau with a city grant is offered a
// province's 1,380 units, and comparing each option with the query in the
// template cost more than rendering the rows.
type filterOptions struct {
	States, Kinds, Jurisdictions options
	// Units and Firms are nil when not offered.
	Units, Firms *chosenOptions
}

type selectOption struct {
	Code, Label string
	Selected    bool
}

// options are a select's options, the chosen one marked.
type options []selectOption

// HTML writes the options' elements, their codes and labels escaped. It
// is written here rather than by a template: a province's unit select
// holds some 1,400 options, and the template's reflective walk over them
// cost more than the list's rows (5.2 ms a page against 0.8 here).
func (os options) HTML() template.HTML {
	var b strings.Builder
	for _, o := range os {
		writeOption(&b, o.Code, o.Label, o.Selected)
	}
	return template.HTML(b.String())
}

// writeOption writes one option element, and returns where in b a mark
// of the option as chosen goes (" selected", after its value).
func writeOption(b *strings.Builder, code, label string, selected bool) int {
	b.WriteString(`<option value="`)
	b.WriteString(template.HTMLEscapeString(code))
	b.WriteByte('"')
	at := b.Len()
	if selected {
		b.WriteString(" selected")
	}
	b.WriteByte('>')
	b.WriteString(template.HTMLEscapeString(label))
	b.WriteString("</option>")
	return at
}

// selectOptions marks the option whose code chosen names.
func selectOptions[T any](items []T, option func(T) pageOption, chosen string) options {
	out := make(options, 0, len(items))
	for _, it := range items {
		o := option(it)
		out = append(out, selectOption{Code: o.Code, Label: o.Label, Selected: o.Code == chosen})
	}
	return out
}

// filterOptions builds the selects from this instance's trusted lists of
// jurisdictions, units and firms (auth's JurisdictionChoices and
// OrganizationChoices): shared slices, read here and never modified. The
// unit and firm selects are written once per list and scope
// (App.writeOrgOptions); only the chosen option is marked per request.
func (a *App) filterOptions(ctx context.Context, p auth.Principal, chosen map[string]string) (filterOptions, error) {
	var o filterOptions
	same := func(o pageOption) pageOption { return o }
	o.States = selectOptions(codeOptions(workflow.States()), same, chosen["state"])
	o.Kinds = selectOptions(codeOptions(fee.Kinds()), same, chosen["kind"])
	jurs, err := a.auth.JurisdictionChoices(ctx)
	if err != nil {
		return o, err
	}
	sc := p.Scope()
	if !sc.All && sc.JurisdictionID != 0 {
		// A copy: jurs is shared, and DeleteFunc moves and clears items.
		jurs = slices.DeleteFunc(slices.Clone(jurs), func(j auth.Jurisdiction) bool { return j.ID != sc.JurisdictionID })
	}
	o.Jurisdictions = selectOptions(jurs, func(j auth.Jurisdiction) pageOption {
		return pageOption{idText(j.ID), j.Name}
	}, chosen["jurisdiction"])
	// Units and firms are offered to the bureau and the center only: the
	// others see their own organization's reviews anyway.
	if sc.All || sc.JurisdictionID != 0 {
		units, err := a.auth.OrganizationChoices(ctx, auth.OrgUnit)
		if err != nil {
			return o, err
		}
		var within int64 // a jurisdiction's center is offered its own units
		if !sc.All {
			within = sc.JurisdictionID
		}
		o.Units = a.orgOptions(orgSelect{kind: auth.OrgUnit, jurisdiction: within}, units, chosen["unit"])
		firms, err := a.auth.OrganizationChoices(ctx, auth.OrgFirm)
		if err != nil {
			return o, err
		}
		o.Firms = a.orgOptions(orgSelect{kind: auth.OrgFirm}, firms, chosen["firm"])
	}
	return o, nil
}

type reviewSortLink struct{ Href, Mark string }

// sortLinks are the column headers' links: a click sorts by the column,
// a second click reverses the order.
func sortLinks(c *fiber.Ctx, form *formState) map[string]reviewSortLink {
	out := map[string]reviewSortLink{}
	for _, col := range []string{"created", "amount", "updated", "state"} {
		q := url.Values{}
		for k, v := range form.Values {
			if v != "" && k != "sort" && k != "dir" {
				q.Set(k, v)
			}
		}
		q.Set("sort", col)
		cur := form.Values["sort"] == col || (col == "created" && form.Values["sort"] == "")
		dir, mark := "desc", ""
		if cur {
			if form.Values["dir"] == "asc" {
				mark = " ▲"
			} else {
				dir, mark = "asc", " ▼"
			}
		}
		q.Set("dir", dir)
		if size := c.Query("size"); size != "" {
			q.Set("size", size)
		}
		out[col] = reviewSortLink{Href: "/reviews?" + q.Encode(), Mark: mark}
	}
	return out
}

// listCountAhead bounds the count of the long lists (the review list, the
// audit log): a list counts at most this many rows past the first row of
// the page shown, so a longer one says 共 N 条以上 and still offers the
// next page. Every page costs what counting 1,000 index entries costs,
// however many millions match (counting 10,000 took 5–20 ms of the
// database on every page of a large unit's list under load). Filters
// narrow a list down; the Excel export has all of it.
const listCountAhead = 1000

// listCountTo is where the count of a list page starting at offset stops.
func listCountTo(offset int) int { return offset + listCountAhead }

func (a *App) reviewList(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ViewReviews, a.reviewService)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	form := newForm()
	f := reviewFilter(c, form)
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = pg.Size, pg.Offset()
	countTo := listCountTo(f.Offset)
	items, total, err := svc.ListCountedTo(ctx, p, f, countTo)
	if err != nil {
		return err
	}
	pager := pg.Pager(c, total)
	pager.AtLeast = total >= countTo
	rows := a.reviewRows(c, items)
	opts, err := a.filterOptions(ctx, p, form.Values)
	if err != nil {
		return err
	}
	export := url.Values{}
	for k, v := range form.Values {
		if v != "" {
			export.Set(k, v)
		}
	}
	return a.views.render(c, 200, "reviews", a.page(c, "评审任务", map[string]any{
		"Breadcrumb": []crumb{{Label: "评审任务"}},
		"Reviews":    rows, "ReviewRows": reviewListRows(rows, pg.Offset()), "Pager": pager, "Form": form, "Opts": opts,
		"Sort": sortLinks(c, form), "ExportHref": "/reviews.xlsx?" + export.Encode(),
	}))
}

// maxExportRows bounds one Excel export.
const maxExportRows = 200000

// reviewExport streams the filtered list to Excel through the one workbook
// writer (internal/xlsx): the export is recorded first, then each batch of
// reviews read goes into the response as it arrives, so the file is never
// held whole. An error after the first bytes can no longer change the
// status: the download ends unfinished (an unreadable file) and the error
// is logged.
func (a *App) reviewExport(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ViewReviews, a.reviewService)
	if err != nil {
		return err
	}
	// The rows are read after this handler has returned, while the
	// response is sent: not under a context that ends with the handler.
	ctx := context.WithoutCancel(c.UserContext())
	form := newForm()
	f := reviewFilter(c, form)
	if !form.ok() {
		return &auth.RefusedError{Status: 422, Reason: "invalid_filter", Msg: "查询条件有误,请返回修改后再导出"}
	}
	// The turn is taken before the export is recorded and given back when
	// the stream writer ends (fasthttp runs it even when nobody reads).
	if err := a.exports.enter(c.UserContext(), exportWait); err != nil {
		return err
	}
	reviews, err := svc.ExportReviews(ctx, p, f, form.Values, maxExportRows)
	if err != nil {
		a.exports.leave()
		return err
	}
	name := "评审任务-" + a.now().In(shanghai).Format("20060102") + ".xlsx"
	workbookHeaders(c, "reviews.xlsx", name)
	id := requestID(c)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		// This runs on a goroutine of the HTTP server's own, outside the
		// app's recovery: a panic ends the download, not the server.
		defer func() {
			a.exports.leave()
			if v := recover(); v != nil {
				a.log.Error("review export", slog.String("request_id", id), slog.Any("panic", v))
			}
		}()
		if err := writeReviewBook(&paced{w: w}, reviews); err != nil {
			a.log.Error("review export", slog.String("request_id", id), slog.String("error", err.Error()))
		}
	})
	return nil
}

// writeReviewBook writes the review list's workbook to w, row by row.
func writeReviewBook(w io.Writer, reviews iter.Seq2[review.Review, error]) error {
	book := xlsx.To(w)
	t := book.Sheet("评审任务", 6, 10, 16, 36, 14, 12, 24, 24, 14, 18, 18, 18, 10, 12, 12, 17)
	t.Header("序号", "评审编号", "项目编号", "项目名称", "评审类型", "区划", "建设单位", "中介机构", "状态",
		"送审金额(元)", "审定金额(元)", "审减额(元)", "审减率", "报送日期", "结论日期", "创建时间")
	n := 0
	for r, err := range reviews {
		if err != nil {
			return err
		}
		n++
		var reduction any
		rate := xlsx.Percent{}
		if r.AuditedAmount.Valid {
			fig := report.Figures{Submitted: r.SubmittedAmount, Audited: r.AuditedAmount.Decimal}
			reduction = fig.Reduction()
			rate = fig.Percent()
		}
		state := r.State.Label()
		if r.Suspended {
			state += "(中止)"
		}
		t.Row(n, xlsx.Text(idText(r.ID)), xlsx.Text(r.ProjectCode), r.ProjectName, kindLabel(r.Kind),
			r.JurisdictionName, r.UnitName, r.FirmName, state, r.SubmittedAmount, r.AuditedAmount, reduction, rate,
			nullDate(r.SubmittedAt), nullDate(r.ConcludedAt), formatTime(r.CreatedAt, "2006-01-02 15:04"))
		if err := book.Err(); err != nil {
			return err // the client went away
		}
	}
	return book.Close()
}

func nullDate(t sql.NullTime) string {
	if !t.Valid {
		return ""
	}
	return formatTime(t.Time, "2006-01-02")
}

// actionForm is the form of one permitted trigger, as the review service's
// table of triggers lays it out, with what a refused attempt left in it.
type actionForm struct {
	review.Form
	Open    bool
	Errors  map[string]string
	Message string
}

// actionState is what a failed transition leaves for the re-rendered page.
type actionState struct {
	Trigger workflow.Trigger
	Values  map[string]string
	Errors  map[string]string
	Message string
	Missing []string
	Status  int
	// Nudge is the refused 催办 form (no action form is then open).
	Nudge *formState
}

// buildActions lays out one form per trigger the viewer may fire now.
func (a *App) buildActions(ctx context.Context, svc *review.Service, v review.View, failed *actionState) ([]actionForm, error) {
	forms, err := svc.Forms(ctx, v)
	if err != nil {
		return nil, err
	}
	out := make([]actionForm, 0, len(forms))
	for _, f := range forms {
		af := actionForm{Form: f, Errors: map[string]string{}}
		if failed != nil && failed.Trigger == f.Trigger {
			af.Values, af.Errors, af.Message, af.Open = failed.Values, failed.Errors, failed.Message, true
			if len(failed.Missing) > 0 {
				af.Missing = failed.Missing
			}
			shown := map[string]bool{}
			for _, fd := range af.Fields {
				shown[fd.Name] = true
			}
			for name, msg := range af.Errors {
				if !shown[name] {
					af.Message = strings.TrimSpace(af.Message + " " + msg)
				}
			}
		}
		out = append(out, af)
	}
	return out, nil
}

type eventRow struct {
	review.ReviewEvent
	RoleLabel, TriggerLabel, FromLabel, ToLabel string
	Params                                      []eventParam
}

type eventParam struct{ Label, Value string }

var paramLabels = map[string]string{
	"audited_amount": "审定金额", "agree": "意见", "reasons": "理由", "firm_id": "中介机构", "fault_party": "过错方",
	"expected_workdays": "预计中止工作日", "survey_date": "踏勘日期", "mode": "评审方式", "key_issues": "重点审核内容",
	"people": "参加人员", "findings": "踏勘情况", "experts": "专家", "rechecked_amount": "抽查审定金额", "kind": "类型",
	"record_date": "日期", "title": "标题", "description": "内容", "amount": "金额", "supervisor_id": "监管人员",
	"archive_number": "档案号", "paper_received_on": "纸质资料接收日期", "received_by": "接收人", "retention_years": "保管期限(年)",
}

// eventParams lists an event's recorded parameters in a stable order.
func eventParams(raw string) []eventParam {
	var m map[string]any
	if raw == "" || json.Unmarshal([]byte(raw), &m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []eventParam
	for _, k := range keys {
		v := fmt.Sprint(m[k])
		if v == "" || v == "<nil>" {
			continue
		}
		switch k {
		case "agree":
			if v == "true" {
				v = "同意"
			} else if v == "false" {
				v = "不同意"
			}
		case "fault_party":
			v = map[string]string{"unit": "建设单位", "firm": "中介机构", "contractor": "施工单位"}[v]
		case "audited_amount", "rechecked_amount", "amount":
			if d, err := decimal.NewFromString(v); err == nil {
				v = FormatMoney(d) + " 元"
			}
		}
		label := paramLabels[k]
		if label == "" {
			label = k
		}
		out = append(out, eventParam{label, v})
	}
	return out
}

// visitedStates are the states the review has been in, read from its own
// transition log (never inferred from the current state).
func visitedStates(events []review.ReviewEvent) []workflow.State {
	seen := map[workflow.State]bool{}
	var out []workflow.State
	for _, e := range events {
		for _, s := range []workflow.State{e.From, e.To} {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// duesFor describes the running deadlines of a page of reviews for lists
// (date and 剩余N个工作日, class soon or overdue), in one query.
func (a *App) duesFor(ctx context.Context, reviewIDs []int64) map[int64]deadline.Due {
	dues, err := a.svc.Calendar.Dues(ctx, reviewIDs)
	if err != nil {
		return nil
	}
	return dues
}

type reviewDocRow struct {
	docs.Document
	CategoryLabel, Size string
	Photo               bool
}

var paperLabels = map[string]string{"notice": "财政投资项目评审业务通知书", "opinion_letter": "评审结论征求意见书",
	"conclusion": "评审结论", "fee_statement": "评审费用结算单"}

type reviewPaperRow struct {
	docs.Paper
	KindLabel string
}

func (a *App) reviewPage(c *fiber.Ctx) error {
	return a.renderReview(c, nil)
}

// renderReview shows a review with the viewer's actions; failed carries a
// refused transition's message, errors and entered values.
func (a *App) renderReview(c *fiber.Ctx, failed *actionState) error {
	p, svc, err := serviceCall(c, auth.ViewReviews, a.reviewService)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	pg, err := svc.Page(ctx, p, id, docs.DocumentFilter{LatestOnly: true, Limit: 100})
	if err != nil {
		return err
	}
	v, docList, docTotal := pg.View, pg.Documents, pg.DocumentTotal
	r := v.Review
	actions, err := a.buildActions(ctx, svc, v, failed)
	if err != nil {
		return err
	}
	var events []eventRow
	for _, e := range v.Events {
		events = append(events, eventRow{ReviewEvent: e, RoleLabel: auth.Role(e.ActorRole).Label(), TriggerLabel: e.Trigger.Label(),
			FromLabel: e.From.Label(), ToLabel: e.To.Label(), Params: a.nameParams(ctx, eventParams(e.Params))})
	}
	var documents, photos []reviewDocRow
	for _, d := range docList {
		row := reviewDocRow{Document: d, CategoryLabel: docs.CategoryLabel(d.Category), Size: bytesize.Text(d.Size),
			Photo: strings.HasPrefix(d.ContentType, "image/")}
		if row.Photo && d.ThumbKey != "" {
			photos = append(photos, row)
		} else {
			documents = append(documents, row)
		}
	}
	var papers []reviewPaperRow
	for _, pp := range v.Papers {
		papers = append(papers, reviewPaperRow{Paper: pp, KindLabel: paperLabels[pp.Kind]})
	}
	rate, reduction := "—", decimal.NullDecimal{}
	if r.AuditedAmount.Valid {
		rate = report.RateText(r.SubmittedAmount, r.AuditedAmount.Decimal)
		reduction = decimal.NullDecimal{Decimal: r.SubmittedAmount.Sub(r.AuditedAmount.Decimal), Valid: true}
	}
	status := 200
	var flashErr string
	nudge := newForm()
	if failed != nil && failed.Nudge != nil {
		nudge = failed.Nudge
	}
	if failed != nil {
		status = failed.Status
		flashErr = failed.Message
		if flashErr == "" {
			flashErr = "提交的内容有误,请按提示修改后重新提交。"
		}
	}
	stateLabel := r.State.Label()
	if r.Suspended {
		stateLabel += "(已中止)"
	}
	uploaded := map[string]int{}
	for _, d := range docList {
		uploaded[d.Category]++
	}
	var materials []materialRow
	for _, m := range v.Materials {
		materials = append(materials, materialRow{Material: m, Uploaded: uploaded[m.Category]})
	}
	var suspensions []suspensionRow
	for _, sv := range v.Suspensions {
		row := suspensionRow{SuspensionView: sv, Start: formatTime(sv.Started, "2006-01-02"), End: "进行中"}
		if sv.Ended != nil {
			row.End = formatTime(*sv.Ended, "2006-01-02")
		}
		suspensions = append(suspensions, row)
	}
	var archive *archiveRow
	if ar := v.Archive; ar != nil {
		archive = &archiveRow{ArchiveView: *ar, Received: formatTime(ar.PaperReceivedOn, "2006-01-02"),
			RetainUntil: formatTime(ar.RetainUntil, "2006-01-02")}
	}
	var suspendedSince string
	if r.Suspended {
		for _, sv := range v.Suspensions {
			if sv.Ended == nil {
				suspendedSince = formatTime(sv.Started, "2006-01-02")
			}
		}
	}
	steps := a.reviewSteps(c, p, v, pg.ExpertTask, docList)
	return a.views.render(c, status, "review", a.page(c, r.ProjectName+" - 评审任务", map[string]any{
		"Steps":      steps,
		"Breadcrumb": []crumb{{Label: "评审任务", Href: "/reviews"}, {Label: r.ProjectName}},
		"R":          r, "V": v, "KindLabel": kindLabel(r.Kind), "StateLabel": stateLabel, "StateClass": stateClass(r.State, r.Suspended),
		"Rate": rate, "Reduction": reduction, "Due": v.Due.Text, "DueClass": v.Due.Class, "Supervisor": v.SupervisorName,
		// workflow.SVG escapes every label it writes.
		"Diagram": template.HTML(workflow.SVG(r.State, visitedStates(v.Events))),
		"Actions": actions, "Events": events, "Documents": documents, "Photos": photos, "DocTotal": docTotal,
		"Papers": papers, "Error": flashErr, "CanUpload": p.Can(auth.UploadDocuments),
		"Materials": materials, "Suspensions": suspensions, "Archive": archive, "SuspendedSince": suspendedSince,
		"Missing": missingSummary(v), "ShowDraws": showDraws(p),
		"CanNudge": (p.Role == auth.ReviewCenter || p.Role == auth.FinanceSection) && !r.Suspended && !r.State.Terminal(),
		"Nudge":    nudge,
	}))
}

// materialRow is one required material category with the number of
// documents of the category on file.
type materialRow struct {
	review.Material
	Uploaded int
}

// suspensionRow is one suspension with its dates as text.
type suspensionRow struct {
	review.SuspensionView
	Start, End string
}

// archiveRow is the archive entry with its dates as text.
type archiveRow struct {
	review.ArchiveView
	Received, RetainUntil string
}

// missingItem is what still blocks one permitted trigger.
type missingItem struct {
	Label string
	Items []string
}

// missingSummary lists, in the order the triggers are offered, what each
// permitted trigger still lacks, so the page says what to do before the
// viewer tries.
func missingSummary(v review.View) []missingItem {
	var out []missingItem
	for _, t := range v.Permitted {
		if m := v.Missing[t]; len(m) > 0 {
			out = append(out, missingItem{Label: t.Label(), Items: m})
		}
	}
	return out
}

// showDraws: the review center and the administrator run the expert
// draws; an expert sees the review (and so the link) only when drawn for it.
func showDraws(p auth.Principal) bool {
	switch p.Role {
	case auth.ReviewCenter, auth.Admin, auth.Expert:
		return true
	}
	return false
}

// reviewTransition fires the trigger of one action form. A refusal
// re-renders the review page with the message next to the field and the
// values as entered.
func (a *App) reviewTransition(c *fiber.Ctx) error {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	t, err := workflow.ParseTrigger(c.FormValue("trigger"))
	if err != nil {
		return badRequest("未知的操作")
	}
	in := review.FireInput{Trigger: t, Reason: strings.TrimSpace(c.FormValue("reason")), Params: map[string]string{}}
	values := map[string]string{"reason": in.Reason}
	if vs := c.FormValue("version"); vs != "" {
		n, err := strconv.Atoi(vs)
		if err != nil {
			return badRequest("版本号不正确")
		}
		in.Version = &n
	}
	multi := map[string][]string{}
	c.Context().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		switch key {
		case "_csrf", "trigger", "version", "reason":
			return
		}
		multi[key] = append(multi[key], strings.TrimSpace(string(v)))
	})
	for k, vs := range multi {
		val := review.FormValue(t, k, vs)
		in.Params[k] = val
		values[k] = val
	}
	err = svc.Act(c.UserContext(), p, id, in)
	if err == nil {
		return redirectMsg(c, "/reviews/"+idText(id), "已办理:"+t.Label())
	}
	form := &formState{Values: values, Errors: map[string]string{}}
	state := &actionState{Trigger: t, Values: values, Errors: form.Errors}
	var te *workflow.TransitionError
	switch {
	case errors.Is(err, auth.ErrForbidden), errors.Is(err, review.ErrNotFound), errors.Is(err, auth.ErrUnauthenticated):
		return err
	case errors.As(err, &te):
		state.Status, state.Message, state.Missing = 409, te.Error(), te.Missing
	case errors.Is(err, review.ErrStale):
		state.Status, state.Message = 409, "该评审已被他人更新,页面已刷新为最新内容;您填写的内容已保留,请确认后重新提交。"
	case form.refuse(err):
		state.Status, state.Message = 422, form.Message
	case clientStatus(err) != 0:
		state.Status, state.Message = clientStatus(err), errText(err)
	default:
		return err
	}
	return a.renderReview(c, state)
}
