package web

import (
	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/review/notice"
)

type profileKindRow struct {
	Kind, Label    string
	EmailOn, SMSOn bool
}

func (a *App) profile(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	if a.svc.Notices == nil {
		return a.views.render(c, 200, "profile", a.page(c, "通知设置", map[string]any{"Unavailable": true}))
	}
	s, err := a.svc.Notices.Settings(c.UserContext(), p)
	if err != nil {
		return err
	}
	return a.renderProfile(c, 200, s, newForm())
}

func (a *App) renderProfile(c *fiber.Ctx, status int, s notice.Settings, form *formState) error {
	var rows []profileKindRow
	for _, k := range notice.Kinds() {
		rows = append(rows, profileKindRow{Kind: string(k), Label: k.Label(),
			EmailOn: !s.Off[string(k)+"/email"], SMSOn: !s.Off[string(k)+"/sms"]})
	}
	return a.views.render(c, status, "profile", a.page(c, "通知设置", map[string]any{
		"Breadcrumb": []crumb{{Label: "个人"}, {Label: "通知设置"}},
		"S":          s, "Kinds": rows, "Form": form, "Channels": a.svc.Notices.Channels(),
		"DefaultQuiet": a.svc.Notices.DefaultQuiet(),
	}))
}

// noticesUser is the signed-in principal, for a handler of the outside
// notices; a server without them has no such handler (404).
func (a *App) noticesUser(c *fiber.Ctx) (auth.Principal, error) {
	if a.svc.Notices == nil {
		return auth.Principal{}, fiber.ErrNotFound
	}
	return mustPrincipal(c)
}

func (a *App) profileSave(c *fiber.Ctx) error {
	p, err := a.noticesUser(c)
	if err != nil {
		return err
	}
	in := notice.Settings{Phone: c.FormValue("phone"), Email: c.FormValue("email"), QuietMode: c.FormValue("quiet_mode"),
		Quiet: c.FormValue("quiet"), Digest: c.FormValue("digest") == "on", Off: map[string]bool{}}
	for _, k := range notice.Kinds() {
		for _, ch := range []string{"email", "sms"} {
			key := string(k) + "/" + ch
			if c.FormValue("on:"+key) != "on" {
				in.Off[key] = true
			}
		}
	}
	err = a.svc.Notices.SaveSettings(c.UserContext(), p, in)
	if form := newForm(); form.refuse(err) {
		return a.renderProfile(c, 422, in, form)
	}
	if err != nil {
		return err
	}
	return redirectMsg(c, "/profile", "通知设置已保存")
}

func (a *App) adminNotices(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	if a.svc.Notices == nil {
		if p.Role != auth.Admin {
			return auth.ErrForbidden
		}
		return a.views.render(c, 200, "admin_notices", a.page(c, "外部通知", map[string]any{"Unavailable": true}))
	}
	ctx := c.UserContext()
	dead, err := a.svc.Notices.DeadLetters(ctx, p)
	if err != nil {
		return err
	}
	counts, err := a.svc.Notices.Counts(ctx)
	if err != nil {
		return err
	}
	return a.views.render(c, 200, "admin_notices", a.page(c, "外部通知", map[string]any{
		"Breadcrumb": []crumb{{Label: "系统管理"}, {Label: "外部通知"}},
		"Channels":   a.svc.Notices.Channels(), "Counts": counts, "Dead": dead,
	}))
}

func (a *App) adminNoticeRetry(c *fiber.Ctx) error {
	return a.adminNoticeAction(c, "retry", "已重新排队发送")
}

func (a *App) adminNoticeDrop(c *fiber.Ctx) error {
	return a.adminNoticeAction(c, "drop", "已放弃该消息")
}

func (a *App) adminNoticeAction(c *fiber.Ctx, action, msg string) error {
	if a.svc.Notices == nil {
		return fiber.ErrNotFound
	}
	p, id, err := signedInRow(c)
	if err != nil {
		return err
	}
	fn := a.svc.Notices.Retry
	if action == "drop" {
		fn = a.svc.Notices.Drop
	}
	if err := fn(c.UserContext(), p, id); err != nil {
		return err
	}
	return redirectMsg(c, "/admin/notices", msg)
}
