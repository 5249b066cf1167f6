package docs

import (
	"bytes"
	"compress/gzip"
	_ "embed" // the fonts of the papers
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// The papers' fonts, all TrueType outlines the PDF library embeds as
// subsets with a ToUnicode map, so the text stays searchable and
// extractable (licences in fonts/NOTICE):
//
//   - songFont, AR PL SungtiL GB (Arphic Public License, Debian's
//     fonts-arphic-gbsn00lp): the Song face of the body text, with the
//     6,763 characters of GB 2312, its punctuation, digits and Latin
//     letters. Stored gzip-compressed (2.3 MB instead of 5.2 MB) and
//     unpacked once, on first use.
//   - heiFont, Droid Sans Fallback (Apache-2.0, fonts-droid-fallback) cut
//     to the characters of AR PL SungtiL GB: the Hei face of the issuer,
//     the title and the headings. The PDF library reads a whole font for
//     every paper, and the cut one reads in a fraction of the full one's
//     time.
//   - cjkFont, the full Droid Sans Fallback: the characters beyond GB 2312
//     that names carry, added to a paper only when it has one.
//   - latinFont, DejaVu Sans (Bitstream Vera licence, fonts-dejavu-core):
//     Latin letters and symbols the others lack.
//
//go:embed fonts/gbsn00lp.ttf.gz
var songFontGz []byte

//go:embed fonts/DroidSansFallbackGB.ttf
var heiFont []byte

//go:embed fonts/DroidSansFallbackFull.ttf
var cjkFont []byte

//go:embed fonts/DejaVuSans.ttf
var latinFont []byte

var songFont = sync.OnceValue(func() []byte {
	zr, err := gzip.NewReader(bytes.NewReader(songFontGz))
	if err != nil {
		panic("embedded song font: " + err.Error())
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("embedded song font: " + err.Error())
	}
	return b
})

// The embedded fonts by the names Face reports.
const (
	FontSong  = "song"
	FontHei   = "hei"
	FontCJK   = "cjk"
	FontLatin = "latin"
	fontSong  = FontSong
	fontHei   = FontHei
	fontCJK   = FontCJK
	fontLatin = FontLatin
)

// faceBody is the body text: Song, then the full Droid Sans Fallback for
// what Song lacks; faceTitle the issuer, title and headings: Hei, then
// Song.
var (
	faceBody  = []string{fontSong, fontCJK, fontLatin}
	faceTitle = []string{fontHei, fontSong, fontCJK, fontLatin}
)

func fontData(name string) []byte {
	switch name {
	case fontSong:
		return songFont()
	case fontHei:
		return heiFont
	case fontCJK:
		return cjkFont
	}
	return latinFont
}

// Page geometry after GB/T 9704-2012: A4, 天头 37 mm, 订口 28 mm, text
// block (版心) 156 × 225 mm; body in 3号 (16 pt) on a grid of 22 lines of
// 28 characters; the seal (about 42 mm across) over the issuer and date.
const (
	PageW        = 210.0
	PageH        = 297.0
	MarginTop    = 37.0
	MarginLeft   = 28.0
	TextW        = 156.0
	TextH        = 225.0
	LinesPerPage = 22
	CharsPerLine = 28
	SealSize     = 42.0
	// OpinionLines is the blank room, in body lines, the opinion letter
	// leaves under "建设单位意见:" for the unit's written opinion.
	OpinionLines = 4

	marginTop    = MarginTop
	marginLeft   = MarginLeft
	textW        = TextW
	marginRight  = PageW - MarginLeft - TextW
	marginBottom = PageH - MarginTop - TextH
	pageH        = PageH
	ptToMM       = 25.4 / 72
	sizeTitle    = 22.0 // 2号
	sizeBody     = 16.0 // 3号
	sizeSmall    = 14.0 // 4号
	sizeIssuer   = 26.0
	lineBody     = TextH / LinesPerPage // 10.23 mm
	pitchBody    = TextW / CharsPerLine // 5.57 mm
	lineSmall    = 7.6
)

// style is a face at a size; pitch, when set, is the advance of every
// full-width character (the 28-character grid), else the font's own.
type style struct {
	face  []string
	size  float64
	pitch float64
}

var (
	styleBody    = style{faceBody, sizeBody, pitchBody}
	styleHeading = style{faceTitle, sizeBody, pitchBody}
	styleTitle   = style{faceTitle, sizeTitle, 0}
	styleIssuer  = style{faceTitle, sizeIssuer, 0}
	styleSmall   = style{faceBody, sizeSmall, 0}
)

// writer draws mixed Chinese and Latin text, switching font per run.
type writer struct {
	pdf    *fpdf.Fpdf
	widths map[widthKey]float64
	glyphs *glyphs
	added  map[string]bool
}

type widthKey struct {
	r    rune
	font string
	size float64
}

func isCJK(r rune) bool { return r >= 0x2E80 }

// use selects a font, adding it to the document the first time: a paper
// whose text needs no glyph of a font does not carry it.
func (w *writer) use(font string, size float64) {
	if !w.added[font] {
		w.pdf.AddUTF8FontFromBytes(font, "", fontData(font))
		w.added[font] = true
	}
	w.pdf.SetFont(font, "", size)
}

// natural is the font's own advance of r, in mm.
func (w *writer) natural(font string, size float64, r rune) float64 {
	k := widthKey{r, font, size}
	if v, ok := w.widths[k]; ok {
		return v
	}
	w.use(font, size)
	v := w.pdf.GetStringWidth(string(r))
	w.widths[k] = v
	return v
}

// onGrid reports whether r is a full-width character of the style's grid:
// one whose own advance is a full em.
func (w *writer) onGrid(st style, font string, r rune) bool {
	if st.pitch == 0 || r < 0x2000 {
		return false
	}
	em := st.size * ptToMM
	n := w.natural(font, st.size, r)
	return n > em*0.99 && n < em*1.01
}

func (w *writer) runeWidth(st style, r rune) float64 {
	font := w.glyphs.font(st.face, r)
	if w.onGrid(st, font, r) {
		return st.pitch
	}
	return w.natural(font, st.size, r)
}

func (w *writer) width(st style, s string) float64 {
	total := 0.0
	for _, r := range s {
		total += w.runeWidth(st, r)
	}
	return total
}

// bottom is the lowest Y a line may reach: the foot of the text block.
const bottom = pageH - marginBottom + 0.01

// need starts a new page unless h more millimetres fit on this one.
func (w *writer) need(h float64) {
	if w.pdf.GetY()+h > bottom {
		w.pdf.AddPage()
	}
}

// text draws s on one line at the current Y within [x, x+boxW], aligned
// L, C or R, then moves down by lineH. Full-width characters of a grid
// style are set at its pitch (the PDF's character spacing), so 28 of them
// fill the 156 mm line in 3号.
func (w *writer) text(st style, x, boxW, lineH float64, s, align string) {
	tw := w.width(st, s)
	switch align {
	case "C":
		x += (boxW - tw) / 2
	case "R":
		x += boxW - tw
	}
	y := w.pdf.GetY()
	runes := []rune(s)
	for i := 0; i < len(runes); {
		font := w.glyphs.font(st.face, runes[i])
		grid := w.onGrid(st, font, runes[i])
		j := i + 1
		for j < len(runes) && w.glyphs.font(st.face, runes[j]) == font && w.onGrid(st, font, runes[j]) == grid {
			j++
		}
		run := string(runes[i:j])
		rw := w.width(st, run)
		w.use(font, st.size)
		if grid {
			w.pdf.RawWriteStr(fmt.Sprintf("%.4f Tc\n", (st.pitch-st.size*ptToMM)/ptToMM))
		}
		w.pdf.SetXY(x, y)
		w.pdf.CellFormat(rw, lineH, run, "", 0, "L", false, 0, "")
		if grid {
			w.pdf.RawWriteStr("0 Tc\n")
		}
		x += rw
		i = j
	}
	w.pdf.SetXY(marginLeft, y+lineH)
}

// line draws one line as text does, on a new page when this one is full.
func (w *writer) line(st style, x, boxW, lineH float64, s, align string) {
	w.need(lineH)
	w.text(st, x, boxW, lineH, s, align)
}

// WritePDF renders a paper as an A4 PDF in the national format: the
// issuer in red with the 文号 under it and a red rule, the title in 2号
// Hei, the body in 3号 Song on the 22 × 28 grid, headings in Hei, page
// numbers "— 1 —" (odd pages on the right, even on the left, one
// character in), and the issuer and date at the end under a blank area
// the seal fits in. Amounts, dates and 文号 never break across lines. The
// opinion letter's receipt leaves each party room for its written opinion
// and its seal. Any text renders: a character no embedded font has (an
// emoji, a CJK character outside the Basic Multilingual Plane, invalid
// UTF-8, a control character) is drawn as MissingGlyph; c itself, the
// paper's snapshot, is not changed.
func WritePDF(out io.Writer, c Content) error {
	g := newGlyphs()
	c = g.printable(c)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginLeft, marginTop, marginRight)
	pdf.SetAutoPageBreak(false, marginBottom) // lines are placed on the grid by need
	pdf.SetCellMargin(0)
	pdf.SetTitle(c.Title+" "+c.DocNumber, true)
	pdf.SetSubject(c.Title, true)
	pdf.SetAuthor(c.Issuer, true)
	pdf.SetCreator("finreview", false)
	w := &writer{pdf: pdf, widths: map[widthKey]float64{}, glyphs: g, added: map[string]bool{}}
	pdf.SetFooterFunc(func() {
		// GB/T 9704: 4号半角宋体, 7 mm under the text block; 单页码居右空一字,
		// 双页码居左空一字.
		y := pdf.GetY()
		pdf.SetY(pageH - marginBottom + 7)
		pdf.SetTextColor(0, 0, 0)
		one := sizeSmall * ptToMM
		if n := pdf.PageNo(); n%2 == 1 {
			w.text(styleSmall, marginLeft, textW-one, 7, fmt.Sprintf("— %d —", n), "R")
		} else {
			w.text(styleSmall, marginLeft+one, textW-one, 7, fmt.Sprintf("— %d —", n), "L")
		}
		pdf.SetY(y)
	})
	pdf.AddPage()

	// 版头: issuer in red, 文号, red rule.
	pdf.SetTextColor(200, 16, 16)
	for _, l := range w.wrap(styleIssuer, c.Issuer, textW, textW) {
		w.line(styleIssuer, marginLeft, textW, 14, l, "C")
	}
	pdf.Ln(4)
	pdf.SetTextColor(0, 0, 0)
	for _, l := range w.wrap(styleBody, c.DocNumber, textW, textW) {
		w.line(styleBody, marginLeft, textW, lineBody, l, "C")
	}
	w.need(10)
	y := pdf.GetY() + 2
	pdf.SetDrawColor(200, 16, 16)
	pdf.SetLineWidth(0.6)
	pdf.Line(marginLeft, y, marginLeft+textW, y)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.2)
	pdf.SetY(y + 8)

	// Title.
	for _, l := range w.wrap(styleTitle, c.Title, textW, textW) {
		w.line(styleTitle, marginLeft, textW, 12, l, "C")
	}
	pdf.Ln(6)

	if c.Addressee != "" {
		w.paragraph(styleBody, c.Addressee, 0)
	}
	indent := 2 * pitchBody
	for si, s := range c.Sections {
		if s.Heading != "" {
			w.paragraph(styleHeading, s.Heading, indent)
		}
		for pi, p := range s.Paragraphs {
			if si == len(c.Sections)-1 && pi == len(s.Paragraphs)-1 && len(s.Rows) == 0 {
				// The last lines of the body go with the issuer and date
				// rather than leave them alone on a page (GB/T 9704 7.3.5.4).
				w.paragraphKeep(styleBody, p, indent, signatureHeight)
				continue
			}
			w.paragraph(styleBody, p, indent)
		}
		if len(s.Rows) > 0 {
			pdf.Ln(2)
			w.table(s.Rows)
			pdf.Ln(3)
		}
	}

	w.signature(c.Signer, c.Date)
	if c.Copies != "" {
		// 附注: on the line after the date, two characters in, in brackets.
		w.paragraph(styleBody, "（"+c.Copies+"）", indent)
	}
	if len(c.Receipt) > 0 {
		w.receipt(c.Receipt)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("build pdf: %w", err)
	}
	if err := pdf.Output(out); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// signature draws the issuer and the date at the end (成文日期右空四字,
