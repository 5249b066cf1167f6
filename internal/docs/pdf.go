package docs

import (
	_ "embed" // the CJK font of the papers
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
)

// cjkFont is Droid Sans Fallback (Apache-2.0) and latinFont DejaVu Sans
// (Bitstream Vera licence), see fonts/NOTICE: TrueType fonts the PDF
// library can embed, as subsets with a ToUnicode map, so the text stays
// searchable and extractable. Droid Sans Fallback has no Latin letters or
// digits; those are drawn with DejaVu Sans.
//
//go:embed fonts/DroidSansFallbackFull.ttf
var cjkFont []byte

//go:embed fonts/DejaVuSans.ttf
var latinFont []byte

// Page geometry after GB/T 9704-2012: A4, text block 156 × 225 mm.
const (
	pageW        = 210.0
	pageH        = 297.0
	marginTop    = 37.0
	marginLeft   = 28.0
	marginRight  = 26.0
	marginBottom = 35.0
	textW        = pageW - marginLeft - marginRight
	ptToMM       = 25.4 / 72
	sizeTitle    = 22.0 // 2号
	sizeBody     = 16.0 // 3号
	sizeSmall    = 14.0 // 4号
	sizeIssuer   = 26.0
	lineBody     = 10.2 // 22 lines in 225 mm
	lineSmall    = 7.6
	fontCJK      = "cjk"
	fontLatin    = "latin"
)

// writer draws mixed Chinese and Latin text, switching font per run.
type writer struct {
	pdf    *fpdf.Fpdf
	size   float64
	widths map[[2]float64]float64
	glyphs *glyphs
}

func isCJK(r rune) bool { return r >= 0x2E80 }

func (w *writer) setSize(size float64) { w.size = size }

// runeWidth is the width of r at the current size, in mm.
func (w *writer) runeWidth(r rune) float64 {
	k := [2]float64{float64(r), w.size}
	if v, ok := w.widths[k]; ok {
		return v
	}
	w.pdf.SetFont(w.font(r), "", w.size)
	v := w.pdf.GetStringWidth(string(r))
	w.widths[k] = v
	return v
}

// font is the embedded font r is drawn with.
func (w *writer) font(r rune) string {
	if w.glyphs.cjkFace(r) {
		return fontCJK
	}
	return fontLatin
}

func (w *writer) width(s string) float64 {
	total := 0.0
	for _, r := range s {
		total += w.runeWidth(r)
	}
	return total
}

// text draws s on one line at the current Y within [x, x+boxW], aligned
// L, C or R, then moves down by lineH.
func (w *writer) text(x, boxW, lineH float64, s, align string) {
	tw := w.width(s)
	switch align {
	case "C":
		x += (boxW - tw) / 2
	case "R":
		x += boxW - tw
	}
	y := w.pdf.GetY()
	runes := []rune(s)
	for i := 0; i < len(runes); {
		j := i
		font := w.font(runes[i])
		for j < len(runes) && w.font(runes[j]) == font {
			j++
		}
		run := string(runes[i:j])
		w.pdf.SetFont(font, "", w.size)
		rw := w.width(run)
		w.pdf.SetXY(x, y)
		w.pdf.CellFormat(rw, lineH, run, "", 0, "L", false, 0, "")
		x += rw
		i = j
	}
	w.pdf.SetXY(marginLeft, y+lineH)
}

