package web

import (
	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth/standin"
)

// standInsView is the stand-ins page: the user's stand-ins, given and
// received, and the form to name one.
type standInsView struct {
	Items      []standInRow
	Colleagues []pageOption
	Form       *formState
	MaxDays    int
}

type standInRow struct {
	ID                          int64
	Given                       bool // named by the signed-in user
	UserName, StandInName       string
	StartsOn, EndsOn, Reason    string
	Status, StatusClass, Revoke string
}

func (a *App) standIns(c *fiber.Ctx) error {
	form := newForm()
	form.Values["starts_on"] = a.now().In(shanghai).Format("2006-01-02")
	return a.renderStandIns(c, 200, form)
}

func (a *App) renderStandIns(c *fiber.Ctx, status int, form *formState) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	list, err := a.svc.StandIns.List(ctx, p)
	if err != nil {
		return err
	}
	colleagues, err := a.svc.StandIns.Colleagues(ctx, p)
	if err != nil {
		return err
	}
	v := standInsView{Form: form, MaxDays: standin.MaxDays, Colleagues: []pageOption{{"", "请选择"}}}
	for _, u := range colleagues {
		v.Colleagues = append(v.Colleagues, pageOption{idText(u.ID), u.DisplayName})
	}
	now := a.now()
	for _, si := range list {
		row := standInRow{ID: si.ID, Given: si.UserID == p.UserID, UserName: si.UserName, StandInName: si.StandInName,
			StartsOn: si.StartsOn, EndsOn: si.EndsOn, Reason: si.Reason}
		switch standin.StateOf(si, now) {
		case standin.Revoked:
			row.Status, row.StatusClass = "已撤销", "grey"
		case standin.Running:
			row.Status, row.StatusClass, row.Revoke = "生效中", "green", "提前结束"
		case standin.Upcoming:
			row.Status, row.StatusClass, row.Revoke = "未开始", "blue", "撤销"
		case standin.Ended:
			row.Status, row.StatusClass = "已到期", "grey"
		}
		v.Items = append(v.Items, row)
	}
	return a.views.render(c, status, "stand_ins", a.page(c, "代办委托", map[string]any{"V": v,
		"Breadcrumb": []crumb{{Label: "个人中心"}, {Label: "代办委托"}}}))
}

func (a *App) standInAdd(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	form := readForm(c, "colleague_id", "starts_on", "ends_on", "reason")
	_, err = a.svc.StandIns.Add(c.UserContext(), p, standin.Input{ColleagueID: form.int64("colleague_id"),
		StartsOn: form.Values["starts_on"], EndsOn: form.Values["ends_on"], Reason: form.Values["reason"]})
	if form.refuse(err) {
		return a.renderStandIns(c, 422, form)
	}
	if err != nil {
		return err
	}
	return redirectMsg(c, "/stand-ins", "已委托,期间发给您的消息同时送达代办同事")
}

func (a *App) standInRevoke(c *fiber.Ctx) error {
	p, id, err := signedInRow(c)
	if err != nil {
		return err
	}
	if err := a.svc.StandIns.Revoke(c.UserContext(), p, id); err != nil {
		return err
	}
	return redirectMsg(c, "/stand-ins", "委托已结束")
}
