package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// routeTable is the set of registered routes by method, so the edge knows,
// before any authentication or CSRF check, whether a request names a route
// at all: an unknown route answers 404 whatever its method, and a known one
// is labelled in the metrics by its pattern (never by request bytes).
type routeTable map[string][]routePattern

type routePattern struct {
	path string
	segs []segPattern
}

// segPattern is one path segment: a literal, or a parameter (with an
// optional <int> constraint and a literal suffix such as ".pdf"), or a
// wildcard taking the rest of the path.
type segPattern struct {
	literal  string
	param    bool
	intOnly  bool
	suffix   string
	wildcard bool
}

func newRouteTable(routes []fiber.Route) routeTable {
	t := routeTable{}
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		t[r.Method] = append(t[r.Method], routePattern{path: r.Path, segs: parsePattern(r.Path)})
	}
	return t
}

func parsePattern(p string) []segPattern {
	var out []segPattern
	for _, s := range splitPath(p) {
		switch {
		case s == "*" || s == "+":
			out = append(out, segPattern{wildcard: true})
		case strings.HasPrefix(s, ":"):
			sp := segPattern{param: true}
			rest := s[1:]
			i := 0
			for i < len(rest) && (rest[i] == '_' || rest[i] >= 'a' && rest[i] <= 'z' || rest[i] >= 'A' && rest[i] <= 'Z' || rest[i] >= '0' && rest[i] <= '9') {
				i++
			}
			rest = rest[i:]
			if strings.HasPrefix(rest, "<") {
				end := strings.IndexByte(rest, '>')
				if end < 0 {
					end = len(rest) - 1
				}
				sp.intOnly = rest[1:end] == "int"
				rest = rest[end+1:]
			}
			sp.suffix = strings.ToLower(rest)
			out = append(out, sp)
		default:
			out = append(out, segPattern{literal: strings.ToLower(s)})
		}
	}
	return out
}

// splitPath splits a path into its segments, as fiber matches it: case
// folded, a trailing slash ignored.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match returns the pattern of the route that method and path name.
func (t routeTable) match(method, path string) (string, bool) {
	segs := splitPath(strings.ToLower(path))
	for _, r := range t[method] {
		if r.matches(segs) {
			return r.path, true
		}
	}
	return "", false
}

func (r routePattern) matches(segs []string) bool {
	for i, sp := range r.segs {
		if sp.wildcard {
			return true
		}
		if i >= len(segs) {
			return false
		}
		s := segs[i]
		if !sp.param {
			if s != sp.literal {
				return false
			}
			continue
		}
		v, ok := strings.CutSuffix(s, sp.suffix)
		if !ok || v == "" {
			return false
		}
		if sp.intOnly {
			if _, err := strconv.Atoi(v); err != nil {
				return false
			}
		}
	}
	return len(segs) == len(r.segs)
}

// methodLabel is the request method as a constant string: fiber's
// c.Method() shares the request's reused header buffer, so a metric label
// kept from it would change under a later request.
func methodLabel(m string) string {
	for _, k := range []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace} {
		if m == k {
			return k
		}
	}
	return "OTHER"
}
