package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/internal/web"
)

// tally counts what a person does in the browser: each click, each field
// typed or option chosen, each file choice and each confirmation dialog.
type tally struct {
	n       int
	steps   []string
	dialogs *atomic.Int32
	start   int32
}

func newTally(dialogs *atomic.Int32) *tally { return &tally{dialogs: dialogs, start: dialogs.Load()} }

func (k *tally) add(what string) { k.n++; k.steps = append(k.steps, what) }

// total is the interactions so far, the confirmations answered included.
func (k *tally) total() int { return k.n + int(k.dialogs.Load()-k.start) }

func (k *tally) String() string {
	return fmt.Sprintf("%d (%s; 确认对话框 %d)", k.total(), strings.Join(k.steps, ", "), k.dialogs.Load()-k.start)
}

func (k *tally) click(sel string) chromedp.Action[chromedp.Void] {
	k.add("点击 " + sel)
	return chromedp.Click(chromedp.CSS(sel))
}

func (k *tally) typ(sel, text string) chromedp.Action[chromedp.Void] {
	k.add("填写 " + sel)
	return chromedp.SendKeys(chromedp.CSS(sel), text)
}

// pick chooses an option of a select, as a person does with one click
// on the option (the change event fires).
func (k *tally) pick(sel, value string) chromedp.Action[chromedp.Void] {
	k.add("选择 " + sel)
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		ok, err := chromedp.Evaluate[bool](fmt.Sprintf(`(function(){var s=document.querySelector(%q); if(!s){return false}
			s.value=%q; s.dispatchEvent(new Event('change',{bubbles:true})); return s.value===%q})()`, sel, value, value))(ctx, tg)
		if err == nil && !ok {
			err = fmt.Errorf("select %s has no option %q", sel, value)
		}
		return err
	})
}

func (k *tally) files(sel string, paths []string) chromedp.Action[chromedp.Void] {
	k.add("选择文件 " + sel)
	return chromedp.SetUploadFiles(chromedp.CSS(sel), paths)
}

