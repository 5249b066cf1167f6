package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
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

// TestBrowser drives the real app in Debian's Chromium: each demo role
// signs in through /login and does its main step; screenshots of the main
// pages go to the artifacts directory, and no request may leave the server.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s not found (%v): apt-get install chromium", chromiumPath, err)
	}
	e := newPagesEnv(t, true)
	ctx := context.Background()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.app.Fiber().Listener(ln) }()
	t.Cleanup(func() { _ = e.app.Fiber().ShutdownWithTimeout(5 * time.Second) })
	base := "http://" + ln.Addr().String()
	shots := artifactsDir(t)

	opts := []chromedp.ExecAllocatorOption{
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
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	bctx, cancelTimeout := context.WithTimeout(bctx, 3*time.Minute)
	defer cancelTimeout()

	requests := &requestLog{}
	// Record every request from the start of the tab (WithListener), so even
	// the first navigation is checked.
	bctx, cancelTab := chromedp.NewContext(bctx, chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests.add(ev.Request.URL)
		case *page.EventJavascriptDialogOpening:
			// Irreversible steps ask for confirmation; the test confirms.
			go func() {
				_, _ = chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	}))
	defer cancelTab()
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatalf("viewport: %v", err)
	}

	reviewID := func(code, kind string) int64 {
		t.Helper()
		rows, _, err := e.s.Reviews(ctx, store.Scope{All: true}, store.ReviewFilter{Search: code, Kind: kind, Limit: 5})
		if err != nil || len(rows) == 0 {
			t.Fatalf("review %s %s: %v", code, kind, err)
		}
		return rows[0].ID
	}
	stateOf := func(id int64) string {
		t.Helper()
		r, err := e.s.Review(ctx, store.Scope{All: true}, id)
		if err != nil {
			t.Fatal(err)
		}
		return string(r.State)
	}
	run := func(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			loc, _ := chromedp.Run(bctx, chromedp.Location())
			body, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v (at %s: %.400s)", step, err, loc, body)
		}
	}
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
	clearCookies := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})
	login := func(t *testing.T, user string) {
		t.Helper()
		run(t, "sign in as "+user,
			clearCookies,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), demo.Password),
			chromedp.Click(chromedp.CSS(`form[action^="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`nav.sidenav`)),
		)
	}
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
