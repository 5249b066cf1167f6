package web

import (
	"strconv"

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
	return redirectMsg(c, "/", "密码已修改")
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
	p, id, err := signedInRow(c)
	if err != nil {
		return err
	}
	if err := a.auth.RevokeToken(c.UserContext(), p, id); err != nil {
		return err
	}
	return redirectMsg(c, "/account/tokens", "已撤销令牌")
}

// policyField is one integer field of the security policy form: its
// name, its label and the policy value it holds.
type policyField struct {
	name, label string
	of          func(*auth.Policy) *int
}

var policyFields = []policyField{
	{"min_length", "密码最小长度", func(p *auth.Policy) *int { return &p.MinLength }},
	{"history_count", "不得重复使用的历史密码个数", func(p *auth.Policy) *int { return &p.HistoryCount }},
	{"expiry_days", "密码有效期(天,0 为不过期)", func(p *auth.Policy) *int { return &p.ExpiryDays }},
	{"max_failures", "连续失败几次锁定", func(p *auth.Policy) *int { return &p.MaxFailures }},
	{"lock_minutes", "锁定时长(分钟)", func(p *auth.Policy) *int { return &p.LockMinutes }},
	{"idle_minutes", "会话空闲超时(分钟)", func(p *auth.Policy) *int { return &p.IdleMinutes }},
	{"absolute_hours", "会话最长有效期(小时)", func(p *auth.Policy) *int { return &p.AbsoluteHours }},
}

func (a *App) securityPolicy(c *fiber.Ctx) error {
	return blankForm(c, auth.ManagePolicy, a.renderSecurityPolicy)
}

func (a *App) renderSecurityPolicy(c *fiber.Ctx, status int, form *formState) error {
	p, err := a.auth.Policy(c.UserContext())
	if err != nil {
		return err
	}
	type field struct{ Name, Label, Value, Err string }
	var fields []field
	for _, f := range policyFields {
		v, ok := form.Values[f.name]
		if !ok {
			v = strconv.Itoa(*f.of(&p))
		}
		fields = append(fields, field{f.name, f.label, v, form.Errors[f.name]})
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
	var next auth.Policy
	for _, f := range policyFields {
		form.read(c, f.name)
		if form.Values[f.name] == "" {
			form.fail(f.name, "请填写")
		}
		*f.of(&next) = int(form.int64(f.name))
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
	return redirectMsg(c, "/security/policy", "安全策略已保存")
}
