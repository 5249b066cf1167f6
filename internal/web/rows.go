package web

import (
	"html/template"
	"strconv"
)

// The rows of the to-do list and the review list are written in Go rather
// than by their templates.
// html/template evaluates every action through reflection: each field and
// each escaper it adds is a reflect call, a dozen a row, and the to-do
// list — every user's home page, the page read most — spent 1.9–2.1 ms
// rendering its 50 rows to do and 20 done (BenchmarkRenderHome on the host
// of docs/performance.md, 5,498 allocations), two thirds of its handler's
// CPU; the review list's 50 rows of 13 cells cost the same. markup writes
// the same HTML, escaping text exactly as html/template
// escapes text and quoted attribute values; TestRowsAsTheTemplateWrites
// holds the rows to what a template makes of them, hostile text included.
type markup struct{ b []byte }

// raw appends markup as it is.
func (m *markup) raw(s string) { m.b = append(m.b, s...) }

// text appends s escaped for an HTML text node or a quoted attribute
// value: the characters html/template replaces, replaced as it does.
func (m *markup) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		m.b = append(append(m.b, s[last:i]...), r...)
		last = i + 1
	}
	m.b = append(m.b, s[last:]...)
}

// num appends a whole number.
func (m *markup) num(n int64) { m.b = strconv.AppendInt(m.b, n, 10) }

// orDash appends s escaped, or a dash when it is empty.
func (m *markup) orDash(s string) {
	if s == "" {
		m.raw("—")
		return
	}
	m.text(s)
}

// stateTag appends a state's coloured tag (UI.md).
func (m *markup) stateTag(class, label string) {
	m.raw(`<span class="tag `)
	m.text(class)
	m.raw(`">`)
	m.text(label)
	m.raw("</span>")
}

// due appends a running deadline in its colour, or a dash.
func (m *markup) due(text, class string) {
	if text == "" {
		m.raw("—")
		return
	}
	m.raw(`<span class="`)
	m.text(class)
	m.raw(`">`)
	m.text(text)
	m.raw("</span>")
}

// html is what was written, for a template to insert as it is.
func (m *markup) html() template.HTML { return template.HTML(m.b) }

// td appends a cell of text.
func (m *markup) td(s string) {
	m.raw("<td>")
	m.text(s)
	m.raw("</td>")
}

// tdNum appends a cell of a whole number.
func (m *markup) tdNum(n int) {
	m.raw("<td>")
	m.num(int64(n))
	m.raw("</td>")
}

// reviewLink appends a link to a review's page.
func (m *markup) reviewLink(id int64, text string) {
	m.raw(`<a href="/reviews/`)
	m.num(id)
	m.raw(`">`)
	m.text(text)
	m.raw("</a>")
}

// todoRows writes the rows of the to-do list. Anchor is one of the review
// page's own anchors (#expert-task), never a user's text.
func todoRows(rows []todoRow) template.HTML {
	var m markup
	for i, t := range rows {
		m.raw("<tr>")
		m.tdNum(i + 1)
		m.td(t.ProjectName)
		m.td(t.KindLabel)
		m.raw("<td>")
		m.stateTag(t.StateClass, t.StateLabel)
		m.raw("</td>")
		m.td(t.Action)
		m.raw(`<td class="due">`)
		m.due(t.Due, t.DueClass)
		m.raw(`</td><td><a href="/reviews/`)
		m.num(t.ReviewID)
		m.text(t.Anchor)
		m.raw(`" data-testid="todo-`)
		m.num(t.ReviewID)
		m.raw("\">办理</a></td></tr>\n")
	}
	return m.html()
}

// doneRows writes the rows of the list of what the user did last.
func doneRows(rows []doneRow) template.HTML {
	var m markup
	for i, d := range rows {
		m.raw("<tr>")
		m.tdNum(i + 1)
		m.td(d.At)
		m.raw("<td>")
		m.reviewLink(d.ReviewID, d.ProjectName)
		m.raw("</td>")
		m.td(d.Action)
		m.td(d.StateLabel)
		m.raw("</tr>\n")
	}
	return m.html()
}

// reviewListRows writes the rows of a review list page whose first row is
// number offset+1.
func reviewListRows(rows []reviewRow, offset int) template.HTML {
	var m markup
	for i, r := range rows {
		m.raw("<tr>")
		m.tdNum(offset + i + 1)
		m.raw(`<td class="code">`)
		m.text(r.ProjectCode)
		m.raw(`</td><td class="pname">`)
		m.reviewLink(r.ID, r.ProjectName)
		m.raw("</td>")
		m.td(r.KindLabel)
		m.raw(`<td class="org">`)
		m.text(r.UnitName)
		m.raw(`<div class="sub">`)
		m.text(r.JurisdictionName)
		m.raw(`</div></td><td class="org">`)
		m.orDash(r.FirmName)
		m.raw("</td><td>")
		m.stateTag(r.StateClass, r.StateLabel)
		m.raw(`</td><td class="num">`)
		m.text(FormatMoney(r.SubmittedAmount))
		m.raw(`</td><td class="num">`)
		audited := ""
		if r.AuditedAmount.Valid {
			audited = FormatMoney(r.AuditedAmount.Decimal)
		}
		m.orDash(audited)
		m.raw(`</td><td class="num">`)
		m.text(r.Rate)
		m.raw(`</td><td class="due">`)
		m.due(r.Due, r.DueClass)
		m.raw(`</td><td class="nowrap">`)
		m.text(formatTime(r.CreatedAt, "2006-01-02"))
		m.raw(`</td><td class="no-print">`)
		m.reviewLink(r.ID, "查看")
		m.raw("</td></tr>\n")
	}
	return m.html()
}
