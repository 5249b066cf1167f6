package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// The API answers a list as API.md names it, {"items":[…],"total":N},
// total counting every match (a page of items may hold fewer), and a
// review's events and draws as a bare array; both are [] when empty.

// jsonList is each element of list as JSON.
func jsonList[T any](list []T, toJSON func(T) fiber.Map) []fiber.Map {
	out := make([]fiber.Map, 0, len(list))
	for _, v := range list {
		out = append(out, toJSON(v))
	}
	return out
}

// sendList answers {"items","total"}.
func sendList[T any](c *fiber.Ctx, list []T, total int, toJSON func(T) fiber.Map) error {
	return c.JSON(fiber.Map{"items": jsonList(list, toJSON), "total": total})
}

// apiTime is a time as the API writes it: RFC 3339 in Asia/Shanghai.
func apiTime(t time.Time) string { return t.In(shanghai).Format(time.RFC3339) }
