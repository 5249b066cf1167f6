package web

import "github.com/gofiber/fiber/v2"

// routes registers every page and API route in one place.
func (a *App) routes() {
	f := a.fiber

	// JSON API: bearer tokens, no cookies, no CSRF.
	// Text is checked after sign-in (checkInput), so no anonymous body is
	// read beyond what limitBody allows.
	api := f.Group("/api/v1")
	api.Post("/tokens", a.checkInput, a.apiCreateToken)
	authed := api.Group("", a.bearer, a.checkInput)
	authed.Get("/me", a.apiMe)
	authed.Put("/me/password", a.apiChangePassword)
	a.apiRoutes(authed)

	// Pages: session cookie and CSRF on every form; on both, text no
	// person types is refused before any handler (input_check.go).
	pages := f.Group("", a.loadSession, a.csrf, a.signFlash, a.checkInput)
	pages.Get("/login", a.loginPage)
	pages.Post("/login", a.loginSubmit)
	pages.Post("/logout", a.logout)
	in := pages.Group("", a.requireLogin, a.passwordGate)
	in.Get("/", a.home)
	in.Get("/notifications", a.notifications)
	in.Post("/notifications/read", a.notificationsRead)
	in.Get("/stand-ins", a.standIns)
	in.Post("/stand-ins", a.standInAdd)
	in.Post("/stand-ins/:id/revoke", a.standInRevoke)
	a.pageRoutes(in)

	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// apiRoutes registers the JSON API of each area.
func (a *App) apiRoutes(r fiber.Router) {
	for _, reg := range a.apiAreas() {
		reg(r)
	}
}

// pageRoutes registers the pages of each area.
func (a *App) pageRoutes(r fiber.Router) {
	for _, reg := range a.pageAreas() {
		reg(r)
	}
}
