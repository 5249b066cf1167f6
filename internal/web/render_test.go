package web

import (
	"fmt"
	"html/template"
	"maps"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"finreview/internal/auth"
	"finreview/templates"
)

// TestRenderWritesTheBody: a page replaces whatever the body held, and a
// page that fails half-way leaves nothing of itself behind for the error
// page to follow.
func TestRenderWritesTheBody(t *testing.T) {
	v := &views{pages: map[string]*template.Template{
		"page": template.Must(template.New("page").Parse(`{{define "layout"}}<p>{{.Name}}</p>{{end}}`)),
		"broken": template.Must(template.New("broken").Parse(
			`{{define "layout"}}<p>written before the failure</p>{{.User.Name}}{{end}}`)),
	}}
	app := fiber.New()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)

	c.Response().SetBodyString("left over")
	if err := v.render(c, 201, "page", map[string]any{"Name": "A&B"}); err != nil {
		t.Fatal(err)
	}
	if got := string(c.Response().Body()); got != "<p>A&amp;B</p>" {
		t.Errorf("body = %q", got)
	}
	if got := c.Response().StatusCode(); got != 201 {
		t.Errorf("status = %d, want 201", got)
	}
	if got := string(c.Response().Header.ContentType()); got != fiber.MIMETextHTMLCharsetUTF8 {
		t.Errorf("content type = %q", got)
	}

	if err := v.render(c, 200, "broken", map[string]any{"User": (*pageUser)(nil)}); err == nil {
		t.Fatal("a template that fails rendered without an error")
	}
	if got := string(c.Response().Body()); got != "" {
		t.Errorf("a failed page left %q in the body", got)
	}
}

// BenchmarkRenderHome renders a full to-do list (50 rows, 20 done) in
// the layout, as the home page does, its rows written each time.
func BenchmarkRenderHome(b *testing.B) {
	v, err := parseViews(templates.FS)
	if err != nil {
		b.Fatal(err)
	}
	var todo []todoRow
	for i := range 50 {
		todo = append(todo, todoRow{ReviewID: int64(1000 + i), ProjectName: fmt.Sprintf("巴彦淖尔市临河区第%d号道路改造工程", i),
			KindLabel: "结算评审", StateLabel: "中心复核", StateClass: "blue", Action: "退回修改 / 发出征求意见书", Due: "剩余3个工作日", DueClass: "soon"})
	}
	var done []doneRow
	for i := range 20 {
		done = append(done, doneRow{ReviewID: int64(2000 + i), At: "2026-03-02 10:15", ProjectName: fmt.Sprintf("五原县第%d号水利工程", i),
			Action: "受理", StateLabel: "已受理"})
	}
	p := auth.Principal{Name: "张三", Role: auth.ReviewCenter}
	page := map[string]any{"Title": "我的工作台", "Breadcrumb": []crumb{{Label: "我的工作台"}}, "CSRF": "x",
		"User": &pageUser{Name: p.Name, RoleLabel: p.Role.Label(), JurisdictionName: "巴彦淖尔市"}, "Nav": nav(p, "/"),
		"Unread": 3}
	app := fiber.New()
	// One request context for every page, its response reset in between,
	// as the server reuses them.
	fctx := &fasthttp.RequestCtx{}
	b.ReportAllocs()
	for b.Loop() {
		c := app.AcquireCtx(fctx)
		data := homeData(todo, done)
		maps.Copy(data, page)
		if err := v.render(c, 200, "home", data); err != nil {
			b.Fatal(err)
		}
		if len(c.Response().Body()) < 20<<10 {
			b.Fatalf("page of %d bytes", len(c.Response().Body()))
		}
		app.ReleaseCtx(c)
		fctx.Response.Reset()
	}
}
