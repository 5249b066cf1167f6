package docs_test

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/docs"
	"finreview/internal/store"
)

var updateScreenshots = flag.Bool("update", false, "write the papers' screenshots to docs/papers")

// dpi of the rendered pages: 1 px is 0.35 mm.
const dpi = 72

func px(mm float64) int { return int(mm/25.4*dpi + 0.5) }

func mm(px int) float64 { return float64(px) * 25.4 / dpi }

func abs(n int) int { return max(n, -n) }

// samplePaper is a paper of kind for a settlement review with amounts, a
// firm and a fee statement, as the demo city issues them.
func samplePaper(kind string) docs.Content {
	d := decimal.RequireFromString
	fee := &store.FeeStatement{Kind: "settlement", Outcome: "normal", SubmittedAmount: d("8650000.00"), AuditedAmount: d("8291734.56"),
		BasicFee: d("31525.00"), ReductionFee: d("17913.27"), TotalFee: d("49438.27"), ContractorShare: d("0.00"),
		FinanceShare: d("49438.27"), PayableNow: d("49438.27"), PayableLater: d("0.00"), ScheduleName: "巴彦淖尔市评审付费标准", ScheduleVersion: 2}
	word := map[string]string{docs.PaperNotice: "财评通", docs.PaperOpinionLetter: "财评意", docs.PaperConclusion: "财评", docs.PaperFeeStatement: "财评费"}
	return docs.BuildContent(docs.PaperInput{Kind: kind, DocNumber: "巴" + word[kind] + "〔2026〕15号",
		At: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC),
		Review: store.Review{Kind: "settlement", UnitName: "巴彦淖尔市临河区民政局", FirmName: "内蒙古正信工程造价咨询有限公司",
			SubmittedAmount: d("8650000.00"), ReviewChange: store.ReviewChange{AuditedAmount: decimal.NullDecimal{Decimal: d("8291734.56"), Valid: true}}},
		Project: store.Project{Name: "临河区养老服务中心建设项目", Code: "LH-2026-002", FundingSource: "special_bond", Category: "capital",
			ApprovedEstimate: d("9200000.00")},
		Jurisdiction: store.Jurisdiction{Name: "市本级", IsCity: true}, Fee: fee})
}

// page is one rendered page: its image, its words with their boxes, and
// its text line by line.
type page struct {
	img   image.Image
	words []word
	text  string
}

type word struct {
	text                   string
	xMin, yMin, xMax, yMax float64 // mm from the top left corner
}

// render writes c as PDF and renders every page to PNG with pdftoppm
// (poppler-utils), with the words' positions from pdftotext -bbox; it
// returns the pages and the PNG files.
func render(t *testing.T, c docs.Content) ([]page, []string) {
	t.Helper()
	var buf bytes.Buffer
	if err := docs.WritePDF(&buf, c); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "paper.pdf")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install poppler-utils (apt-get install -y poppler-utils, or make browser)", tool)
		}
	}
	if out, err := exec.Command("pdftoppm", "-r", strconv.Itoa(dpi), "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	bbox, err := exec.Command("pdftotext", "-enc", "UTF-8", "-bbox", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	plain, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	texts := strings.Split(string(plain), "\f")
	files, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	var pages []page
	for i, raw := range strings.Split(string(bbox), "<page ")[1:] {
		if i >= len(files) || i >= len(texts) {
			t.Fatalf("pdftoppm made %d images, pdftotext %d pages, for more pages", len(files), len(texts))
		}
		f, err := os.Open(files[i])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		p := page{img: img, text: texts[i]}
		for _, w := range strings.Split(raw, "<word ")[1:] {
			num := func(attr string) float64 {
				v, _ := strconv.ParseFloat(between(w, attr+`="`, `"`), 64)
				return v * 25.4 / 72
			}
			p.words = append(p.words, word{text: between(w, ">", "</word>"), xMin: num("xMin"), yMin: num("yMin"), xMax: num("xMax"), yMax: num("yMax")})
		}
		pages = append(pages, p)
	}
	return pages, files
}

// inked reports whether the pixel is printed on (not paper white).
func inked(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r < 0xC000 || g < 0xC000 || b < 0xC000
}

