package docs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/input"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

func TestDocNumberFormat(t *testing.T) {
	city := store.Jurisdiction{Name: "市本级", IsCity: true}
	cases := []struct {
		name string
		j    store.Jurisdiction
		kind string
		want string
	}{
		{"city conclusion", city, docs.PaperConclusion, "巴财评〔2026〕15号"},
		{"city notice", city, docs.PaperNotice, "巴财评通〔2026〕15号"},
		{"city opinion letter", city, docs.PaperOpinionLetter, "巴财评意〔2026〕15号"},
		{"city fee statement", city, docs.PaperFeeStatement, "巴财评费〔2026〕15号"},
		{"county uses its short name", store.Jurisdiction{Name: "临河区"}, docs.PaperConclusion, "临财评〔2026〕15号"},
		{"banner uses two characters", store.Jurisdiction{Name: "乌拉特前旗"}, docs.PaperConclusion, "乌前财评〔2026〕15号"},
		{"unknown county uses its first character", store.Jurisdiction{Name: "新区"}, docs.PaperConclusion, "新财评〔2026〕15号"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := docs.DocNumber(tc.j, tc.kind, 2026, 15); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestIssuePaperConcurrent issues 200 numbers at once from two instances,
// each through its own database node when FINREVIEW_TEST_NODES names a
// cluster's (two Galera nodes, both taking writes): every number is taken
// once, no gaps, and every audit chain the issues extended — the reviews'
// and one stream of events without a review — verifies.
func TestIssuePaperConcurrent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	stores := testenv.NodeStores(t, e.s, 2)
	svcs := []*docs.Service{docs.NewService(stores[0], e.objects, time.Now, log), docs.NewService(stores[1], e.objects, time.Now, log)}
	reviews := []store.Review{e.review("LH-2026-001", ""), e.review("LH-2026-002", ""), e.review("LH-2026-003", ""), e.review("LH-2026-004", "")}
	center := e.principal("pingshen")
	at := time.Date(2026, 3, 5, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

	const n = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	var numbers []int
	var docNumbers = map[string]bool{}
	var errs []error
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var p store.Paper
			err := stores[i%2].InTx(ctx, func(q *store.Queries) error {
				var err error
				p, err = svcs[i%2].IssuePaper(ctx, q, reviews[i%len(reviews)], docs.PaperConclusion, center, at)
				if err != nil {
					return err
				}
				_, err = audit.Append(ctx, q, at, audit.Entry{ActorID: center.UserID, ActorName: "pingshen", Action: "paper_count",
					ObjectType: "paper", ObjectID: strconv.FormatInt(p.ID, 10)})
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			numbers = append(numbers, p.Number)
			docNumbers[p.DocNumber] = true
		}(i)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d failed, first: %v", len(errs), n, errs[0])
	}
	sort.Ints(numbers)
	t.Run("consecutive from one", func(t *testing.T) {
		for i, got := range numbers {
			if got != i+1 {
				t.Fatalf("number %d is %d; want %d (numbers %v)", i, got, i+1, numbers)
			}
		}
	})
	t.Run("distinct doc numbers", func(t *testing.T) {
		if len(docNumbers) != n || !docNumbers["临财评〔2026〕200号"] || !docNumbers["临财评〔2026〕1号"] {
			t.Fatalf("%d distinct doc numbers", len(docNumbers))
		}
	})
	t.Run("audit chains verify", func(t *testing.T) {
		res, err := audit.Verify(ctx, e.s)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK || res.Events < 2*n {
			t.Fatalf("audit verify: ok %v, %d events (want at least %d), %s %v", res.OK, res.Events, 2*n, res.Broken, res.Problems)
		}
	})
	t.Run("each series counts on its own", func(t *testing.T) {
		var p store.Paper
		err := e.s.InTx(ctx, func(q *store.Queries) error {
			var err error
			p, err = e.svc.IssuePaper(ctx, q, reviews[0], docs.PaperNotice, center, at)
			return err
		})
		if err != nil || p.DocNumber != "临财评通〔2026〕1号" {
			t.Fatalf("notice = %q, %v", p.DocNumber, err)
		}
	})
	t.Run("a rolled back issue gives its number back", func(t *testing.T) {
		boom := errors.New("transition failed")
		err := e.s.InTx(ctx, func(q *store.Queries) error {
			if _, err := e.svc.IssuePaper(ctx, q, reviews[0], docs.PaperConclusion, center, at); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var p store.Paper
		err = e.s.InTx(ctx, func(q *store.Queries) error {
			var err error
			p, err = e.svc.IssuePaper(ctx, q, reviews[0], docs.PaperConclusion, center, at)
			return err
		})
		if err != nil || p.Number != n+1 {
			t.Fatalf("next number = %d, %v; want %d", p.Number, err, n+1)
		}
	})
}

func TestPaperPDFAndVoid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-007", "zhongjie1")
	center := e.principal("pingshen")
	paper := e.issue(t, r, docs.PaperConclusion, center)
	if err := e.svc.RenderPending(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := e.s.Paper(ctx, paper.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.DocumentID == 0 || stored.Snapshot == "" {
		t.Fatalf("paper not rendered: %+v", stored)
	}
	doc, rc, err := e.svc.OpenPaperPDF(ctx, e.principal("jianshe"), paper.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("stored as a conclusion document with its hash", func(t *testing.T) {
		if doc.Category != docs.Conclusion || doc.SHA256 != sum(pdf) || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("document %+v", doc)
		}
		if !strings.Contains(doc.Name, "临财评〔2026〕1号") {
			t.Fatalf("name %q", doc.Name)
		}
	})
	t.Run("rendering again changes nothing", func(t *testing.T) {
		if err := e.svc.RenderPending(ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.count("SELECT COUNT(*) FROM documents WHERE category = 'conclusion'"); n != 1 {
			t.Fatalf("conclusion documents = %d", n)
		}
	})
	t.Run("chinese text is extractable", func(t *testing.T) {
		text := strings.Join(strings.Fields(pdfText(t, pdf)), "")
		for _, want := range []string{"评审结论", "临财评〔2026〕1号", "临河区农村互助幸福院改造项目", "项目概况", "评审依据", "评审范围", "评审内容",
			"审增（减）原因", "特别事项说明", "一式四份", "—1—", "2026年3月5日"} {
			if !strings.Contains(text, want) {
				t.Errorf("pdf text lacks %q", want)
			}
		}
		if t.Failed() {
			t.Logf("text:\n%s", text)
		}
	})
	t.Run("print view shows the issued snapshot", func(t *testing.T) {
		v, err := e.svc.View(ctx, e.principal("jianshe"), r.ID, docs.PaperConclusion)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Snapshot || v.Content.DocNumber != "临财评〔2026〕1号" || v.Content.Copies == "" {
			t.Fatalf("view %+v", v)
		}
	})
	t.Run("void needs the review center and a reason", func(t *testing.T) {
		if _, err := e.svc.VoidPaper(ctx, e.principal("jianshe"), paper.ID, "错误"); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("unit void: %v", err)
		}
		var fe *input.FieldError
		if _, err := e.svc.VoidPaper(ctx, center, paper.ID, "  "); !errors.As(err, &fe) || fe.Field() != "reason" {
			t.Fatalf("no reason: %v", err)
		}
		p, err := e.svc.VoidPaper(ctx, center, paper.ID, "审定金额录入有误")
		if err != nil || !p.Voided() || p.VoidReason != "审定金额录入有误" {
			t.Fatalf("void: %+v %v", p, err)
		}
		var de *docs.Error
		if _, err := e.svc.VoidPaper(ctx, center, paper.ID, "再次"); !errors.As(err, &de) || de.HTTPStatus() != 409 {
			t.Fatalf("second void: %v", err)
		}
	})
	t.Run("a voided number is never reused and stays searchable", func(t *testing.T) {
		p := e.issue(t, r, docs.PaperConclusion, center)
		if p.Number != 2 {
			t.Fatalf("next number %d; want 2", p.Number)
		}
		found, total, err := e.svc.SearchPapers(ctx, center, store.PaperFilter{DocNumber: "临财评〔2026〕1号"})
		if err != nil || total != 1 || !found[0].Voided() {
			t.Fatalf("search: %d %v", total, err)
		}
		if _, total, _ := e.svc.SearchPapers(ctx, e.principal("jianshe2"), store.PaperFilter{DocNumber: "〔2026〕"}); total != 0 {
			t.Fatalf("another county's unit sees %d papers", total)
		}
	})
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "paper.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestWritePDFAllKinds(t *testing.T) {
	for _, kind := range docs.PaperKinds() {
		t.Run(kind, func(t *testing.T) {
			c := docs.BuildContent(docs.PaperInput{Kind: kind, DocNumber: "巴财评〔2026〕3号", At: time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC),
				Review:       store.Review{Kind: "settlement", UnitName: "临河区民政局", FirmName: "内蒙古正信工程造价咨询有限公司"},
				Project:      store.Project{Name: "临河区养老服务中心建设项目", Code: "LH-2026-002", FundingSource: "special_bond", Category: "capital"},
				Jurisdiction: store.Jurisdiction{Name: "市本级", IsCity: true}})
			var buf bytes.Buffer
			if err := docs.WritePDF(&buf, c); err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, buf.Bytes())
			if !strings.Contains(text, docs.PaperLabel(kind)) || !strings.Contains(text, "临河区养老服务中心建设项目") {
				t.Fatalf("text lacks title or project:\n%s", text)
			}
		})
	}
}

// Page numbers alternate as GB/T 9704 sets them: odd pages on the right,
// even pages on the left, each one character in from the text block.
func TestPDFPageNumbersAlternate(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils)")
	}
	long := make([]string, 60)
	for i := range long {
		long[i] = "经审核,该项目送审金额与审定金额的差异主要来自工程量计算与材料价格的调整,详见附表。"
	}
	c := docs.Content{Kind: "conclusion", Issuer: "巴彦淖尔市财政投资评审中心", DocNumber: "巴财评〔2026〕9号", Title: "评审结论",
		Sections: []docs.Section{{Paragraphs: long}}, Signer: "巴彦淖尔市财政投资评审中心", Date: "2026年1月9日"}
	var buf bytes.Buffer
	if err := docs.WritePDF(&buf, c); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "paper.pdf")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-bbox", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Each page's number is the word between the two dashes at its foot.
	pages := strings.Split(string(out), "<page ")[1:]
	if len(pages) < 2 {
		t.Fatalf("the paper has %d page(s); the test needs two", len(pages))
	}
	for i, page := range pages[:2] {
		width, _ := strconv.ParseFloat(between(page, `width="`, `"`), 64)
		num := strconv.Itoa(i + 1)
		var x float64
		for _, word := range strings.Split(page, "<word ")[1:] {
			if strings.HasSuffix(strings.TrimSpace(strings.SplitN(word, "</word>", 2)[0]), ">"+num) {
				x, _ = strconv.ParseFloat(between(word, `xMin="`, `"`), 64)
			}
		}
		if x == 0 || width == 0 {
			t.Fatalf("page %d: number not found in\n%s", i+1, page)
		}
		if odd := i%2 == 0; odd != (x > width/2) {
			t.Errorf("page %d: number at x=%.0f of %.0f, want the %s half", i+1, x, width, map[bool]string{true: "right", false: "left"}[odd])
		}
	}
}

func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(after, to)
	return v
}