// the issuer centred over it) under a blank area that, with the two
// lines, is as tall as the seal, which is pressed over both. The block
// stays on one page.
func (w *writer) signature(signer, date string) {
	gap := SealSize - 2*lineBody
	if w.pdf.GetY()+signatureHeight > bottom {
		w.pdf.AddPage()
		w.text(styleBody, marginLeft, textW, lineBody, "（此页无正文）", "L")
	}
	w.pdf.Ln(gap)
	right := marginLeft + textW - 4*pitchBody
	dw := min(w.width(styleBody, date), textW)
	sw := min(w.width(styleBody, signer), textW)
	center := right - dw/2
	if center+sw/2 > marginLeft+textW-2*pitchBody {
		// A long issuer: it ends two characters in, the date under its centre.
		center = max(marginLeft+textW-2*pitchBody-sw/2, marginLeft+sw/2)
	}
	w.text(styleBody, center-sw/2, sw, lineBody, signer, "C")
	w.text(styleBody, center-dw/2, dw, lineBody, date, "C")
}

// receipt draws the opinion letter's receipt: for each party a line ending
// in "意见:" followed by OpinionLines blank lines for its written opinion,
// then its fields (盖章, 签字, 日期) from the fifth character on, leaving the
// rest of the line, and the blank lines above, for the seal. A party's
// block stays on one page. Lines of any other form are paragraphs.
func (w *writer) receipt(lines []string) {
	var blocks [][]string
	for _, l := range lines {
		if strings.HasSuffix(l, "意见：") || len(blocks) == 0 {
			blocks = append(blocks, nil)
		}
		blocks[len(blocks)-1] = append(blocks[len(blocks)-1], l)
	}
	for _, b := range blocks {
		if !strings.HasSuffix(b[0], "意见：") {
			for _, l := range b {
				w.paragraph(styleBody, l, 0)
			}
			continue
		}
		fields := b[1:]
		h := float64(1+OpinionLines+len(fields)) * lineBody
		if w.pdf.GetY()+lineBody+h > bottom && h < bottom-marginTop {
			w.pdf.AddPage()
		} else {
			w.pdf.Ln(lineBody)
		}
		w.paragraph(styleBody, b[0], 0)
		w.pdf.Ln(OpinionLines * lineBody)
		x := marginLeft + 4*pitchBody
		for _, f := range fields {
			for _, l := range w.wrap(styleBody, f, marginLeft+textW-x, marginLeft+textW-x) {
				w.line(styleBody, x, marginLeft+textW-x, lineBody, l, "L")
			}
		}
	}
}