// inkBox is the bounding box, in mm, of the ink between y0 and y1 mm.
func inkBox(img image.Image, y0, y1 float64) (x0, top, x1, bot float64, any bool) {
	b := img.Bounds()
	minX, minY, maxX, maxY := b.Max.X, b.Max.Y, -1, -1
	for y := max(px(y0), b.Min.Y); y < min(px(y1), b.Max.Y); y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if inked(img, x, y) {
				minX, maxX = min(minX, x), max(maxX, x)
				minY, maxY = min(minY, y), max(maxY, y)
			}
		}
	}
	if maxX < 0 {
		return 0, 0, 0, 0, false
	}
	return mm(minX), mm(minY), mm(maxX + 1), mm(maxY + 1), true
}

// blank reports whether no ink lies in the rectangle (mm), else where
// the first ink is.
func blank(img image.Image, x0, y0, x1, y1 float64) (bool, string) {
	for y := px(y0); y < px(y1); y++ {
		for x := px(x0); x < px(x1); x++ {
			if inked(img, x, y) {
				return false, fmt.Sprintf("ink at (%.1f, %.1f) mm", mm(x), mm(y))
			}
		}
	}
	return true, ""
}

const (
	textRight  = docs.MarginLeft + docs.TextW
	textBottom = docs.MarginTop + docs.TextH
	lineH      = docs.TextH / docs.LinesPerPage
	tol        = 1.0 // mm
)

// checkGeometry: A4, and the ink of every page within the text block but
// for the page number about 7 mm under it; page one's header starts at
// the top of the block and its red rule spans the block's width.
func checkGeometry(t *testing.T, pages []page) {
	t.Helper()
	for i, p := range pages {
		b := p.img.Bounds()
		if abs(b.Dx()-px(docs.PageW)) > 1 || abs(b.Dy()-px(docs.PageH)) > 1 {
			t.Errorf("page %d is %d × %d px, want A4, %d × %d at %d dpi", i+1, b.Dx(), b.Dy(), px(docs.PageW), px(docs.PageH), dpi)
		}
		x0, y0, x1, y1, ok := inkBox(p.img, 0, textBottom+2)
		if !ok {
			t.Errorf("page %d has no text", i+1)
			continue
		}
		if x0 < docs.MarginLeft-tol || y0 < docs.MarginTop-tol || x1 > textRight+tol || y1 > textBottom+tol {
			t.Errorf("page %d: ink from (%.1f, %.1f) to (%.1f, %.1f) mm leaves the text block (%.0f, %.0f)–(%.0f, %.0f)",
				i+1, x0, y0, x1, y1, docs.MarginLeft, docs.MarginTop, textRight, textBottom)
		}
		if i == 0 && (x0 > docs.MarginLeft+tol || x1 < textRight-tol || y0 > docs.MarginTop+4) {
			t.Errorf("page 1: ink from (%.1f, %.1f) to (%.1f, %.1f) mm; the header should start at the top of the text block and its rule span %.0f–%.0f mm",
				x0, y0, x1, y1, docs.MarginLeft, textRight)
		}
		fx0, fy0, fx1, fy1, ok := inkBox(p.img, textBottom+2, docs.PageH)
		if !ok || fy0 < textBottom+4 || fy1 > textBottom+14 || fx0 < docs.MarginLeft || fx1 > textRight {
			t.Errorf("page %d: page number ink (%.1f, %.1f)–(%.1f, %.1f) mm, want it about 7 mm under the text block", i+1, fx0, fy0, fx1, fy1)
		}
	}
}

var (
	amountRe = regexp.MustCompile(`[0-9]{1,3}(?:,[0-9]{3})*\.[0-9]{2}`)
	dateRe   = regexp.MustCompile(`(?:[0-9]{4} *)?年 *(?:[0-9]{1,2} *)?月 *(?:[0-9]{1,2} *)?日`)
)

// allText is every text of the paper.
func allText(c docs.Content) []string {
	out := []string{c.Issuer, c.DocNumber, c.Title, c.Addressee, c.Signer, c.Date, c.Copies}
	for _, s := range c.Sections {
		out = append(out, s.Heading)
		out = append(out, s.Paragraphs...)
		for _, r := range s.Rows {
			out = append(out, r.Label, r.Value)
		}
	}
	return append(out, c.Receipt...)
}

