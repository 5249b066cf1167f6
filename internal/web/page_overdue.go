package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/deadline"
	"finreview/internal/xlsx"
)

// mayListOverdue says whether p may open the overdue list: the review
// center's and the administrator's.
func mayListOverdue(p auth.Principal) bool {
	return p.Role == auth.ReviewCenter || p.Role == auth.Admin
}

// overdueFilter is the search form of the list.
type overdueFilter struct {
	Kind    string
	Keyword string
}

func (a *App) loadOverdue(c *fiber.Ctx) ([]deadline.OverdueRow, overdueFilter, error) {
	p, err := mustPrincipal(c)
	if err != nil {
		return nil, overdueFilter{}, err
	}
	if !mayListOverdue(p) {
		return nil, overdueFilter{}, auth.ErrForbidden
	}
	f := overdueFilter{Kind: strings.TrimSpace(c.Query("kind")), Keyword: strings.TrimSpace(c.Query("q"))}
	rows, err := a.svc.Calendar.Overdue(c.UserContext(), p)
	if err != nil {
		return nil, f, err
	}
	out := rows[:0]
	for _, r := range rows {
		if f.Kind != "" && string(r.Kind) != f.Kind {
			continue
		}
		if f.Keyword != "" && !strings.Contains(r.ProjectName, f.Keyword) && !strings.Contains(r.ProjectCode, f.Keyword) &&
			!strings.Contains(r.Responsible, f.Keyword) {
			continue
		}
		out = append(out, r)
	}
	return out, f, nil
}

type overdueKindOption struct {
	Value, Label string
	Selected     bool
}

func (a *App) overdueList(c *fiber.Ctx) error {
	rows, f, err := a.loadOverdue(c)
	if err != nil {
		return err
	}
	page, pg, err := pageOf(c, rows)
	if err != nil {
		return err
	}
	kinds := []overdueKindOption{{Value: "", Label: "全部", Selected: f.Kind == ""}}
	for _, k := range deadline.Kinds() {
		kinds = append(kinds, overdueKindOption{Value: string(k), Label: k.Label(), Selected: f.Kind == string(k)})
	}
	export := "/overdue.xlsx?" + url.Values{"kind": {f.Kind}, "q": {f.Keyword}}.Encode()
	title := "逾期清单"
	return a.views.render(c, 200, "overdue", a.page(c, title, map[string]any{
		"Rows": page, "Offset": pg.Offset(), "Filter": f, "Kinds": kinds, "Export": export,
		"Pager": pg.Pager(c, len(rows)), "Breadcrumb": []crumb{{Label: "审计"}, {Label: title}},
	}))
}

func (a *App) overdueExcel(c *fiber.Ctx) error {
	rows, _, err := a.loadOverdue(c)
	if err != nil {
		return err
	}
	b, err := overdueWorkbook(rows, a.now().In(calendar.Location()).Format("2006-01-02 15:04"))
	if err != nil {
		return err
	}
	name := "逾期清单-" + calendar.DateOf(a.now()).String() + ".xlsx"
	return sendWorkbook(c, "overdue.xlsx", name, b)
}

// overdueWorkbook writes the list into one sheet, codes as text.
func overdueWorkbook(rows []deadline.OverdueRow, printed string) ([]byte, error) {
	book := xlsx.New()
	s := book.Sheet("逾期清单", 6, 18, 36, 12, 16, 20, 14, 30, 14, 12)
	s.Title("逾期清单(导出时间 " + printed + ")")
	s.Header("序号", "项目编号", "项目名称", "区划", "期限类型", "截止时间", "逾期(工作日)", "责任方", "评审状态", "评审任务")
	for i, r := range rows {
		s.Row(i+1, xlsx.Text(r.ProjectCode), r.ProjectName, r.JurisdictionName, r.Kind.Label(),
			r.DueAt.In(calendar.Location()).Format("2006-01-02 15:04:05"), r.DaysOverdue, r.Responsible,
			r.ReviewState.Label(), xlsx.Text(fmt.Sprint(r.ReviewID)))
	}
	return book.Bytes()
}