// signatureHeight is the room the issuer and date take with the seal's.
const signatureHeight = SealSize

// paragraph writes text wrapped to the text block, the first line indented.
func (w *writer) paragraph(st style, text string, indent float64) {
	w.paragraphKeep(st, text, indent, 0)
}

// paragraphKeep writes a paragraph whose last two lines share their page
// with the keep millimetres that follow it.
func (w *writer) paragraphKeep(st style, text string, indent, keep float64) {
	lines := w.wrap(st, text, textW-indent, textW)
	tail := max(len(lines)-2, 0)
	for i, l := range lines {
		x := marginLeft
		if i == 0 {
			x += indent
		}
		if keep > 0 && i == tail && w.pdf.GetY()+float64(len(lines)-i)*lineBody+keep > bottom &&
			float64(len(lines)-i)*lineBody+keep <= TextH {
			w.pdf.AddPage()
		}
		w.line(st, x, marginLeft+textW-x, lineBody, l, "L")
	}
}

// table writes two-column rows with borders, wrapping long values.
func (w *writer) table(rows []Row) {
	labelW := 56.0 // 核减追加付费额(元) on one line
	valueW := textW - labelW
	pad := 2.0
	for _, r := range rows {
		ll := w.wrap(styleSmall, r.Label, labelW-2*pad, labelW-2*pad)
		vl := w.wrap(styleSmall, r.Value, valueW-2*pad, valueW-2*pad)
		n := max(len(ll), len(vl), 1)
		// A row taller than a page is cut into pieces of a page each.
		perPage := 29 // rows of 7.6 mm in the 225 mm text block
		for from := 0; from < n; from += perPage {
			to := min(from+perPage, n)
			h := float64(to-from)*lineSmall + 1
			w.need(h)
			y := w.pdf.GetY()
			w.pdf.Rect(marginLeft, y, labelW, h, "D")
			w.pdf.Rect(marginLeft+labelW, y, valueW, h, "D")
			for i := from; i < to && i < len(ll); i++ {
				w.pdf.SetY(y + 0.5 + float64(i-from)*lineSmall)
				w.text(styleSmall, marginLeft+pad, labelW-2*pad, lineSmall, ll[i], "L")
			}
			for i := from; i < to && i < len(vl); i++ {
				w.pdf.SetY(y + 0.5 + float64(i-from)*lineSmall)
				w.text(styleSmall, marginLeft+labelW+pad, valueW-2*pad, lineSmall, vl[i], "L")
			}
			w.pdf.SetXY(marginLeft, y+h)
		}
	}
}

