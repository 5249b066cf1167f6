package web

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

// Handlers start alike: the signed-in principal allowed an action, then
// the service they call, then, for a handler on one row, the route's id.
// A service the server runs without answers 503 (auth.RefusedError), which the one
// error handler shows as the page's error on pages and as the JSON error
// on the API.

// wired is svc, or the 503 that names the service (what) when the server
// runs without it.
func wired[S any](svc *S, what string) (*S, error) {
	if svc == nil {
		return nil, &auth.RefusedError{Status: 503, Reason: "unavailable", Msg: what + "服务未启用"}
	}
	return svc, nil
}

// serviceCall returns the principal allowed act and the service.
func serviceCall[S any](c *fiber.Ctx, act auth.Action, service func() (S, error)) (auth.Principal, S, error) {
	var svc S
	p, err := require(c, act)
	if err == nil {
		svc, err = service()
	}
	return p, svc, err
}

// rowCall is serviceCall on the row the route's id names.
func rowCall[S any](c *fiber.Ctx, act auth.Action, service func() (S, error)) (auth.Principal, S, int64, error) {
	p, svc, err := serviceCall(c, act, service)
	if err != nil {
		return p, svc, 0, err
	}
	id, err := idParam(c, "id")
	return p, svc, id, err
}

// rowRead is rowCall for a handler that only reads: read, a method of the
// service, is asked for what the route's row shows.
func rowRead[S, T any](c *fiber.Ctx, act auth.Action, service func() (S, error),
	read func(S, context.Context, auth.Principal, int64) (T, error)) (T, error) {
	p, svc, id, err := rowCall(c, act, service)
	if err != nil {
		var none T
		return none, err
	}
	return read(svc, c.UserContext(), p, id)
}

// signedInRow is the signed-in principal and the route's id, for a
// handler whose service decides who may act on the row.
func signedInRow(c *fiber.Ctx) (auth.Principal, int64, error) {
	p, err := mustPrincipal(c)
	return withRowID(c, p, err)
}

// requireRow is the principal allowed act and the route's id, for a
// handler that calls no service of its own (accounts, sign-in).
func requireRow(c *fiber.Ctx, act auth.Action) (auth.Principal, int64, error) {
	p, err := require(c, act)
	return withRowID(c, p, err)
}

// blankForm shows a page with its form empty, to principals allowed act.
func blankForm(c *fiber.Ctx, act auth.Action, render func(c *fiber.Ctx, status int, form *formState) error) error {
	if _, err := require(c, act); err != nil {
		return err
	}
	return render(c, 200, newForm())
}

// withRowID adds the route's id to p unless err already refused the
// request.
func withRowID(c *fiber.Ctx, p auth.Principal, err error) (auth.Principal, int64, error) {
	if err != nil {
		return p, 0, err
	}
	id, err := idParam(c, "id")
	return p, id, err
}

// idText is an id as text: in an address, and as the opaque string JSON
// clients see.
func idText(id int64) string { return strconv.FormatInt(id, 10) }
