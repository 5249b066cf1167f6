package web

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/input"
)

// decodeJSON reads a JSON body strictly; malformed JSON is a 400.
func decodeJSON(c *fiber.Ctx, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(c.Body())))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return badRequest("请求体不是有效的 JSON: " + err.Error())
	}
	return nil
}

func (a *App) apiCreateToken(c *fiber.Ctx) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Username == "" || in.Password == "" {
		return auth.ErrBadCredentials
	}
	tok, err := a.auth.IssueToken(c.UserContext(), in.Username, in.Password, clientIP(c))
	if err != nil {
		return err
	}
	return c.Status(201).JSON(fiber.Map{"token": tok})
}

func (a *App) apiMe(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": idText(p.UserID), "username": p.Username, "name": p.Name, "role": p.Role,
		"role_label": p.Role.Label(), "org_id": idText(p.OrgID), "jurisdiction_id": idText(p.JurisdictionID)})
}

// apiChangePassword is PUT /api/v1/me/password {"current","password"}:
// the caller's own new password, checked against the policy; 204. It is
// the one call a user who must change their password may make.
func (a *App) apiChangePassword(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	var in struct {
		Current  string `json:"current"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Current == "" {
		return &input.FieldError{Name: "current", Msg: "请填写当前密码"}
	}
	if in.Password == "" {
		return &input.FieldError{Name: "password", Msg: "请填写新密码"}
	}
	if err := a.auth.ChangePassword(c.UserContext(), p.UserID, in.Current, in.Password, ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