// checkUnbroken: every amount and every date of the paper is found whole
// on one printed line.
func checkUnbroken(t *testing.T, c docs.Content, pages []page) {
	t.Helper()
	var lines []string
	for _, p := range pages {
		for _, l := range strings.Split(p.text, "\n") {
			lines = append(lines, strings.ReplaceAll(l, " ", ""))
		}
	}
	onOneLine := func(s string) bool {
		s = strings.ReplaceAll(s, " ", "")
		for _, l := range lines {
			if strings.Contains(l, s) {
				return true
			}
		}
		return false
	}
	n := 0
	for _, text := range allText(c) {
		for _, re := range []*regexp.Regexp{amountRe, dateRe} {
			for _, m := range re.FindAllString(text, -1) {
				n++
				if !onOneLine(m) {
					t.Errorf("%q is broken across lines", m)
				}
			}
		}
	}
	if n == 0 {
		t.Error("the paper has no amount nor date to check")
	}
}

// checkLineLength: no printed line holds more than 28 characters, a Latin
// letter or digit counting half.
func checkLineLength(t *testing.T, pages []page) {
	t.Helper()
	for i, p := range pages {
		for _, l := range strings.Split(p.text, "\n") {
			n := 0.0
			for _, r := range strings.ReplaceAll(l, " ", "") {
				if r < 0x2000 {
					n += 0.5
				} else {
					n++
				}
			}
			if n > docs.CharsPerLine {
				t.Errorf("page %d: line %q is %.1f characters long, more than %d", i+1, l, n, docs.CharsPerLine)
			}
		}
	}
}

// find is the last word of the pages equal to s: its page and box.
func find(pages []page, s string) (int, word, bool) {
	for i := len(pages) - 1; i >= 0; i-- {
		for j := len(pages[i].words) - 1; j >= 0; j-- {
			if w := pages[i].words[j]; w.text == s {
				return i, w, true
			}
		}
	}
	return 0, word{}, false
}

// checkSeal: the date four characters in from the right, the issuer
// centred over it, and above them a blank square as wide as the seal,
// centred on the date and reaching down to its foot.
func checkSeal(t *testing.T, c docs.Content, pages []page) {
	t.Helper()
	pi, signer, ok1 := find(pages, c.Signer)
	pd, date, ok2 := find(pages, c.Date)
	if !ok1 || !ok2 || pi != pd || date.yMin < signer.yMax-0.5 {
		t.Fatalf("issuer %q and date %q not found one under the other at the end", c.Signer, c.Date)
	}
	if right := textRight - date.xMax; right < 4*docs.TextW/docs.CharsPerLine-tol {
		t.Errorf("the date ends %.1f mm from the right edge, want four characters", right)
	}
	cx := (date.xMin + date.xMax) / 2
	if sc := (signer.xMin + signer.xMax) / 2; sc < cx-tol || sc > cx+tol {
		t.Errorf("issuer centred at %.1f mm, the date at %.1f mm", sc, cx)
	}
	foot := date.yMax + 1
	x0, x1 := max(cx-docs.SealSize/2, docs.MarginLeft), min(cx+docs.SealSize/2, textRight)
	if x1-x0 < docs.SealSize-tol {
		t.Errorf("the seal's room is %.1f mm wide", x1-x0)
	}
	if foot-docs.SealSize < docs.MarginTop-tol {
		t.Fatalf("the seal's room starts above the text block")
	}
	if ok, at := blank(pages[pi].img, x0, foot-docs.SealSize, x1, signer.yMin-0.5); !ok {
		t.Errorf("no blank room for the seal above the issuer (page %d, %.1f–%.1f mm across, %.1f–%.1f mm down): %s",
			pi+1, x0, x1, foot-docs.SealSize, signer.yMin, at)
	}
}

