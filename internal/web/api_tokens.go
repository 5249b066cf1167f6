package web

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
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
	return c.JSON(fiber.Map{"id": strconv.FormatInt(p.UserID, 10), "username": p.Username, "name": p.Name, "role": p.Role,
		"role_label": p.Role.Label(), "org_id": strconv.FormatInt(p.OrgID, 10), "jurisdiction_id": strconv.FormatInt(p.JurisdictionID, 10)})
}