// writeFiles makes small PDFs to upload.
func writeFiles(t *testing.T, names ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, pdfContent(n), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func auditActions(t *testing.T, s *store.Store, reviewID int64) map[string]int {
	t.Helper()
	events, _, err := s.AuditEvents(context.Background(), store.Scope{All: true}, store.AuditEventsFilter{ReviewID: reviewID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, ev := range events {
		out[ev.Action]++
	}
	return out
}

// TestBrowserSteps counts, in Chromium, the interactions of the three
// tasks bureau users do most, and keeps them within their goals: a unit
// registers a project, creates a settlement review with three documents and
// submits it (≤ 12); a unit signs the opinion letter from its to-do list
// (≤ 4); a drawn expert gives the re-review opinion with its signed copy
// from the to-do list (≤ 3).
func TestBrowserSteps(t *testing.T) {
	e := newPagesEnv(t, true)
	b := startBrowser(t, e, nil)
	ctx := context.Background()

	t.Run("unit registers, creates, uploads three documents and submits in at most 12", func(t *testing.T) {
		b.login(t, "jianshe")
		k := newTally(b.dialogs)
		b.run(t, "open the project form",
			k.click(`nav.sidenav a[href="/projects"]`), chromedp.WaitVisible(chromedp.CSS(`a[href="/projects/new"]`)),
			k.click(`a[href="/projects/new"]`), chromedp.WaitVisible(chromedp.CSS(`#p-code`)))
		code := b.eval(t, `document.querySelector('#p-code').value`)
		if !regexp.MustCompile(`^LH-\d{4}-\d{3}$`).MatchString(code) {
			t.Fatalf("project number offered %q, want the next of the unit's LH-yyyy-nnn series", code)
		}
		if list, _, _ := e.s.Projects(ctx, store.Scope{All: true}, code, 5, 0); len(list) != 0 {
			t.Fatalf("project number %q offered is already taken", code)
		}
		b.run(t, "register the project",
			k.typ(`#p-name`, "临河区第二社区卫生服务站建设项目"),
			k.pick(`#p-fund`, "general_budget"),
			k.pick(`#p-cat`, "capital"),
			k.typ(`#p-est`, "3200000"),
			k.click(`form[action="/projects"] button[type="submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`form[data-testid="new-review"]`)))
		files := writeFiles(t, "施工合同.pdf", "竣工图.pdf", "工程结算书.pdf")
		b.run(t, "create the review with its documents",
			k.pick(`#r-kind`, "settlement"),
			k.typ(`#r-amount`, "1250000"),
			k.files(`[data-testid="nr-files"]`, files),
			chromedp.WaitVisible(chromedp.CSS(`[data-file-rows] li:nth-child(3) select`)),
			k.click(`form[data-testid="new-review"] button[type="submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`form[data-testid="form-submit"]`)))
		loc, err := chromedp.Run(b.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(loc, b.base), "/reviews/%d", &id); err != nil {
			t.Fatalf("not on the new review: %s", loc)
		}
		docs, _, err := e.s.Documents(ctx, id, store.DocumentFilter{Category: "submission", Limit: 10})
		if err != nil || len(docs) != 3 {
			t.Fatalf("review %d has %d submission documents (%v), want 3", id, len(docs), err)
		}
		b.run(t, "submit",
			k.click(`form[data-testid="form-submit"] button[type="submit"]`),
			flashSays("已办理"))
		if got := b.review(t, id).State; got != "submitted" {
			t.Fatalf("state = %s, want submitted", got)
		}
		t.Logf("register, create, upload three documents and submit: %s", k)
		if k.total() > 12 {
			t.Fatalf("%s interactions, goal ≤ 12", k)
		}
	})

	t.Run("the still-missing box links the upload, which takes several files each with its category", func(t *testing.T) {
		// A draft without documents, created as without scripts.
		base := b.review(t, b.reviewID(t, "LH-2026-001", "change"))
		unit := e.as("jianshe")
		resp, _ := e.post(unit, fmt.Sprintf("/projects/%d/reviews", base.ProjectID), url.Values{"kind": {"change"}, "submitted_amount": {"86000"}})
		var id int64
		if _, err := fmt.Sscanf(resp.Header.Get("Location"), "/reviews/%d", &id); err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create a draft: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		b.login(t, "jianshe")
		b.run(t, "open a draft", chromedp.Navigate(fmt.Sprintf("%s/reviews/%d", b.base, id)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="missing"]`)))
		if href := b.eval(t, `document.querySelector('[data-testid="missing"] a[data-testid="missing-upload"]').getAttribute('href')`); href != "#upload" {
			t.Fatalf("the still-missing box links %q, want #upload", href)
		}
		// The panel comes right after the actions, above the diagram.
		if above := b.eval(t, `String(document.querySelector('#upload').getBoundingClientRect().top < document.querySelector('#diagram').getBoundingClientRect().top)`); above != "true" {
			t.Fatal("the upload panel is not above the state diagram")
		}
		k := newTally(b.dialogs)
		files := writeFiles(t, "变更通知单.pdf", "补充说明.pdf")
		b.run(t, "upload two files",
			k.click(`a[data-testid="missing-upload"]`),
			k.files(`[data-testid="upload-files"]`, files),
			chromedp.WaitVisible(chromedp.CSS(`#upload [data-file-rows] li:nth-child(2) select`)),
			k.pick(`#upload [data-file-rows] li:nth-child(2) select`, "supplement"),
			k.click(`[data-testid="upload-submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		for cat, want := range map[string]string{"submission": "变更通知单.pdf", "supplement": "补充说明.pdf"} {
			docs, _, err := e.s.Documents(ctx, id, store.DocumentFilter{Category: cat, Limit: 10})
			if err != nil || len(docs) != 1 || docs[0].Name != want {
				t.Fatalf("%s documents %+v (%v), want %s", cat, docs, err, want)
			}
		}
		if missing := b.eval(t, `String(!!document.querySelector('[data-testid="missing"]'))`); missing != "false" {
			t.Fatal("the still-missing box stays after the submission came in")
		}
		t.Logf("upload two files with their categories from the still-missing box: %s", k)
	})

	t.Run("the unit signs next to the opinion letter in at most 4 from its to-do list", func(t *testing.T) {
		id := b.reviewID(t, "LH-2026-005", "settlement")
		b.login(t, "jianshe")
		k := newTally(b.dialogs)
		todo := fmt.Sprintf(`a[data-testid="todo-%d"]`, id)
		b.run(t, "open from the to-do list", chromedp.WaitVisible(chromedp.CSS(todo)),
			k.click(todo), chromedp.WaitVisible(chromedp.CSS(`[data-testid="sign-letter"]`)))
		// The letter is in the action card, before the sign form, with the
		// figures and a link to the whole letter.
		where := b.eval(t, `(function(){var l=document.querySelector('[data-testid="sign-letter"]'), f=document.querySelector('form[data-testid="form-sign"]');
			return String(!!l.closest('#actions') && !!(l.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING))})()`)
		if where != "true" {
			t.Fatal("the opinion letter is not next to the sign box")
		}
		text := b.eval(t, `document.querySelector('[data-testid="sign-letter"]').innerText`)
		r := b.review(t, id)
		for _, want := range []string{"征求意见书", web.FormatMoney(r.AuditedAmount.Decimal)} {
			if !strings.Contains(text, want) {
				t.Fatalf("letter summary %q lacks %q", text, want)
			}
		}
		if href := b.eval(t, `document.querySelector('[data-testid="letter-link"]').getAttribute('href')`); href != fmt.Sprintf("/reviews/%d/papers/opinion_letter", id) {
			t.Fatalf("letter link %q", href)
		}
		b.run(t, "sign",
			k.click(`form[data-testid="form-sign"] input[name="agree"][value="true"]`),
			k.click(`form[data-testid="form-sign"] button[type="submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if got := b.review(t, id).State; got != "signed" {
			t.Fatalf("state = %s, want signed", got)
		}
		t.Logf("sign the opinion letter from the to-do list: %s", k)
		if k.total() > 4 {
			t.Fatalf("%s interactions, goal ≤ 4", k)
		}
	})

	t.Run("the delegation lists every firm not chosen with its reason", func(t *testing.T) {
		id := b.reviewID(t, "LH-2026-010", "budget")
		b.login(t, "pingshen")
		b.run(t, "delegate", chromedp.Navigate(fmt.Sprintf("%s/reviews/%d", b.base, id)),
			chromedp.WaitVisible(chromedp.CSS(`form[data-testid="form-delegate"]`)),
			chromedp.Click(chromedp.CSS(`form[data-testid="form-delegate"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#delegation`)))
		r := b.review(t, id)
		firms, err := e.s.Firms(ctx, store.FirmFilter{JurisdictionID: r.JurisdictionID})
		if err != nil {
			t.Fatal(err)
		}
		library := 0
		for _, f := range firms {
			if f.Status != "removed" {
				library++
			}
		}
		rows := b.eval(t, `String(document.querySelectorAll('[data-testid="considered"] tbody tr').length)`)
		skipped := b.eval(t, `Array.from(document.querySelectorAll('[data-testid="skipped-firm"]')).map(function(tr){return tr.cells[4].innerText.trim()}).join('\n')`)
		lines := strings.Split(strings.TrimSpace(skipped), "\n")
		if rows != fmt.Sprint(library) || library < 2 || len(lines) != library-1 {
			t.Fatalf("the panel lists %s firms and %d not chosen, the library has %d: %q", rows, len(lines), library, skipped)
		}
		for _, l := range lines {
			if !strings.Contains(l, ":") || len([]rune(l)) < 6 {
				t.Fatalf("a firm not chosen without its reason: %q", l)
			}
		}
	})

	t.Run("the drawn expert gives the opinion with its signed copy in at most 3 from the to-do list", func(t *testing.T) {
		id := b.reviewID(t, "LH-2026-010", "change")
		if got := b.review(t, id).State; got != "expert_review" {
			t.Fatalf("demo review in %s, want expert_review", got)
		}
		b.login(t, "zhuanjia")
		k := newTally(b.dialogs)
		todo := fmt.Sprintf(`a[data-testid="todo-%d"]`, id)
		files := writeFiles(t, "专家复审意见(签字).pdf")
		b.run(t, "give the opinion", chromedp.WaitVisible(chromedp.CSS(todo)),
			k.click(todo), chromedp.WaitVisible(chromedp.CSS(`[data-testid="expert-task"]`)),
			k.files(`[data-testid="ex-files"]`, files),
			chromedp.WaitVisible(chromedp.CSS(`#expert-task [data-file-rows] li`)),
			k.click(`[data-testid="expert-submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		t.Logf("expert's opinion with its signed copy from the to-do list: %s", k)
		if k.total() > 3 {
			t.Fatalf("%s interactions, goal ≤ 3", k)
		}
		expert, err := e.s.UserByUsername(ctx, "zhuanjia")
		if err != nil {
			t.Fatal(err)
		}
		docs, _, err := e.s.Documents(ctx, id, store.DocumentFilter{Category: "expert_opinion", Limit: 10})
		if err != nil || len(docs) != 1 || docs[0].UploaderID != expert.ID {
			t.Fatalf("expert opinion documents %+v (%v), want the one the expert uploaded", docs, err)
		}
		ops, err := e.s.ExpertOpinions(ctx, id)
		if err != nil || len(ops) != 1 || ops[0].UserID != expert.ID || !strings.Contains(ops[0].Opinion, "专家复审意见(签字).pdf") {
			t.Fatalf("opinions %+v (%v)", ops, err)
		}
		if a := auditActions(t, e.s, id); a["expert_opinion"] != 1 || a["document_upload"] < 1 {
			t.Fatalf("audit of the review: %v, want the opinion and the upload", a)
		}
		// A typed opinion revises it (the earlier text cleared first).
		k = newTally(b.dialogs)
		b.run(t, "revise the opinion", chromedp.Navigate(b.base+"/"), chromedp.WaitVisible(chromedp.CSS(todo)),
			k.click(todo), chromedp.WaitVisible(chromedp.CSS(`#ex-opinion`)),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := chromedp.Evaluate[bool](`(document.querySelector('#ex-opinion').value = '') === ''`)(ctx, tg)
				return err
			}),
			k.typ(`#ex-opinion`, "外墙保温材料按认质认价结果计价,核定审定金额 512,300.00 元。"),
			k.typ(`#ex-amount`, "512300"),
			k.click(`[data-testid="expert-submit"]`),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		t.Logf("revise the opinion with a typed text and an amount: %s (+1 to clear the earlier text)", k)
		if ops, _ := e.s.ExpertOpinions(ctx, id); len(ops) != 1 || !strings.HasPrefix(ops[0].Opinion, "外墙保温材料") ||
			ops[0].SuggestedAmount.Decimal.StringFixed(2) != "512300.00" {
			t.Fatalf("revised opinion %+v", ops)
		}
	})

	t.Run("only the drawn expert, only on that review", func(t *testing.T) {
		id := b.reviewID(t, "LH-2026-010", "change")
		other := b.reviewID(t, "LH-2026-009", "change")
		drawn, err := e.s.UserByUsername(ctx, "zhuanjia")
		if err != nil {
			t.Fatal(err)
		}
		// A second expert with a login, not drawn for the review.
		uid, err := e.s.InsertUser(ctx, store.User{Username: "zhuanjia2", DisplayName: "韩雪", PasswordHash: drawn.PasswordHash,
			Role: string(auth.Expert), JurisdictionID: drawn.JurisdictionID, Active: true, Demo: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.InsertExpert(ctx, store.Expert{Name: "韩雪(测试)", Specialty: "安装工程", UserID: uid, Active: true}); err != nil {
			t.Fatal(err)
		}
		wrong := e.as("zhuanjia2")
		if resp, _ := e.get(wrong, fmt.Sprintf("/reviews/%d", id)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("an expert not drawn opens the review: %d", resp.StatusCode)
		}
		if resp, _ := e.post(wrong, fmt.Sprintf("/reviews/%d/expert-opinion", id), url.Values{"opinion": {"越权意见"}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("an expert not drawn gives an opinion: %d", resp.StatusCode)
		}
		if code := scriptUpload(t, e, wrong, id, "expert_opinion", "越权.pdf"); code != http.StatusNotFound {
			t.Fatalf("an expert not drawn uploads: %d", code)
		}
		right := e.as("zhuanjia")
		if resp, _ := e.post(right, fmt.Sprintf("/reviews/%d/expert-opinion", other), url.Values{"opinion": {"别的评审"}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("the drawn expert gives an opinion on another review: %d", resp.StatusCode)
		}
		if code := scriptUpload(t, e, right, other, "expert_opinion", "别的评审.pdf"); code != http.StatusNotFound {
			t.Fatalf("the drawn expert uploads to another review: %d", code)
		}
		// On the drawn review: only the expert's category.
		if code := scriptUpload(t, e, right, id, "submission", "送审.pdf"); code != http.StatusForbidden {
			t.Fatalf("the expert uploads a submission: %d", code)
		}
		if ops, _ := e.s.ExpertOpinions(ctx, id); len(ops) != 1 || ops[0].UserID != drawn.ID {
			t.Fatalf("opinions after the refusals: %+v", ops)
		}
		if a := auditActions(t, e.s, id); a["expert_opinion"] != 2 {
			t.Fatalf("audit: %v, want the two opinions of the drawn expert only", a)
		}
	})
	if t.Failed() {
		return
	}
	t.Run("the pages keep their Content-Security-Policy", func(t *testing.T) {
		time.Sleep(500 * time.Millisecond) // reports are sent in the background
		resp, err := http.Get(b.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`(?m)^finreview_csp_violations_total (\S+)$`).FindSubmatch(body)
		if m == nil || string(m[1]) != "0" {
			t.Fatalf("Content-Security-Policy violations: %q", m)
		}
	})
}

// flashSays waits for the page's message to contain text.
// The page navigates meanwhile, so a failed look is tried again.
func flashSays(text string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(function(){var f=document.querySelector('.flash'); return !!f && f.innerText.indexOf(%q) >= 0})()`, text)
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for {
			if ok, err := chromedp.Evaluate[bool](js)(ctx, tg); err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("no message %q: %w", text, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// scriptUpload sends one file as the page's script does (JSON answer) and
// returns the status.
func scriptUpload(t *testing.T, e *pagesEnv, s pagesSession, reviewID int64, category, name string) int {
	t.Helper()
	body, ct := multipartBody([][2]string{{"category", category}}, name, pdfContent(name))
	req := httptest.NewRequest("POST", fmt.Sprintf("/reviews/%d/upload", reviewID), body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", s.csrf)
	req.AddCookie(s.cookie)
	resp, _ := e.send(req)
	return resp.StatusCode
}
