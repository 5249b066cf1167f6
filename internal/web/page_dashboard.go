package web

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/report"
)

// dashboard is 统计分析: reviews by state and kind, overdue, money submitted
// against audited by year, unit and firm (charts drawn in Go as inline
// SVG) and the review fees, with what contractors bear paid and owed; the
// figures are shared by the scope's readers and say when they were read.
func (a *App) dashboard(c *fiber.Ctx) error {
	p, err := require(c, auth.ViewDashboard)
	if err != nil {
		return err
	}
	d, err := a.svc.Reports.Dashboard(c.UserContext(), p)
	if err != nil {
		return err
	}
	total := report.Figures{}
	for _, y := range d.ByYear {
		total = total.Add(y.Figures)
	}
	charts := map[string]template.HTML{
		// Server-generated SVG with every text escaped (report.Chart).
		"State": template.HTML(report.CountChart("评审任务按状态", d.ByState)),
		"Kind":  template.HTML(report.CountChart("评审任务按类型", d.ByKind)),
		"Year":  template.HTML(report.MoneyChart("已出具结论项目:送审与审定金额(按年度)", d.ByYear)),
		"Unit":  template.HTML(report.MoneyChart("按建设单位(前 10)", d.ByUnit)),
		"Firm":  template.HTML(report.MoneyChart("按中介机构(前 10)", d.ByFirm)),
	}
	return a.views.render(c, 200, "dashboard", a.page(c, "统计分析", map[string]any{
		"Breadcrumb": []crumb{{Label: "业务管理"}, {Label: "统计分析"}},
		"D":          d, "Contractors": d.Contractors, "Concluded": total, "Charts": charts, "OverdueLink": mayListOverdue(p),
		"FiguresAt": formatTime(d.At, "2006-01-02 15:04:05"),
	}))
}
