package web

import (
	"finreview/internal/fee"
	"finreview/internal/pii"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// views holds every page parsed once at start-up with the layout and
// partials (as in miniflux's template engine): a page file missing or
// broken stops the server from starting rather than failing a request.
type views struct {
	pages map[string]*template.Template
}

func parseViews(files fs.FS) (*views, error) {
	partials, err := fs.Glob(files, "partials/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(files, "*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, p := range pages {
		if p == "layout.html" {
			continue
		}
		name := strings.TrimSuffix(path.Base(p), ".html")
		t := template.New(name).Funcs(funcs())
		all := append([]string{"layout.html"}, partials...)
		all = append(all, p)
		if _, err := t.ParseFS(files, all...); err != nil {
			return nil, fmt.Errorf("parse template %s: %w", p, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// render writes page name inside the layout (or alone for print papers,
// whose templates define "standalone"). The page is written straight into
// the response body, whose buffer the server reuses from request to
// request; a page that fails half-way leaves the body empty.
func (v *views) render(c *fiber.Ctx, status int, name string, data any) error {
	t, ok := v.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	root := "layout"
	if t.Lookup("standalone") != nil {
		root = "standalone"
	}
	res := c.Response()
	res.ResetBody()
	if err := t.ExecuteTemplate(res.BodyWriter(), root, data); err != nil {
		res.ResetBody()
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return nil
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"inc":   func(i int) int { return i + 1 },
		"money": FormatMoney,
		"moneyPtr": func(d decimal.NullDecimal) string {
			if !d.Valid {
				return "—"
			}
			return FormatMoney(d.Decimal)
		},
		"date":     func(t time.Time) string { return formatTime(t, "2006-01-02") },
		"datetime": func(t time.Time) string { return formatTime(t, "2006-01-02 15:04") },
		"safeHTML": func(s string) template.HTML { return template.HTML(s) }, // only for server-generated SVG
		"add":      func(a, b int) int { return a + b },
		// Personal information is masked wherever it is listed (pii).
		"maskphone": pii.MaskPhone,
		"maskemail": pii.MaskEmail,
		"maskid":    pii.MaskID,
	}
}

func formatTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(shanghai).Format(layout)
}

// FormatMoney writes an amount with thousands separators and two decimals.
func FormatMoney(d decimal.Decimal) string { return fee.FormatAmount(d) }