// A paper keeps the name it was issued under: renaming the issuer later
// changes neither the paper nor the lists that show it, and a paper the
// system issued says so.
func TestPaperKeepsIssuerName(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.review("LH-2026-007", "zhongjie1")
	center := e.principal("pingshen")
	byCenter := e.issue(t, r, docs.PaperNotice, center)
	bySystem := e.issue(t, r, docs.PaperConclusion, auth.SystemPrincipal())
	if _, err := e.s.DB.Exec("UPDATE users SET display_name = '改名以后' WHERE id = ?", center.UserID); err != nil {
		t.Fatal(err)
	}
	papers, err := e.s.Papers(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, p := range papers {
		got[p.ID] = p.IssuedByName
	}
	if got[byCenter.ID] != center.Name || got[bySystem.ID] != "系统" {
		t.Fatalf("issuers %v; want %q for paper %d and 系统 for paper %d", got, center.Name, byCenter.ID, bySystem.ID)
	}
	d, err := e.s.ReviewDossier(ctx, store.Scope{All: true}, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Papers {
		if p.IssuedByName != got[p.ID] {
			t.Fatalf("dossier paper %d issued by %q, list says %q", p.ID, p.IssuedByName, got[p.ID])
		}
	}
}

// issue issues a paper of kind for r in a transaction of its own, on
// 5 March 2026.
func (e *env) issue(t *testing.T, r store.Review, kind string, actor auth.Principal) store.Paper {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 3, 5, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	var p store.Paper
	if err := e.s.InTx(ctx, func(q *store.Queries) error {
		var err error
		p, err = e.svc.IssuePaper(ctx, q, r, kind, actor, at)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}
