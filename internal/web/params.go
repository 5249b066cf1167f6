package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/input"
	"finreview/internal/report"
	"finreview/internal/review"
)

// idParam reads a positive id from a route parameter; anything else is a
// row that does not exist (404), like a row the caller may not see.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, review.ErrNotFound
	}
	return id, nil
}

// Bounds of the list parameters: no list has a millionth page, and a
// page never holds more than maxPerPage rows, so the offset always fits.
const (
	defaultPerPage = 20
	maxPerPage     = 200
	maxPage        = 1_000_000
	minYear        = 1990
	maxYear        = 2200
)

// paging is the page and page size of a list request.
type paging struct {
	Page, Size int
}

// pageParams reads ?page= and ?per_page= (or the pages' ?size=).
func pageParams(c *fiber.Ctx) (paging, error) {
	return parsePaging(c.Query("page"), c.Query("per_page"), c.Query("size"))
}

// parsePaging checks the list parameters: absent means the first page of
// defaultPerPage rows; anything but a whole number in bounds is refused
// with the parameter named.
func parsePaging(page, perPage, size string) (paging, error) {
	p := paging{Page: 1, Size: defaultPerPage}
	var err error
	if p.Page, err = boundedInt("page", page, 1, 1, maxPage); err != nil {
		return paging{}, err
	}
	name, v := "per_page", perPage
	if strings.TrimSpace(v) == "" {
		name, v = "size", size
	}
	if p.Size, err = boundedInt(name, v, defaultPerPage, 1, maxPerPage); err != nil {
		return paging{}, err
	}
	return p, nil
}

// Offset is the number of rows before the page.
func (p paging) Offset() int { return (p.Page - 1) * p.Size }

// pageOf is the page the request asks for of rows, a list read whole,
// and the paging (the total is len(rows)).
func pageOf[T any](c *fiber.Ctx, rows []T) ([]T, paging, error) {
	pg, err := pageParams(c)
	if err != nil {
		return nil, paging{}, err
	}
	return rows[min(pg.Offset(), len(rows)):min(pg.Offset()+pg.Size, len(rows))], pg, nil
}

// boundedInt parses a whole number in [lo, hi]; empty is def.
func boundedInt(name, s string, def, lo, hi int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, &input.FieldError{Name: name, Msg: "应为 " + strconv.Itoa(lo) + " 到 " + strconv.Itoa(hi) + " 之间的整数"}
	}
	return n, nil
}

// yearParam reads ?year=; absent is def.
func yearParam(c *fiber.Ctx, def int) (int, error) {
	return parseYear(c.Query("year"), def)
}

// parseYear checks a year in [minYear, maxYear]; empty is def.
func parseYear(s string, def int) (int, error) {
	return boundedInt("year", s, def, minYear, maxYear)
}

// monthParam reads ?month=YYYY-MM; absent is the month of now.
func monthParam(c *fiber.Ctx, now time.Time) (time.Time, error) {
	return parseMonth(c.Query("month"), now)
}

// parseMonth checks a month written YYYY-MM (report.ParseMonth's range);
// empty is the month of now, in Asia/Shanghai.
func parseMonth(s string, now time.Time) (time.Time, error) {
	m, err := report.ParseMonth(strings.TrimSpace(s), now, shanghai)
	if err != nil {
		return time.Time{}, &input.FieldError{Name: "month", Msg: "月份格式应为 YYYY-MM,例如 2026-11"}
	}
	return m, nil
}