// noLineStart are characters that must not begin a line (避头点), and
// noLineEnd those that must not end one (避尾点).
const (
	noLineStart = "，。、；：？！）》」』”’％〕】,.;:?!)]}%"
	noLineEnd   = "（《「『“‘〔【([{"
)

// unbreakable are the spans wrap keeps on one line: a 文号
// (巴财评〔2026〕15号), a date (2026年3月5日, or the blank "年  月  日" to
// fill in), an amount or a rate (8,650,000.00元, 4.14%).
var unbreakable = regexp.MustCompile(`\p{Han}{0,6}〔[0-9]{4}〕[0-9]+号|(?:[0-9]{2,4} *)?年 *(?:[0-9]{1,2} *)?月 *(?:[0-9]{1,2} *)?日|[0-9][0-9,.]*[0-9%]?元?`)

// joined marks the characters that may not start a line because they
// continue an unbreakable span.
func joined(s string, n int) []bool {
	keep := make([]bool, n)
	for _, m := range unbreakable.FindAllStringIndex(s, -1) {
		from := utf8.RuneCountInString(s[:m[0]])
		to := from + utf8.RuneCountInString(s[m[0]:m[1]])
		for i := from + 1; i < to && i < n; i++ {
			keep[i] = true
		}
	}
	return keep
}

