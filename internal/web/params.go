package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/store"
)

// idParam reads a positive id from a route parameter; anything else is a
// row that does not exist (404), like a row the caller may not see.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}
