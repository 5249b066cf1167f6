package web

import (
	"bytes"
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/report"
)

// loadBulletin reads the bulletin of the month in the query (?month=YYYY-MM,
// default this month) within the principal's scope.
func (a *App) loadBulletin(c *fiber.Ctx) (report.Bulletin, error) {
	p, err := require(c, auth.ViewDashboard)
	if err != nil {
		return report.Bulletin{}, err
	}
	m, err := monthParam(c, a.now())
	if err != nil {
		return report.Bulletin{}, err
	}
	return a.svc.Reports.Bulletin(c.UserContext(), p, m)
}

func (a *App) bulletin(c *fiber.Ctx) error {
	b, err := a.loadBulletin(c)
	if err != nil {
		return err
	}
	m, _ := report.ParseMonth(b.Month, a.now(), shanghai)
	return a.views.render(c, 200, "bulletin", a.page(c, b.Title, map[string]any{
		"Breadcrumb": []crumb{{Label: "业务管理"}, {Label: "评审月报"}},
		"B":          b, "Prev": m.AddDate(0, -1, 0).Format("2006-01"), "Next": m.AddDate(0, 1, 0).Format("2006-01"),
		"MonthQuery": url.QueryEscape(b.Month), "FiguresAt": formatTime(b.At, "2006-01-02 15:04:05"),
	}))
}

func (a *App) bulletinPrint(c *fiber.Ctx) error {
	b, err := a.loadBulletin(c)
	if err != nil {
		return err
	}
	return a.views.render(c, 200, "bulletin_print", a.page(c, b.Title, map[string]any{"B": b, "Printed": a.now(),
		"FiguresAt": formatTime(b.At, "2006-01-02 15:04:05")}))
}

func (a *App) bulletinExcel(c *fiber.Ctx) error {
	b, err := a.loadBulletin(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := b.WriteExcel(&buf); err != nil {
		return err
	}
	name := fmt.Sprintf("评审月报-%s.xlsx", b.Month)
	return sendWorkbook(c, "bulletin-"+b.Month+".xlsx", name, buf.Bytes())
}
