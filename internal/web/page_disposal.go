package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// disposalPage lists the archives due for disposal (档案到期处置); each is
// confirmed by a person (confirmDisposal).
func (a *App) disposalPage(c *fiber.Ctx) error { return a.renderDisposal(c, 200, newForm(), 0) }

func (a *App) renderDisposal(c *fiber.Ctx, status int, form *formState, failed int64) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	due, err := a.svc.Retention.Due(c.UserContext(), p)
	if err != nil {
		return err
	}
	return a.views.render(c, status, "archive_disposal", a.page(c, "档案到期处置", map[string]any{
		"Breadcrumb": []crumb{{Label: "工作台"}, {Label: "档案到期处置"}},
		"Due":        due, "Form": form, "Failed": failed,
	}))
}

func (a *App) confirmDisposal(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	note := strings.TrimSpace(c.FormValue("note"))
	err = a.svc.Retention.Confirm(c.UserContext(), p, id, note)
	if form := newForm(); form.refuse(err) {
		form.Values["note"] = note
		return a.renderDisposal(c, 422, form, id)
	}
	if err != nil {
		return err
	}
	return redirectMsg(c, "/archives/disposal", "已确认到期处置")
}
