package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

const sessionCookie = "finreview_session"

// loadSession resolves the session cookie, if any, into locals.
func (a *App) loadSession(c *fiber.Ctx) error {
	tok := c.Cookies(sessionCookie)
	if tok == "" {
		return c.Next()
	}
	sess, u, err := a.auth.Session(c.UserContext(), tok)
	if errors.Is(err, auth.ErrUnauthenticated) {
		c.ClearCookie(sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	c.Locals("session", sess)
	c.Locals("user", u)
	c.Locals("principal", auth.FromUser(u))
	return c.Next()
}

// requireLogin sends anonymous visitors to the sign-in page.
func (a *App) requireLogin(c *fiber.Ctx) error {
	if _, ok := c.Locals("principal").(auth.Principal); !ok {
		return c.Redirect("/login?next=" + url.QueryEscape(c.OriginalURL()))
	}
	return c.Next()
}

// setSessionCookie sets a browser-session cookie: it carries no expiry of
// its own, the server ends the session (idle timeout, absolute lifetime).
func (a *App) setSessionCookie(c *fiber.Ctx, tok string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: tok, Path: "/", HTTPOnly: true, Secure: a.secure,
		SameSite: "Lax", SessionOnly: true})
}

func principal(c *fiber.Ctx) (auth.Principal, bool) {
	p, ok := c.Locals("principal").(auth.Principal)
	return p, ok
}

// mustPrincipal returns the signed-in principal or ErrUnauthenticated.
func mustPrincipal(c *fiber.Ctx) (auth.Principal, error) {
	p, ok := principal(c)
	if !ok {
		return p, auth.ErrUnauthenticated
	}
	return p, nil
}

// require checks a non-workflow permission.
func require(c *fiber.Ctx, act auth.Action) (auth.Principal, error) {
	p, err := mustPrincipal(c)
	if err != nil {
		return p, err
	}
	if !p.Can(act) {
		return p, auth.ErrForbidden
	}
	return p, nil
}

// bearer authenticates an API call.
func (a *App) bearer(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return auth.ErrUnauthenticated
	}
	u, err := a.auth.TokenUser(c.UserContext(), strings.TrimSpace(tok))
	if err != nil {
		return err
	}
	// A user who must change their password may call nothing else first.
	if c.Path() != "/api/v1/me/password" {
		if err := a.auth.CheckAPIAccess(c.UserContext(), u); err != nil {
			return err
		}
	}
	c.Locals("user", u)
	c.Locals("principal", auth.FromUser(u))
	return c.Next()
}

func clientIP(c *fiber.Ctx) string { return c.IP() }
