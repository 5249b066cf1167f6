package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"finreview/internal/auth"
	"finreview/internal/demo"
	"finreview/internal/store"
)

const chromiumPath = "/usr/bin/chromium"

// repoRoot is the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// artifactsDir is $FINREVIEW_ARTIFACTS, or ./artifacts under the repository root.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FINREVIEW_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create artifacts directory: %v", err)
	}
	return dir
}

// requestLog records every URL the browser asks for.
type requestLog struct {
	mu   sync.Mutex
	urls []string
}

func (l *requestLog) add(u string) {
	l.mu.Lock()
	l.urls = append(l.urls, u)
	l.mu.Unlock()
}

func (l *requestLog) foreign(base string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, u := range l.urls {
		if strings.HasPrefix(u, base+"/") || u == base || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "about:") {
			continue
		}
		out = append(out, u)
	}
	return out
}

// browser is Debian's Chromium on the app of e, served on a local port:
// one tab, 1366×768, that confirms every dialog (irreversible steps ask)
// and counts them.
type browser struct {
	t       *testing.T
	e       *pagesEnv
	base    string
	ctx     context.Context
	dialogs *atomic.Int32
}

// startBrowser starts Chromium with the options every browser test uses
// and extra; listen, when not nil, sees each event of the tab from its
// first navigation on.
func startBrowser(t *testing.T, e *pagesEnv, listen func(ev any), extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s not found (%v): apt-get install chromium", chromiumPath, err)
	}
	addr := serveOn(t, e.app)
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	}, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	bctx, cancelTimeout := context.WithTimeout(bctx, 4*time.Minute)
	t.Cleanup(cancelTimeout)
	b := &browser{t: t, e: e, base: "http://" + addr, dialogs: &atomic.Int32{}}
	bctx, cancelTab := chromedp.NewContext(bctx, chromedp.WithListener(func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.dialogs.Add(1)
			go func() {
				_, _ = chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
		if listen != nil {
			listen(ev)
		}
	}))
	t.Cleanup(cancelTab)
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	b.ctx = bctx
	return b
}

func (b *browser) run(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v (at %s: %.600s)", step, err, loc, body)
	}
}

// login signs in through the form, with no cookie of an earlier user.
func (b *browser) login(t *testing.T, user string) {
	t.Helper()
	b.run(t, "sign in as "+user,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
			return err
		}),
		chromedp.Navigate(b.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action^="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.sidenav`)),
	)
}

func (b *browser) eval(t *testing.T, js string) string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// js runs a script as a step.
func js(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](script)(ctx, tg)
		return err
	})
}

func (b *browser) reviewID(t *testing.T, code, kind string) int64 {
	t.Helper()
	rows, _, err := b.e.s.Reviews(context.Background(), store.Scope{All: true}, store.ReviewFilter{Search: code, Kind: kind, Limit: 5})
	if err != nil || len(rows) == 0 {
		t.Fatalf("review %s %s: %v", code, kind, err)
	}
	return rows[0].ID
}

