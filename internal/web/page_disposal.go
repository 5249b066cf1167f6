package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/retention"
)

// pageDisposal registers the list of archives due for disposal
// (档案到期处置) and the confirmation a person gives for each.
func (a *App) pageDisposal(r fiber.Router) {
	svc := a.svc.Retention
	r.Get("/archives/disposal", func(c *fiber.Ctx) error { return a.renderDisposal(c, svc, 200, newForm(), 0) })
	r.Post("/archives/disposal/:id<int>/confirm", func(c *fiber.Ctx) error { return a.confirmDisposal(c, svc) })
}

func (a *App) renderDisposal(c *fiber.Ctx, svc *retention.Service, status int, form *formState, failed int64) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	due, err := svc.Due(c.UserContext(), p)
	if err != nil {
		return err
	}
	return a.views.render(c, status, "archive_disposal", a.page(c, "档案到期处置", map[string]any{
		"Breadcrumb": []crumb{{Label: "工作台"}, {Label: "档案到期处置"}},
		"Due":        due, "Form": form, "Failed": failed,
	}))
}

func (a *App) confirmDisposal(c *fiber.Ctx, svc *retention.Service) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	note := strings.TrimSpace(c.FormValue("note"))
	err = svc.Confirm(c.UserContext(), p, id, note)
	var fe *retention.FieldError
	if errors.As(err, &fe) {
		form := newForm()
		form.Values["note"] = note
		form.fail(fe.Field(), fe.Error())
		return a.renderDisposal(c, svc, 422, form, id)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/archives/disposal?msg="+urlQuery("已确认到期处置"), fiber.StatusSeeOther)
}
