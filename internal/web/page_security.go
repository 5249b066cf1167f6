package web

import (
	"strings"
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
	return a.renderSecurityUsers(c, 200, nil, nil)
}

// roleState is a refused role form: the user's row it belongs to and the
// message shown next to its select.
type roleState struct {
	UserID int64
	Role   string
	Error  string
}

// renderSecurityUsers shows the accounts; reset carries a one-time
// password just set, refused a refused role form (either may be nil).
func (a *App) renderSecurityUsers(c *fiber.Ctx, status int, reset map[string]any, refused *roleState) error {
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
	return a.views.render(c, status, "security_users", a.page(c, "账户与授权", map[string]any{
		"Breadcrumb": []crumb{{Label: "安全管理"}, {Label: "账户与授权"}},
		"Users":      rows, "Roles": codeOptions(auth.Roles()), "Self": p.UserID, "Reset": reset, "RoleError": refused,
	}))
}

func (a *App) securityGrantRole(c *fiber.Ctx) error {
	p, id, err := requireRow(c, auth.GrantRoles)
	if err != nil {
		return err
	}
	raw := strings.TrimSpace(c.FormValue("role"))
	role, err := auth.ParseRole(raw)
	if err != nil {
		err = fieldErr("role", "请选择角色")
	} else {
		err = a.auth.GrantRole(c.UserContext(), p, id, role)
	}
	if err != nil {
		// A refused role shows next to the user's select.
		msg, refused := refusalFor(err, "role")
		if !refused {
			return err
		}
		return a.renderSecurityUsers(c, 422, nil, &roleState{UserID: id, Role: raw, Error: msg})
	}
	return redirectMsg(c, "/security/users", "已授予角色 "+role.Label())
}

func (a *App) securityUnlock(c *fiber.Ctx) error {
	p, id, err := requireRow(c, auth.UnlockAccounts)
	if err != nil {
		return err
	}
	if err := a.auth.Unlock(c.UserContext(), p, id); err != nil {
		return err
	}
	return redirectMsg(c, "/security/users", "已解锁账户")
}

// securityResetPassword gives a user a one-time password, shown on this
// answer only (never in a link or a log): the user must change it at the
// next sign-in.
func (a *App) securityResetPassword(c *fiber.Ctx) error {
	p, id, err := requireRow(c, auth.ResetPasswords)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u, err := a.auth.User(ctx, id)
	if err != nil {
		return err
	}
	pw, err := a.auth.ResetToOneTime(ctx, p, id)
	if err != nil {
		return err
	}
	return a.renderSecurityUsers(c, 200, map[string]any{"Username": u.Username, "Name": u.DisplayName, "Password": pw}, nil)
}
