package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

func (a *App) loginPage(c *fiber.Ctx) error {
	if _, ok := principal(c); ok {
		return c.Redirect("/")
	}
	return a.renderLogin(c, 200, newForm())
}

func (a *App) renderLogin(c *fiber.Ctx, status int, form *formState) error {
	// Keep a pre-session token the browser already holds: a second page
	// load in the background (an unauthenticated favicon request is sent
	// to this page too) must not invalidate the form on screen.
	tok := c.Cookies(preCSRFCookie)
	if len(tok) != 32 || strings.Trim(tok, "0123456789abcdef") != "" {
		tok = newRequestID() + newRequestID()
	}
	c.Cookie(&fiber.Cookie{Name: preCSRFCookie, Value: tok, Path: "/", HTTPOnly: true, Secure: a.secure, SameSite: "Strict"})
	data := a.page(c, "登录", map[string]any{"Form": form})
	data["CSRF"] = tok
	return a.views.render(c, status, "login", data)
}

func (a *App) loginSubmit(c *fiber.Ctx) error {
	form := readForm(c, "username")
	username, password := form.Values["username"], c.FormValue("password")
	if username == "" {
		form.fail("username", "请输入用户名")
	}
	if password == "" {
		form.fail("password", "请输入密码")
	}
	if !form.ok() {
		return a.renderLogin(c, 422, form)
	}
	tok, err := a.auth.SignIn(c.UserContext(), username, password, clientIP(c), c.Cookies(sessionCookie))
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		form.Message = "用户名或密码错误"
		return a.renderLogin(c, 401, form)
	case errors.Is(err, auth.ErrThrottled):
		form.Message = auth.ThrottleMessage(err)
		return a.renderLogin(c, 429, form)
	case err != nil:
		return err
	}
	a.setSessionCookie(c, tok)
	c.ClearCookie(preCSRFCookie)
	next := c.Query("next")
	if !safeLocalPath(next) {
		next = "/"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (a *App) logout(c *fiber.Ctx) error {
	if tok := c.Cookies(sessionCookie); tok != "" {
		if err := a.auth.EndSession(c.UserContext(), tok); err != nil {
			return err
		}
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
