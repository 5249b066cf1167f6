package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFormsAndUploads drives Chromium through forms sent with
// several bad fields at once, each answered with every message next to
// its field and the values as typed; and through uploads, refused and
// accepted, after which the address bar never holds the CSRF token, while
// an upload without the right token is refused (403).
func TestBrowserFormsAndUploads(t *testing.T) {
	e := newPagesEnv(t, true)
	b := startBrowser(t, e, nil)
	// shows reports whether the page shows every message, each in an
	// element of class err.
	shows := func(t *testing.T, msgs ...string) {
		t.Helper()
		shown := b.eval(t, `Array.prototype.map.call(document.querySelectorAll('.err'), function(e){return e.textContent}).join('|')`)
		for _, m := range msgs {
			if !strings.Contains(shown, m) {
				t.Errorf("the page does not show %q next to its field (shown: %s)", m, shown)
			}
		}
	}
	value := func(t *testing.T, sel string) string {
		t.Helper()
		return b.eval(t, fmt.Sprintf(`(document.querySelector(%q) || {value: ''}).value`, sel))
	}
	invalid := func(t *testing.T, names ...string) {
		t.Helper()
		for _, n := range names {
			if got := b.eval(t, fmt.Sprintf(`String(!!document.querySelector('[name=%q][aria-invalid="true"]'))`, n)); got != "true" {
				t.Errorf("field %s is not marked invalid", n)
			}
		}
	}

	b.login(t, "pingshen")
	t.Run("the firm form flags six fields at once and keeps them", func(t *testing.T) {
		longName := strings.Repeat("测", 129)
		b.run(t, "fill the firm form",
			chromedp.Navigate(b.base+"/firms/new"), chromedp.WaitVisible(chromedp.CSS(`#name`)),
			chromedp.SetValue(chromedp.CSS(`#name`), longName),
			chromedp.SetValue(chromedp.CSS(`#capacity`), "三十"),
			chromedp.SetValue(chromedp.CSS(`#score`), "八十"),
			chromedp.SetValue(chromedp.CSS(`#admitted_at`), "2026-13-45"),
			chromedp.SetValue(chromedp.CSS(`#contact_person`), "王联系"),
			js(`document.querySelectorAll('input[name=kinds]').forEach(function(c){c.checked=false}); true`),
			chromedp.Click(chromedp.CSS(`form[action="/firms"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.err`)))
		shows(t, "机构名称不能超过 128 个字", "在办项目上限须为整数", "得分须为数字", "入库日期格式应为 YYYY-MM-DD",
			"请至少选择一类评审资质", "请至少选择一个服务区划")
		invalid(t, "name", "capacity", "score", "admitted_at")
		for sel, want := range map[string]string{`#name`: longName, `#capacity`: "三十", `#score`: "八十", `#admitted_at`: "2026-13-45", `#contact_person`: "王联系"} {
			if got := value(t, sel); got != want {
				t.Errorf("%s keeps %q, want %q", sel, got, want)
			}
		}
	})

	t.Run("the expert form flags three fields at once and keeps them", func(t *testing.T) {
		long := strings.Repeat("长", 65)
		b.run(t, "fill the expert form",
			chromedp.Navigate(b.base+"/experts"), chromedp.WaitVisible(chromedp.CSS(`#x-name`)),
			chromedp.SetValue(chromedp.CSS(`#x-name`), long),
			chromedp.SetValue(chromedp.CSS(`#x-spec`), long),
			chromedp.SetValue(chromedp.CSS(`#x-title`), long),
			chromedp.SetValue(chromedp.CSS(`#x-emp`), "某设计研究院"),
			chromedp.Click(chromedp.CSS(`form[method="post"][action="/experts"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.err`)))
		shows(t, "专家姓名不能超过 64 个字", "专业不能超过 64 个字", "职称不能超过 64 个字")
		invalid(t, "name", "specialty", "title")
		if value(t, `#x-name`) != long || value(t, `#x-emp`) != "某设计研究院" {
			t.Errorf("the expert form lost what was typed")
		}
	})

	t.Run("the fee calculator flags four fields at once and keeps them", func(t *testing.T) {
		b.run(t, "fill the calculator",
			chromedp.Navigate(b.base+"/fees/calculator"), chromedp.WaitVisible(chromedp.CSS(`#submitted`)),
			chromedp.SetValue(chromedp.CSS(`#submitted`), "一百万"),
			chromedp.SetValue(chromedp.CSS(`#audited`), "九十万"),
			chromedp.SetValue(chromedp.CSS(`#date`), "2026-02-30"),
			chromedp.Click(chromedp.CSS(`form[action="/fees/calculator"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.err`)))
		shows(t, "请选择评审类型", "日期须为 YYYY-MM-DD")
		invalid(t, "kind", "submitted", "audited", "date")
		if value(t, `#submitted`) != "一百万" || value(t, `#audited`) != "九十万" || value(t, `#date`) != "2026-02-30" {
			t.Errorf("the calculator lost what was typed")
		}
	})

	var reviewID int64
	if err := e.s.DB.QueryRowContext(t.Context(), `SELECT r.id FROM reviews r JOIN users u ON u.org_id = r.unit_org_id
		WHERE u.username = 'jianshe' AND r.state = 'draft' ORDER BY r.id LIMIT 1`).Scan(&reviewID); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text := filepath.Join(dir, "说明.txt")
	if err := os.WriteFile(text, []byte("这不是公文格式的文件"), 0o644); err != nil {
		t.Fatal(err)
	}
	pdf := writeFiles(t, "送审资料.pdf")[0]
	documents := fmt.Sprintf("%s/reviews/%d/documents", b.base, reviewID)
	noToken := func(t *testing.T, when string) {
		t.Helper()
		if loc := b.eval(t, `window.location.href`); strings.Contains(loc, "_csrf") {
			t.Errorf("%s the address bar holds the token: %s", when, loc)
		}
	}

	b.login(t, "jianshe")
	t.Run("the plain upload form: refused, then accepted, never the token in the address", func(t *testing.T) {
		b.run(t, "upload a text file",
			chromedp.Navigate(documents), chromedp.WaitVisible(chromedp.CSS(`#doc-file`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#doc-file`), []string{text}),
			chromedp.Click(chromedp.CSS(`form.upload-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="upload-error"]`)))
		noToken(t, "after a refused upload")
		b.run(t, "upload a PDF",
			chromedp.WaitVisible(chromedp.CSS(`#doc-file`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#doc-file`), []string{pdf}),
			chromedp.Click(chromedp.CSS(`form.upload-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		noToken(t, "after an accepted upload")
		if loc := b.eval(t, `window.location.pathname`); loc != fmt.Sprintf("/reviews/%d/documents", reviewID) {
			t.Errorf("after the upload the page is %s", loc)
		}
	})

	t.Run("the review page's script upload: refused, then accepted, never the token in the address", func(t *testing.T) {
		b.run(t, "send a text file",
			chromedp.Navigate(fmt.Sprintf("%s/reviews/%d#upload", b.base, reviewID)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="upload-files"]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="upload-files"]`), []string{text}),
			chromedp.Click(chromedp.CSS(`[data-testid="upload-submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.file-note.err`)))
		noToken(t, "after a refused script upload")
		b.run(t, "send a PDF",
			chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="upload-files"]`), []string{pdf}),
			chromedp.Click(chromedp.CSS(`[data-testid="upload-submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		noToken(t, "after an accepted script upload")
	})

	t.Run("an upload without the right token is refused with 403", func(t *testing.T) {
		send := func(header, field string) string {
			status, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(async function(){
				var fd = new FormData();
				if (%q) { fd.append('_csrf', %q); }
				fd.append('category', 'submission');
				fd.append('file', new Blob(['%%PDF-1.7\n'], {type: 'application/pdf'}), 'x.pdf');
				var h = {'Accept': 'application/json'};
				if (%q) { h['X-CSRF-Token'] = %q; }
				var r = await fetch('/reviews/%d/upload', {method: 'POST', body: fd, headers: h, credentials: 'same-origin'});
				return String(r.status);
			})()`, field, field, header, header, reviewID), chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			return status
		}
		token := b.eval(t, `document.querySelector('input[name="_csrf"]').value`)
		for _, tc := range []struct{ name, header, field, want string }{
			{"no token", "", "", "403"},
			{"a wrong header", "00" + token[2:], "", "403"},
			{"a wrong first field", "", "00" + token[2:], "403"},
			{"the right header", token, "", "201"},
		} {
			if got := send(tc.header, tc.field); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
		}
	})
}
