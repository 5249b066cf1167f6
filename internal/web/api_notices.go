package web

import (
	"github.com/gofiber/fiber/v2"
)

// apiSetContact is PUT /api/v1/me {"phone","email"}: a field left out
// keeps its value, an empty one clears it.
func (a *App) apiSetContact(c *fiber.Ctx) error {
	p, err := a.noticesUser(c)
	if err != nil {
		return err
	}
	var in struct {
		Phone *string `json:"phone"`
		Email *string `json:"email"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	cur, err := a.svc.Notices.Settings(ctx, p)
	if err != nil {
		return err
	}
	if in.Phone != nil {
		cur.Phone = *in.Phone
	}
	if in.Email != nil {
		cur.Email = *in.Email
	}
	phone, email, err := a.svc.Notices.SetContact(ctx, p, cur.Phone, cur.Email)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"phone": phone, "email": email})
}