// breakable reports whether a line may break before runes[j].
func breakable(runes []rune, keep []bool, j int) bool {
	r, prev := runes[j], runes[j-1]
	switch {
	case keep[j], r == ' ', strings.ContainsRune(noLineStart, r), attachedMark(r), strings.ContainsRune(noLineEnd, prev):
		return false
	case prev == ' ', isCJK(r), isCJK(prev):
		return true
	}
	return false // inside a Latin word
}

// wrap breaks text into lines no wider than first (the first line) and
// rest (the others): between CJK characters and between Latin words,
// never inside an unbreakable span, never before closing punctuation nor
// after opening punctuation. Only a span longer than a whole line is cut.
func (w *writer) wrap(st style, text string, first, rest float64) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		runes := []rune(para)
		keep := joined(para, len(runes))
		width := first
		if len(lines) > 0 {
			width = rest
		}
		start, cur := 0, 0.0
		for i := 0; i < len(runes); i++ {
			cw := w.runeWidth(st, runes[i])
			if cur+cw > width+0.01 && i > start {
				brk := i
				for j := i; j > start; j-- {
					if breakable(runes, keep, j) {
						brk = j
						break
					}
				}
				lines = append(lines, strings.TrimRight(string(runes[start:brk]), " "))
				start = brk
				for start < i && runes[start] == ' ' {
					start++
				}
				cur = w.width(st, string(runes[start:i+1]))
				width = rest
				continue
			}
			cur += cw
		}
		lines = append(lines, string(runes[start:]))
	}
	return lines
}