// WritePDF renders a paper as an A4 PDF in the national format: the
// issuer in red with the 文号 under it and a red rule, the title in 2号,
// the body in 3号, page numbers "— 1 —" (odd pages on the right, even on
// the left, one character in), and the issuer and date at the end with
// room for the seal. Any text renders: a character no embedded font has
// (an emoji, a CJK character outside the Basic Multilingual Plane, invalid
// UTF-8, a control character) is drawn as MissingGlyph; c itself, the
// paper's snapshot, is not changed.
func WritePDF(out io.Writer, c Content) error {
	g := newGlyphs()
	c = g.printable(c)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontCJK, "", cjkFont)
	pdf.AddUTF8FontFromBytes(fontLatin, "", latinFont)
	pdf.SetMargins(marginLeft, marginTop, marginRight)
	pdf.SetAutoPageBreak(true, marginBottom)
	pdf.SetCellMargin(0)
	pdf.SetTitle(c.Title+" "+c.DocNumber, true)
	pdf.SetSubject(c.Title, true)
	pdf.SetAuthor(c.Issuer, true)
	pdf.SetCreator("finreview", false)
	w := &writer{pdf: pdf, widths: map[[2]float64]float64{}, glyphs: g}
	pdf.SetFooterFunc(func() {
		// GB/T 9704: 单页码居右空一字,双页码居左空一字.
		pdf.SetY(pageH - marginBottom + 7)
		pdf.SetTextColor(0, 0, 0)
		w.setSize(sizeSmall)
		one := sizeSmall * ptToMM
		if n := pdf.PageNo(); n%2 == 1 {
			w.text(marginLeft, textW-one, 7, fmt.Sprintf("— %d —", n), "R")
		} else {
			w.text(marginLeft+one, textW-one, 7, fmt.Sprintf("— %d —", n), "L")
		}
	})
	pdf.AddPage()

	// 版头: issuer in red, 文号, red rule.
	pdf.SetTextColor(200, 16, 16)
	w.setSize(sizeIssuer)
	w.text(marginLeft, textW, 14, c.Issuer, "C")
	pdf.Ln(4)
	pdf.SetTextColor(0, 0, 0)
	w.setSize(sizeBody)
	w.text(marginLeft, textW, lineBody, c.DocNumber, "C")
	y := pdf.GetY() + 2
	pdf.SetDrawColor(200, 16, 16)
	pdf.SetLineWidth(0.6)
	pdf.Line(marginLeft, y, marginLeft+textW, y)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.2)
	pdf.SetY(y + 8)

	// Title.
	w.setSize(sizeTitle)
	for _, l := range w.wrap(c.Title, textW, textW) {
		w.text(marginLeft, textW, 12, l, "C")
	}
	pdf.Ln(6)

	if c.Addressee != "" {
		w.paragraph(c.Addressee, 0, sizeBody, lineBody)
	}
	indent := 2 * sizeBody * ptToMM
	for _, s := range c.Sections {
		if s.Heading != "" {
			w.paragraph(s.Heading, indent, sizeBody, lineBody)
		}
		for _, p := range s.Paragraphs {
			w.paragraph(p, indent, sizeBody, lineBody)
		}
		if len(s.Rows) > 0 {
			pdf.Ln(2)
			w.table(s.Rows)
			pdf.Ln(3)
		}
	}
	if len(c.Receipt) > 0 {
		pdf.Ln(4)
		for _, l := range c.Receipt {
			w.paragraph(l, 0, sizeSmall, lineSmall*1.6)
		}
	}

	// Issuer and date, with room for the seal above them.
	if pdf.GetY()+2*lineBody+22 > pageH-marginBottom {
		pdf.AddPage()
		w.setSize(sizeBody)
		w.text(marginLeft, textW, lineBody, "（此页无正文）", "L")
	}
	pdf.Ln(22)
	w.setSize(sizeBody)
	right := 4 * sizeBody * ptToMM
	colW := max(w.width(c.Signer), w.width(c.Date))
	x := marginLeft + textW - right - colW
	w.text(x, colW, lineBody, c.Signer, "C")
	w.text(x, colW, lineBody, c.Date, "C")
	if c.Copies != "" {
		pdf.Ln(4)
		w.paragraph("（"+c.Copies+"）", indent, sizeSmall, lineSmall)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("build pdf: %w", err)
	}
	if err := pdf.Output(out); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// paragraph writes text wrapped to the text block, the first line indented.
func (w *writer) paragraph(text string, indent, size, lineH float64) {
	w.setSize(size)
	for i, l := range w.wrap(text, textW-indent, textW) {
		x := marginLeft
		if i == 0 {
			x += indent
		}
		if w.pdf.GetY()+lineH > pageH-marginBottom {
			w.pdf.AddPage()
			w.setSize(size)
		}
		w.text(x, marginLeft+textW-x, lineH, l, "L")
	}
}

// table writes two-column rows with borders, wrapping long values.
func (w *writer) table(rows []Row) {
	w.setSize(sizeSmall)
	labelW := 52.0
	valueW := textW - labelW
	pad := 2.0
	for _, r := range rows {
		ll := w.wrap(r.Label, labelW-2*pad, labelW-2*pad)
		vl := w.wrap(r.Value, valueW-2*pad, valueW-2*pad)
		n := max(len(ll), len(vl), 1)
		h := float64(n)*lineSmall + 1
		if w.pdf.GetY()+h > pageH-marginBottom {
			w.pdf.AddPage()
			w.setSize(sizeSmall)
		}
		y := w.pdf.GetY()
		w.pdf.Rect(marginLeft, y, labelW, h, "D")
		w.pdf.Rect(marginLeft+labelW, y, valueW, h, "D")
		for i, l := range ll {
			w.pdf.SetY(y + 0.5 + float64(i)*lineSmall)
			w.text(marginLeft+pad, labelW-2*pad, lineSmall, l, "L")
		}
		for i, l := range vl {
			w.pdf.SetY(y + 0.5 + float64(i)*lineSmall)
			w.text(marginLeft+labelW+pad, valueW-2*pad, lineSmall, l, "L")
		}
		w.pdf.SetXY(marginLeft, y+h)
	}
}

// noLineStart are characters that must not begin a line (避头点).
const noLineStart = "，。、；：？！）》」』”’％,.;:?!)]}%"

// wrap breaks text into lines no wider than first (the first line) and
// rest (the others), anywhere between CJK characters, between words for
// Latin text, and never before closing punctuation.
func (w *writer) wrap(text string, first, rest float64) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		runes := []rune(para)
		width := first
		if len(lines) > 0 {
			width = rest
		}
		start, cur := 0, 0.0
		lastSpace := -1
		for i := 0; i < len(runes); i++ {
			r := runes[i]
			cw := w.runeWidth(r)
			if r == ' ' {
				lastSpace = i
			}
			if cur+cw > width && i > start {
				if strings.ContainsRune(noLineStart, r) || attachedMark(r) {
					// Keep closing punctuation on this line, slightly past the edge.
					lines = append(lines, string(runes[start:i+1]))
					start, cur, lastSpace = i+1, 0, -1
					width = rest
					continue
				}
				brk := i
				if !isCJK(r) && lastSpace > start && !isCJK(runes[i-1]) {
					brk = lastSpace + 1 // a Latin word goes whole to the next line
				}
				lines = append(lines, strings.TrimRight(string(runes[start:brk]), " "))
				start = brk
				cur = w.width(string(runes[start : i+1]))
				lastSpace = -1
				width = rest
				continue
			}
			cur += cw
		}
		lines = append(lines, string(runes[start:]))
	}
	return lines
}