// checkReceipt: each party of the opinion letter's receipt has blank
// lines for its written opinion under "…意见:", its fields with "日期: 年 月
// 日" on one line, and blank room for its seal right of its fields, down
// to their foot.
func checkReceipt(t *testing.T, pages []page) {
	t.Helper()
	for _, party := range []string{"建设单位", "施工单位"} {
		ph, head, ok1 := find(pages, party+"意见：")
		pl, label, ok2 := find(pages, party+"（盖章）：")
		if !ok1 || !ok2 || ph != pl {
			t.Errorf("%s: opinion heading and seal line not on one page", party)
			continue
		}
		p := pages[ph]
		if room := label.yMin - head.yMax; room < 3*lineH {
			t.Errorf("%s: %.1f mm for the written opinion, want at least three lines (%.1f mm)", party, room, 3*lineH)
		}
		if ok, at := blank(p.img, docs.MarginLeft, head.yMax+0.5, textRight, label.yMin-0.5); !ok {
			t.Errorf("%s: the room for the written opinion is not blank: %s", party, at)
		}
		// The fields: the seal line, 负责人(签字), 日期 … 年 月 日.
		right, foot := label.xMax, label.yMax
		var dateLine []string
		dateY := -1.0
		for _, w := range p.words {
			if w.yMin < label.yMin-0.5 || w.yMin > label.yMin+3*lineH-1 || w.xMin < label.xMin-1 {
				continue
			}
			right, foot = max(right, w.xMax), max(foot, w.yMax)
			if w.text == "日期：" {
				dateY = w.yMin
			} else if dateY >= 0 && w.yMin > dateY-1 && w.yMin < dateY+1 {
				dateLine = append(dateLine, w.text)
			}
		}
		if got := strings.Join(dateLine, " "); got != "年 月 日" {
			t.Errorf("%s: the line of 日期: holds %q, want 年 月 日", party, got)
		}
		if ok, at := blank(p.img, right+1, foot+1-docs.SealSize, right+1+docs.SealSize, foot+1); !ok || right+1+docs.SealSize > textRight+tol {
			t.Errorf("%s: no blank room for the seal right of the fields (%.1f–%.1f mm across, down to %.1f mm): %s",
				party, right+1, right+1+docs.SealSize, foot+1, at)
		}
	}
}

// Every kind of paper, rendered to PNG: A4, ink within the GB/T 9704 text
// block, the page number under it, lines of at most 28 characters,
// amounts and dates whole on one line,
// blank room for the seal over the issuer and date, and on the opinion
// letter room for each party's written opinion and seal. With -update the
// pages go to docs/papers as screenshots.
func TestPaperPNG(t *testing.T) {
	for _, kind := range docs.PaperKinds() {
		t.Run(kind, func(t *testing.T) {
			c := samplePaper(kind)
			pages, files := render(t, c)
			checkGeometry(t, pages)
			checkUnbroken(t, c, pages)
			checkLineLength(t, pages)
			checkSeal(t, c, pages)
			if kind == docs.PaperOpinionLetter {
				checkReceipt(t, pages)
			}
			if !strings.Contains(pages[0].text, docs.PaperLabel(kind)) {
				t.Errorf("page 1 lacks the title %q", docs.PaperLabel(kind))
			}
			if *updateScreenshots && !t.Failed() {
				saveScreenshots(t, kind, files)
			}
		})
	}
}

// saveScreenshots writes a kind's pages to docs/papers, in a palette of
// greys and the header's reds to keep the files small.
func saveScreenshots(t *testing.T, kind string, files []string) {
	dir := filepath.Join("..", "..", "docs", "papers")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, kind+"-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	var pal color.Palette
	for i := 0; i < 8; i++ {
		v := uint8(255 * i / 7)
		pal = append(pal, color.RGBA{v, v, v, 255})
		pal = append(pal, color.RGBA{200 + uint8(55*i/7), 16 + uint8(239*i/7), 16 + uint8(239*i/7), 255})
	}
	for i, f := range files {
		in, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(in)
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
		small := image.NewPaletted(img.Bounds(), pal)
		draw.Draw(small, img.Bounds(), img, img.Bounds().Min, draw.Src)
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, small); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", kind, i+1)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The body is set on the GB/T 9704 grid: a full page holds 22 lines, and
// each line of Chinese text 28 characters of 3号 filling the 156 mm.
func TestPaperGrid(t *testing.T) {
	long := strings.Repeat("财政投资评审中心对建设单位报送的工程结算资料逐项审核并与施工单位核对工程量", 40)
	c := docs.Content{Kind: docs.PaperConclusion, Issuer: "巴彦淖尔市财政投资评审中心", DocNumber: "巴财评〔2026〕9号", Title: "评审结论",
		Sections: []docs.Section{{Paragraphs: []string{long}}}, Signer: "巴彦淖尔市财政投资评审中心", Date: "2026年3月5日"}
	pages, _ := render(t, c)
	if len(pages) < 3 {
		t.Fatalf("%d pages; the test needs a full second page", len(pages))
	}
	checkGeometry(t, pages)
	p := pages[1]
	// Lines: bands of inked pixel rows within the text block.
	var bands [][2]int
	in := false
	for y := px(docs.MarginTop); y < px(textBottom); y++ {
		row := false
		for x := 0; x < p.img.Bounds().Dx() && !row; x++ {
			row = inked(p.img, x, y)
		}
		switch {
		case row && !in:
			bands = append(bands, [2]int{y, y})
		case row:
			bands[len(bands)-1][1] = y
		}
		in = row
	}
	if len(bands) != docs.LinesPerPage {
		t.Errorf("page 2 has %d lines, want %d", len(bands), docs.LinesPerPage)
	}
	for _, b := range bands {
		x0, _, x1, _, _ := inkBox(p.img, mm(b[0]), mm(b[1]+1))
		if x0 > docs.MarginLeft+tol || x1 < textRight-docs.TextW/docs.CharsPerLine || x1 > textRight+tol {
			t.Errorf("line at %.1f mm inks %.1f–%.1f mm, want the full %.0f–%.0f mm", mm(b[0]), x0, x1, docs.MarginLeft, textRight)
		}
	}
	n := 0
	for _, l := range strings.Split(p.text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "—") {
			continue
		}
		n++
		if got := len([]rune(l)); got != docs.CharsPerLine {
			t.Errorf("line %q has %d characters, want %d", l, got, docs.CharsPerLine)
		}
	}
	if n != docs.LinesPerPage {
		t.Errorf("page 2's text has %d lines, want %d", n, docs.LinesPerPage)
	}
}