func (b *browser) review(t *testing.T, id int64) store.Review {
	t.Helper()
	r, err := b.e.s.Review(context.Background(), store.Scope{All: true}, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestBrowser drives the real app in Debian's Chromium: each demo role
// signs in through /login and does its main step; screenshots of the main
// pages go to the artifacts directory, and no request may leave the server.
func TestBrowser(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := context.Background()
	requests := &requestLog{}
	// Record every request from the start of the tab, so even the first
	// navigation is checked.
	b := startBrowser(t, e, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			requests.add(ev.Request.URL)
		}
	})
	base, bctx := b.base, b.ctx
	shots := artifactsDir(t)
	reviewID := func(code, kind string) int64 { return b.reviewID(t, code, kind) }
	stateOf := func(id int64) string { return string(b.review(t, id).State) }
	run := b.run
	screenshot := func(t *testing.T, name string) {
		t.Helper()
		buf, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	login := b.login
	open := func(t *testing.T, path, ready string) {
		t.Helper()
		run(t, "open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(ready)))
	}
	// fire submits a trigger's form on the review page and waits for the
	// page that follows.
	fire := func(t *testing.T, id int64, trigger string, before ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		form := fmt.Sprintf(`form[data-testid="form-%s"]`, trigger)
		actions := []chromedp.Action[chromedp.Void]{chromedp.Navigate(fmt.Sprintf("%s/reviews/%d", base, id)),
			chromedp.WaitReady(chromedp.CSS(form)),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('%s').closest('details').open = true`, form))(ctx, tg)
				return err
			})}
		actions = append(actions, before...)
		actions = append(actions, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		run(t, "fire "+trigger, actions...)
	}

	t.Run("construction unit sees its submit and sign forms", func(t *testing.T) {
		login(t, "jianshe")
		screenshot(t, "home-jianshe")
		open(t, fmt.Sprintf("/reviews/%d", reviewID("LH-2026-001", "change")), `form[data-testid="form-submit"]`)
		open(t, fmt.Sprintf("/reviews/%d", reviewID("LH-2026-005", "settlement")), `form[data-testid="form-sign"]`)
		screenshot(t, "review-sign-jianshe")
		open(t, "/projects", `table.list`)
		screenshot(t, "projects-jianshe")
	})
	t.Run("finance section issues a notice", func(t *testing.T) {
		id := reviewID("LH-2026-012", "settlement")
		login(t, "caizheng")
		fire(t, id, "issue_notice")
		if got := stateOf(id); got != "notified" {
			t.Fatalf("state = %s", got)
		}
		open(t, "/bulletin", `table.bulletin`)
		screenshot(t, "bulletin")
	})
	t.Run("review center delegates by rotation", func(t *testing.T) {
		id := reviewID("LH-2026-010", "budget")
		login(t, "pingshen")
		open(t, "/reviews?size=50", `table[data-testid="review-list"]`)
		screenshot(t, "reviews")
		fire(t, id, "delegate")
		if got := stateOf(id); got != "delegated" {
			t.Fatalf("state = %s", got)
		}
		open(t, fmt.Sprintf("/reviews/%d", id), `#delegation`)
		screenshot(t, "review-delegated")
		open(t, "/dashboard", `.chart-card svg`)
		screenshot(t, "dashboard")
		open(t, "/audit", `table.audit`)
		screenshot(t, "audit")
	})
	t.Run("firm starts a delegated review", func(t *testing.T) {
		id := reviewID("LH-2026-009", "budget")
		r, err := e.s.Review(ctx, store.Scope{All: true}, id)
		if err != nil {
			t.Fatal(err)
		}
		user := "zhongjie1"
		staff, err := e.s.UsersByRole(ctx, string(auth.Intermediary), r.FirmID)
		if err != nil || len(staff) == 0 {
			t.Fatalf("no login for firm %d: %v", r.FirmID, err)
		}
		user = staff[0].Username
		login(t, user)
		fire(t, id, "start")
		if got := stateOf(id); got != "in_review" {
			t.Fatalf("state = %s", got)
		}
		screenshot(t, "review-started-"+user)
	})
	t.Run("contractor cosigns the opinion letter", func(t *testing.T) {
		id := reviewID("LH-2026-005", "settlement")
		login(t, "shigong")
		fire(t, id, "cosign", chromedp.Click(chromedp.CSS(`form[data-testid="form-cosign"] input[name="agree"][value="true"]`)))
		events, err := e.s.ReviewEvents(ctx, id)
		if err != nil || len(events) == 0 || events[len(events)-1].Trigger != "cosign" {
			t.Fatalf("last event is not the cosign: %v", err)
		}
	})
	t.Run("administrator opens the users", func(t *testing.T) {
		login(t, "admin")
		open(t, "/admin/users", `table.list`)
		text, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`table.list`)))
		if err != nil || !strings.Contains(text, "pingshen") {
			t.Fatalf("user list lacks pingshen")
		}
		screenshot(t, "admin-users")
	})
	t.Run("readme screenshot of a review page", func(t *testing.T) {
		login(t, "pingshen")
		// A concluded settlement: the whole main path in the timeline, the
		// amounts, the official papers and the fee statement.
		open(t, fmt.Sprintf("/reviews/%d", reviewID("LH-2026-003", "settlement")), `#diagram svg`)
		steps, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('#timeline li').length`))
		if err != nil || steps < 10 {
			t.Fatalf("timeline has %d steps (%v), want the main path", steps, err)
		}
		screenshot(t, "review-full")
		buf, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if len(buf) > 400<<10 {
			t.Fatalf("screenshot is %d KB, over 400 KB", len(buf)>>10)
		}
		if err := os.WriteFile(filepath.Join(shots, "review.png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
		// The README's screenshot is refreshed on request only, so a test run
		// leaves the working tree as it found it.
		if os.Getenv("FINREVIEW_UPDATE_SCREENSHOT") != "" {
			docsDir := filepath.Join(repoRoot(t), "docs")
			if err := os.MkdirAll(docsDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(docsDir, "screenshot.png"), buf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	if t.Failed() {
		return
	}
	t.Run("no request left the server", func(t *testing.T) {
		if len(requests.urls) == 0 {
			t.Fatal("no request was recorded")
		}
		if bad := requests.foreign(base); len(bad) > 0 {
			t.Fatalf("requests to other hosts: %v", bad)
		}
	})
	t.Run("the pages keep their Content-Security-Policy", func(t *testing.T) {
		time.Sleep(500 * time.Millisecond) // reports are sent in the background
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`(?m)^finreview_csp_violations_total (\S+)$`).FindSubmatch(b)
		if m == nil {
			t.Fatal("no finreview_csp_violations_total in /metrics")
		}
		if string(m[1]) != "0" {
			t.Fatalf("the browser reported %s Content-Security-Policy violations", m[1])
		}
	})
}
