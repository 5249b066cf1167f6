package web

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/review"
)

// hostileTexts are the texts a row's fields are tried with: markup and
// its characters, NUL, characters outside the BMP, a noncharacter and
// bytes that are not UTF-8.
var hostileTexts = []string{
	"", "巴彦淖尔市临河区第3号道路改造工程", `<script>alert('x')</script>`, `A&B + "q" &amp; 'c'`,
	"\x00nul", "𠀋𠀌 𝕏", "\uFDD0\uFFFE", "\xff\xfe半个", "a>b<c", "——",
}

// TestRowsAsTheTemplateWrites: the rows of the to-do list and the review
// list, written in Go, are the very bytes html/template writes for the
// same markup with the pages' functions, whatever the text in them.
func TestRowsAsTheTemplateWrites(t *testing.T) {
	funcs := funcs()
	todoTmpl := template.Must(template.New("todo").Funcs(funcs).Parse(`{{range $i, $t := .}}<tr><td>{{inc $i}}</td><td>{{$t.ProjectName}}</td><td>{{$t.KindLabel}}</td>` +
		`<td><span class="tag {{$t.StateClass}}">{{$t.StateLabel}}</span></td><td>{{$t.Action}}</td>` +
		`<td class="due">{{if $t.Due}}<span class="{{$t.DueClass}}">{{$t.Due}}</span>{{else}}—{{end}}</td>` +
		`<td><a href="/reviews/{{$t.ReviewID}}{{$t.Anchor}}" data-testid="todo-{{$t.ReviewID}}">办理</a></td></tr>` + "\n{{end}}"))
	doneTmpl := template.Must(template.New("done").Funcs(funcs).Parse(`{{range $i, $d := .}}<tr><td>{{inc $i}}</td><td>{{$d.At}}</td>` +
		`<td><a href="/reviews/{{$d.ReviewID}}">{{$d.ProjectName}}</a></td><td>{{$d.Action}}</td><td>{{$d.StateLabel}}</td></tr>` + "\n{{end}}"))

	listTmpl := template.Must(template.New("list").Funcs(funcs).Parse(`{{$off := .Offset}}{{range $i, $r := .Rows}}<tr>` +
		`<td>{{add $off (inc $i)}}</td><td class="code">{{$r.ProjectCode}}</td><td class="pname"><a href="/reviews/{{$r.ID}}">{{$r.ProjectName}}</a></td><td>{{$r.KindLabel}}</td>` +
		`<td class="org">{{$r.UnitName}}<div class="sub">{{$r.JurisdictionName}}</div></td><td class="org">{{or $r.FirmName "—"}}</td>` +
		`<td><span class="tag {{$r.StateClass}}">{{$r.StateLabel}}</span></td>` +
		`<td class="num">{{money $r.SubmittedAmount}}</td><td class="num">{{moneyPtr $r.AuditedAmount}}</td><td class="num">{{$r.Rate}}</td>` +
		`<td class="due">{{if $r.Due}}<span class="{{$r.DueClass}}">{{$r.Due}}</span>{{else}}—{{end}}</td><td class="nowrap">{{date $r.CreatedAt}}</td>` +
		`<td class="no-print"><a href="/reviews/{{$r.ID}}">查看</a></td></tr>` + "\n{{end}}"))

	var todo []todoRow
	var done []doneRow
	var list []reviewRow
	for i, s := range hostileTexts {
		r := hostileTexts[(i+3)%len(hostileTexts)]
		anchor := ""
		if i%2 == 0 {
			anchor = "#expert-task"
		}
		todo = append(todo, todoRow{ReviewID: int64(1000 + i), ProjectName: s, KindLabel: r, StateLabel: s, StateClass: r,
			Action: s, Due: r, DueClass: s, Anchor: anchor})
		done = append(done, doneRow{ReviewID: int64(2000 + i), At: r, ProjectName: s, Action: r, StateLabel: s})
		rv := review.Review{ID: int64(3000 + i), ProjectCode: r, ProjectName: s, UnitName: r, JurisdictionName: s,
			SubmittedAmount: decimal.RequireFromString("12345678.9").Mul(decimal.NewFromInt(int64(i))),
			CreatedAt:       time.Date(2026, 3, 1+i, 23, 30, 0, 0, time.UTC)}
		if i%2 == 0 {
			rv.FirmName = r
			rv.AuditedAmount = decimal.NullDecimal{Decimal: decimal.RequireFromString("-0.05"), Valid: true}
		}
		list = append(list, reviewRow{Review: rv, KindLabel: s, StateLabel: r, StateClass: s, Due: s, DueClass: r, Rate: r})
	}
	for _, c := range []struct {
		name string
		tmpl *template.Template
		data any
		got  template.HTML
	}{
		{"to do", todoTmpl, todo, todoRows(todo)},
		{"done", doneTmpl, done, doneRows(done)},
		{"nothing to do", todoTmpl, []todoRow(nil), todoRows(nil)},
		{"review list", listTmpl, map[string]any{"Rows": list, "Offset": 40}, reviewListRows(list, 40)},
	} {
		var want strings.Builder
		if err := c.tmpl.Execute(&want, c.data); err != nil {
			t.Fatal(err)
		}
		if string(c.got) != want.String() {
			t.Errorf("%s:\n got %q\nwant %q", c.name, c.got, want.String())
		}
	}
}