// An amount, a rate and a date land on every position of a line; none is
// broken, the text around them breaks instead.
func TestPaperKeepsAmountsWhole(t *testing.T) {
	var paras, rates []string
	for k := 0; k < docs.CharsPerLine; k++ {
		rate := fmt.Sprintf("4.%02d%%", k)
		rates = append(rates, rate)
		paras = append(paras, strings.Repeat("审", k)+fmt.Sprintf("审定金额12,345,%03d.90元，审减率%s，2026年12月%d日前付清。", k, rate, k+1))
	}
	c := docs.Content{Kind: docs.PaperConclusion, Issuer: "巴彦淖尔市财政投资评审中心", DocNumber: "巴财评〔2026〕9号", Title: "评审结论",
		Sections: []docs.Section{{Paragraphs: paras}}, Signer: "巴彦淖尔市财政投资评审中心", Date: "2026年3月5日"}
	pages, _ := render(t, c)
	checkUnbroken(t, c, pages)
	var all string
	for _, p := range pages {
		all += p.text
	}
	for _, rate := range rates {
		if !strings.Contains(all, rate) {
			t.Errorf("rate %s broken across lines", rate)
		}
	}
}

// The body is Song and the title Hei, both embedded (as subsets); a
// character beyond GB 2312 falls back to the full Droid Sans Fallback
// rather than the 缺字 mark.
func TestPaperFaces(t *testing.T) {
	for _, r := range "评审结论巴彦淖尔市，0" {
		if f := docs.Face(false, r); f != docs.FontSong {
			t.Errorf("body %q drawn with %s", r, f)
		}
	}
	for _, r := range "评审结论巴彦淖尔市" {
		if f := docs.Face(true, r); f != docs.FontHei {
			t.Errorf("title %q drawn with %s", r, f)
		}
	}
	if f := docs.Face(false, '镕'); f != docs.FontCJK {
		t.Errorf("镕 (beyond GB 2312) drawn with %s", f)
	}
	var buf bytes.Buffer
	if err := docs.WritePDF(&buf, samplePaper(docs.PaperConclusion)); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "paper.pdf")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdffonts", in).Output()
	if err != nil {
		t.Fatalf("pdffonts (poppler-utils): %v", err)
	}
	embedded := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n")[2:] {
		if f := strings.Fields(l); len(f) > 5 {
			embedded[f[0]] = strings.Contains(l, "Identity-H       yes")
		}
	}
	if !embedded["utf8song"] || !embedded["utf8hei"] {
		t.Errorf("the Song and Hei fonts are not both embedded:\n%s", out)
	}
	// 9 MB of fonts, of which the file carries only the glyphs it uses.
	if buf.Len() > 300<<10 {
		t.Errorf("the PDF is %d bytes: the fonts are not subset", buf.Len())
	}
}
