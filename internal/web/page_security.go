package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

type securityUserRow struct {
	auth.User
	RoleLabel   string
	LockedUntil time.Time
}

func (a *App) securityUsers(c *fiber.Ctx) error {
	p, err := require(c, auth.GrantRoles)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	users, err := a.auth.Users(ctx)
	if err != nil {
		return err
	}
	locked, err := a.auth.LockedAccounts(ctx, p)
	if err != nil {
		return err
	}
	rows := make([]securityUserRow, 0, len(users))
	for _, u := range users {
		rows = append(rows, securityUserRow{User: u, RoleLabel: auth.Role(u.Role).Label(), LockedUntil: locked[u.Username]})
	}
	type roleOpt struct{ Code, Label string }
	var roles []roleOpt
	for _, r := range auth.Roles() {
		roles = append(roles, roleOpt{string(r), r.Label()})
	}
	return a.views.render(c, 200, "security_users", a.page(c, "账户与授权", map[string]any{
		"Breadcrumb": []crumb{{Label: "安全管理"}, {Label: "账户与授权"}},
		"Users":      rows, "Roles": roles, "Self": p.UserID,
	}))
}

func (a *App) securityGrantRole(c *fiber.Ctx) error {
	p, err := require(c, auth.GrantRoles)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	role, err := auth.ParseRole(c.FormValue("role"))
	if err != nil {
		return &statusErr{status: 422, code: "invalid", msg: "请选择角色"}
	}
	if err := a.auth.GrantRole(c.UserContext(), p, id, role); err != nil {
		return err
	}
	return c.Redirect("/security/users?msg="+urlQuery("已授予角色 "+role.Label()), fiber.StatusSeeOther)
}

func (a *App) securityUnlock(c *fiber.Ctx) error {
	p, err := require(c, auth.UnlockAccounts)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := a.auth.Unlock(c.UserContext(), p, id); err != nil {
		return err
	}
	return c.Redirect("/security/users?msg="+urlQuery("已解锁账户"), fiber.StatusSeeOther)
}
