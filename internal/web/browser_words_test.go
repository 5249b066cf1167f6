package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"finreview/internal/store"
)

// TestBrowserNumbersAndWords checks in Chromium what people see of numbers
// and words: amounts right-aligned, a deadline on one line, no state codes
// on the diagram, dates typed as 年-月-日 whatever the browser's language,
// site banners left off printouts, and no CSRF token left in the address
// bar after a refused upload.
func TestBrowserNumbersAndWords(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := context.Background()
	// An English browser: the dates must still read 年-月-日.
	b := startBrowser(t, e, nil, chromedp.Flag("lang", "en-US"), chromedp.Env("LANGUAGE=en_US", "LANG=en_US.UTF-8"))
	base, run, eval := b.base, b.run, b.eval
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	login := b.login

	login(t, "pingshen")
	t.Run("amounts are right-aligned and a deadline stays on one line", func(t *testing.T) {
		run(t, "open the review list", chromedp.Navigate(base+"/reviews?size=50"), chromedp.WaitVisible(chromedp.CSS(`table[data-testid="review-list"]`)))
		bad := eval(t, `[...document.querySelectorAll('table.list td.num, table.list th.num')].filter(td => getComputedStyle(td).textAlign !== 'right').length + ' of ' + document.querySelectorAll('table.list td.num').length`)
		if !strings.HasPrefix(bad, "0 of ") || bad == "0 of 0" {
			t.Fatalf("amount cells not right-aligned: %s", bad)
		}
		lines := eval(t, `[...document.querySelectorAll('td.due span')].map(s => Math.round(s.getBoundingClientRect().height / parseFloat(getComputedStyle(s).lineHeight || 16))).filter(n => n > 1).length + ' of ' + document.querySelectorAll('td.due span').length`)
		if !strings.HasPrefix(lines, "0 of ") || lines == "0 of 0" {
			t.Fatalf("deadlines wrapping over several lines: %s", lines)
		}
	})
	t.Run("dates read 年-月-日 in an English browser", func(t *testing.T) {
		got := eval(t, `(() => { const i = document.querySelector('#f-from'); return i.type + ' ' + i.placeholder })()`)
		if got != "text 年-月-日" {
			t.Fatalf("date input = %q, want a text input showing 年-月-日", got)
		}
	})
	t.Run("the state diagram shows no codes", func(t *testing.T) {
		rows, _, err := e.s.Reviews(ctx, store.Scope{All: true}, store.ReviewFilter{Limit: 1})
		if err != nil || len(rows) == 0 {
			t.Fatalf("no review: %v", err)
		}
		run(t, "open a review", chromedp.Navigate(fmt.Sprintf("%s/reviews/%d", base, rows[0].ID)), chromedp.WaitVisible(chromedp.CSS(`#diagram svg`)))
		codes := eval(t, `[...document.querySelectorAll('#diagram svg text')].map(t => t.textContent.trim()).filter(s => /^[a-z_]+$/.test(s)).join(',')`)
		if codes != "" {
			t.Fatalf("the diagram shows codes: %s", codes)
		}
	})
	t.Run("site banners are left off printouts", func(t *testing.T) {
		run(t, "print media", chromedp.Navigate(base+"/reviews"), chromedp.WaitVisible(chromedp.CSS(`main.content`)),
			js(`(() => { const d = document.createElement('div'); d.className = 'banner banner-warn site-banner'; d.id = 'probe'; d.textContent = '提示'; document.querySelector('main.content').prepend(d); return true })()`),
			media("print"))
		if got := eval(t, `getComputedStyle(document.getElementById('probe')).display`); got != "none" {
			t.Fatalf("a site banner prints (display %s)", got)
		}
		run(t, "screen media", media(""))
	})

	login(t, "jianshe")
	t.Run("a refused upload leaves no CSRF token in the address bar", func(t *testing.T) {
		var id int64
		if err := e.s.DB.QueryRowContext(ctx, `SELECT r.id FROM reviews r JOIN projects p ON p.id = r.project_id JOIN users u ON u.org_id = p.unit_org_id
			WHERE u.username = 'jianshe' AND r.state = 'draft' ORDER BY r.id LIMIT 1`).Scan(&id); err != nil {
			t.Fatalf("no draft review of jianshe: %v", err)
		}
		bad := filepath.Join(t.TempDir(), "tool.exe")
		if err := os.WriteFile(bad, append([]byte("MZ"), make([]byte, 600)...), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, "upload a program", chromedp.Navigate(fmt.Sprintf("%s/reviews/%d/documents", base, id)),
			chromedp.WaitVisible(chromedp.CSS(`#doc-file`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#doc-file`), []string{bad}),
			chromedp.Click(chromedp.CSS(`form.upload-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="upload-error"]`)))
		// The form posts to its address with the token as its first field:
		// the refusal is shown at that address, which holds no token.
		loc := eval(t, `window.location.href`)
		if strings.Contains(loc, "_csrf") || !strings.HasSuffix(loc, fmt.Sprintf("/reviews/%d/upload", id)) {
			t.Fatalf("address after a refused upload = %s", loc)
		}
		msg := eval(t, `document.querySelector('[data-testid="upload-error"]').textContent`)
		if strings.Contains(msg, "application/") || !strings.Contains(msg, "仅接受") {
			t.Fatalf("upload error = %q, want words, not a media type", msg)
		}
	})
}
