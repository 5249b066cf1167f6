package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

// passwordGate sends a user who must set a new password (a new or reset
// account, or an expired password) to the password page before anything
// else; signing out stays possible.
func (a *App) passwordGate(c *fiber.Ctx) error {
	u, ok := c.Locals("user").(auth.User)
	if !ok || c.Path() == "/account/password" || c.Path() == "/logout" {
		return c.Next()
	}
	must, err := a.auth.MustChangePassword(c.UserContext(), u)
	if err != nil {
		return err
	}
	if must {
		return c.Redirect("/account/password", fiber.StatusSeeOther)
	}
	return c.Next()
}

func (a *App) accountPassword(c *fiber.Ctx) error {
	return a.renderAccountPassword(c, 200, newForm())
}

func (a *App) renderAccountPassword(c *fiber.Ctx, status int, form *formState) error {
	u, ok := c.Locals("user").(auth.User)
	if !ok {
		return auth.ErrUnauthenticated
	}
	must, err := a.auth.MustChangePassword(c.UserContext(), u)
	if err != nil {
		return err
	}
	policy, err := a.auth.Policy(c.UserContext())
	if err != nil {
		return err
	}
	return a.views.render(c, status, "account_password", a.page(c, "修改密码", map[string]any{
		"Breadcrumb": []crumb{{Label: "个人"}, {Label: "修改密码"}},
		"Must":       must, "Policy": policy, "Form": form,
	}))
}

func (a *App) accountChangePassword(c *fiber.Ctx) error {
	u, ok := c.Locals("user").(auth.User)
	sess, _ := c.Locals("session").(auth.Session)
	if !ok {
		return auth.ErrUnauthenticated
	}
	current, next := c.FormValue("current"), c.FormValue("password")
	form := newForm()
	var err error
	if next != c.FormValue("confirm") {
		form.fail("confirm", "两次输入的新密码不一致")
		// Nothing is changed; the other fields are still checked.
		err = a.auth.CheckPasswordChange(c.UserContext(), u.ID, current, next)
	} else {
		err = a.auth.ChangePassword(c.UserContext(), u.ID, current, next, sess.ID)
	}
	if err != nil && !form.refuse(err) {
		return err
	}
	if !form.ok() {
		return a.renderAccountPassword(c, 422, form)
	}
	return c.Redirect("/?msg="+urlQuery("密码已修改"), fiber.StatusSeeOther)
}

func (a *App) accountTokens(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	tokens, err := a.auth.Tokens(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	return a.views.render(c, 200, "account_tokens", a.page(c, "API 令牌", map[string]any{
		"Breadcrumb": []crumb{{Label: "个人"}, {Label: "API 令牌"}},
		"Tokens":     tokens,
	}))
}

func (a *App) accountRevokeToken(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := a.auth.RevokeToken(c.UserContext(), p, id); err != nil {
		return err
	}
	return c.Redirect("/account/tokens?msg="+urlQuery("已撤销令牌"), fiber.StatusSeeOther)
}

// policyFields are the policy form's integer fields.
var policyFields = []string{"min_length", "history_count", "expiry_days", "max_failures", "lock_minutes", "idle_minutes", "absolute_hours"}

func (a *App) securityPolicy(c *fiber.Ctx) error {
	if _, err := require(c, auth.ManagePolicy); err != nil {
		return err
	}
	return a.renderSecurityPolicy(c, 200, newForm())
}

func (a *App) renderSecurityPolicy(c *fiber.Ctx, status int, form *formState) error {
	p, err := a.auth.Policy(c.UserContext())
	if err != nil {
		return err
	}
	type field struct{ Name, Label, Value, Err string }
	values := map[string]int{"min_length": p.MinLength, "history_count": p.HistoryCount, "expiry_days": p.ExpiryDays,
		"max_failures": p.MaxFailures, "lock_minutes": p.LockMinutes, "idle_minutes": p.IdleMinutes, "absolute_hours": p.AbsoluteHours}
	labels := map[string]string{"min_length": "密码最小长度", "history_count": "不得重复使用的历史密码个数",
		"expiry_days": "密码有效期(天,0 为不过期)", "max_failures": "连续失败几次锁定", "lock_minutes": "锁定时长(分钟)",
		"idle_minutes": "会话空闲超时(分钟)", "absolute_hours": "会话最长有效期(小时)"}
	var fields []field
	for _, name := range policyFields {
		v, ok := form.Values[name]
		if !ok {
			v = strconv.Itoa(values[name])
		}
		fields = append(fields, field{name, labels[name], v, form.Errors[name]})
	}
	return a.views.render(c, status, "security_policy", a.page(c, "安全策略", map[string]any{
		"Breadcrumb": []crumb{{Label: "安全管理"}, {Label: "安全策略"}},
		"Policy":     p, "Fields": fields,
	}))
}

func (a *App) securitySetPolicy(c *fiber.Ctx) error {
	p, err := require(c, auth.ManagePolicy)
	if err != nil {
		return err
	}
	form := newForm()
	form.read(c, policyFields...)
	var next auth.Policy
	for _, f := range policyFields {
		n := int(form.int64(f))
		if strings.TrimSpace(form.Values[f]) == "" {
			form.fail(f, "请填写")
		}
		switch f {
		case "min_length":
			next.MinLength = n
		case "history_count":
			next.HistoryCount = n
		case "expiry_days":
			next.ExpiryDays = n
		case "max_failures":
			next.MaxFailures = n
		case "lock_minutes":
			next.LockMinutes = n
		case "idle_minutes":
			next.IdleMinutes = n
		case "absolute_hours":
			next.AbsoluteHours = n
		}
	}
	next.SingleSession = c.FormValue("single_session") == "on" || c.FormValue("single_session") == "true"
	if form.ok() {
		err = a.auth.SetPolicy(c.UserContext(), p, next)
	} else {
		// Nothing is saved; the values given are still checked.
		err = auth.ValidatePolicy(next)
	}
	if err != nil && !form.refuse(err) {
		return err
	}
	if !form.ok() {
		return a.renderSecurityPolicy(c, 422, form)
	}
	return c.Redirect("/security/policy?msg="+urlQuery("安全策略已保存"), fiber.StatusSeeOther)
}
