package web

import (
	"log/slog"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestRouteTableIsEveryRoute: each entry of the route table is registered,
// and nothing answers that the table does not list (a GET also answers
// HEAD).
func TestRouteTableIsEveryRoute(t *testing.T) {
	a, err := New(Deps{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, r := range a.routeTable() {
		path := r.path
		if r.access == apiOpen || r.access == api || r.access == apiQueued {
			path = "/api/v1" + path
		}
		key := r.method + " " + path
		if listed[key] {
			t.Errorf("%s is listed twice", key)
		}
		listed[key] = true
	}
	registered := map[string]bool{}
	for _, r := range a.fiber.GetRoutes(true) {
		method := r.Method
		if method == fiber.MethodHead {
			method = fiber.MethodGet
		}
		key := method + " " + r.Path
		registered[key] = true
		if !listed[key] {
			t.Errorf("%s %s is registered outside the route table", r.Method, r.Path)
		}
	}
	for key := range listed {
		if !registered[key] {
			t.Errorf("%s is listed but not registered", key)
		}
	}
	if len(listed) < 100 {
		t.Errorf("the table lists %d routes; expected every route (over 100)", len(listed))
	}
}
