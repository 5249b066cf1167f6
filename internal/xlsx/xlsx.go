// Package xlsx writes every Excel workbook finreview hands out (exports,
// statements, lists): one writer, so every file has the same amounts,
// rates, codes and frozen header row.
//
// A workbook is written as it is made, straight into its zip file: each
// row's XML is made as soon as the row is complete (only the rows above a
// frozen header wait for it, since a sheet fixes its panes before its first
// row) and goes to the compressor with the next rows, about 32 KiB at a
// time. A workbook made with To therefore streams to its writer — an
// export of 100,000 rows reaches the response as the rows are read and
// never holds them, in under 1 MiB of compressor state and line buffer
// whatever its size — and one made with New is held only as the finished,
// compressed file.
//
// The writer is built for exports of 100,000 rows: a cell's XML is
// appended to the row's buffer without intermediate strings; text is
// escaped exactly as encoding/xml's EscapeText escapes it, but copied as it
// is when it needs nothing; the parts are deflated at the fastest level
// with github.com/klauspost/compress/flate (which the HTTP server links in
// already), with which a workbook takes a quarter less CPU than with
// compress/flate and is a few percent smaller; and compressors are reused
// from part to part and workbook to workbook rather than allocated for
// each.
//
// Money is never rounded through binary floating point. An amount is a
// numeric cell with the "#,##0.00" format whose literal is the decimal's
// value: Excel reads a number into a float64, so the writer converts the
// decimal and checks that the float64, written back in its shortest form,
// equals the decimal exactly, and writes that form. Every amount of up to
// 15 significant digits (below 10^13 yuan with cents) passes; one that does
// not — more digits than an Excel number can hold — is written as text with
// all its digits rather than silently changed.
//
// Errors are sticky: the first one (of the writer underneath, say) stops
// all further writing and is returned by Err, Close, Write and Bytes.
package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/shopspring/decimal"
)

// Number formats of the cells.
const (
	MoneyFormat   = "#,##0.00"
	ExactFormat   = "#,##0.00######"
	RateFormat    = "0.00####"
	PercentFormat = "0.00%"
	ScoreFormat   = "0.00"
)

// Text is a cell written as text with the text format: codes, numbers that
// are not quantities (project codes, credit codes, ids).
type Text string

// Exact is an unrounded amount (a band's fee before rounding): a number
// shown with two to eight decimals.
type Exact decimal.Decimal

// Rate is a plain rate or ratio (0.005, 0.8) shown with its decimals.
type Rate decimal.Decimal

// Score is a figure that is not money (an assessment score), rounded and
// shown with two decimals, without thousands separators.
type Score decimal.Decimal

// Percent is a rate in percent (4.14 for 4.14%), written as the number
// 0.0414 with the "0.00%" format; an invalid one is written as "—".
type Percent decimal.NullDecimal

// PercentOf makes a valid Percent.
func PercentOf(d decimal.Decimal) Percent { return Percent{Decimal: d, Valid: true} }

var hundred = decimal.NewFromInt(100)

// The cell styles, as numbered in styles.xml (cellXfs).
const (
	styleNone = iota
	styleMoney
	styleExact
	styleRate
	stylePercent
	styleScore
	styleText
	styleBold
	styleHead
	styleTitle
)

// flushAt is how much of a sheet's XML gathers before it goes to the
// compressor: a write per row went through the zip writer's checksum and
// the compressor's bookkeeping 100,000 times an export.
const flushAt = 32 << 10

// maxCellChars is the most characters an Excel cell holds.
const maxCellChars = 32767

// Book is one workbook.
type Book struct {
	zw     *zip.Writer
	file   *bytes.Buffer // the finished file of a workbook made by New
	sheets []string      // names, in order
	open   *Sheet
	closed bool
	err    error
}

// New starts an empty workbook held in memory, for Write or Bytes.
func New() *Book {
	var buf bytes.Buffer
	b := To(&buf)
	b.file = &buf
	return b
}

// To starts an empty workbook written to w as it is made; Close finishes
// it.
func To(w io.Writer) *Book {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, compressor)
	b := &Book{zw: zw}
	b.part("_rels/.rels", rootRels)
	b.part("xl/styles.xml", styles)
	return b
}

// compressor compresses one part of a workbook at the fastest deflate
// level: exports of 100,000 rows are read once by a person; the default
// level spent most of an export's CPU looking for longer matches, for a
// file a fifth smaller. A compressor's state is 800 KiB to allocate and
// clear, and a workbook has six parts, so finished compressors are kept
// for the next part (as archive/zip does for its own).
func compressor(out io.Writer) (io.WriteCloser, error) {
	if fw, ok := compressors.Get().(*flate.Writer); ok {
		fw.Reset(out)
		return &pooledWriter{fw}, nil
	}
	fw, err := flate.NewWriter(out, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	return &pooledWriter{fw}, nil
}

var compressors sync.Pool

// pooledWriter is a compressor that goes back to compressors when closed.
type pooledWriter struct{ fw *flate.Writer }

func (w *pooledWriter) Write(p []byte) (int, error) {
	if w.fw == nil {
		return 0, errors.New("excel: write after close")
	}
	return w.fw.Write(p)
}

func (w *pooledWriter) Close() error {
	if w.fw == nil {
		return nil
	}
	err := w.fw.Close()
	w.fw.Reset(io.Discard) // holds the workbook's writer no longer
	compressors.Put(w.fw)
	w.fw = nil
	return err
}

// Err is the first error met so far.
func (b *Book) Err() error { return b.err }

// part writes one whole part of the package.
func (b *Book) part(name, content string) {
	if b.err != nil {
		return
	}
	w, err := b.zw.Create(name)
	if err == nil {
		_, err = io.WriteString(w, content)
	}
	if err != nil {
		b.err = fmt.Errorf("excel %s: %w", name, err)
	}
}

// Sheet starts the next worksheet with the given column widths; the
// previous sheet is finished.
func (b *Book) Sheet(name string, widths ...float64) *Sheet {
	b.finish()
	s := &Sheet{b: b, widths: widths}
	if b.err != nil || b.closed {
		return s
	}
	b.sheets = append(b.sheets, name)
	w, err := b.zw.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", len(b.sheets)))
	if err != nil {
		b.err = fmt.Errorf("excel sheet %s: %w", name, err)
		return s
	}
	s.w = w
	b.open = s
	return s
}

func (b *Book) finish() {
	if b.open != nil {
		b.open.finish()
		b.open = nil
	}
}

// Close finishes the workbook: the open sheet, the workbook's list of
// sheets and the package's index. A workbook needs a sheet: one without
// gets an empty "Sheet1".
func (b *Book) Close() error {
	if b.closed {
		return b.err
	}
	if len(b.sheets) == 0 {
		b.Sheet("Sheet1")
	}
	b.finish()
	b.closed = true
	var book, rels, types bytes.Buffer
	book.WriteString(xml.Header + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><bookViews><workbookView/></bookViews><sheets>`)
	rels.WriteString(xml.Header + `<Relationships xmlns="` + nsPkgRel + `">`)
	types.WriteString(xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	for i, name := range b.sheets {
		n := i + 1
		book.WriteString(`<sheet name="`)
		book.Write(escape(nil, name))
		fmt.Fprintf(&book, `" sheetId="%d" r:id="rId%d"/>`, n, n)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, n, nsRel, n)
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, n)
	}
	book.WriteString(`</sheets></workbook>`)
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/></Relationships>`, len(b.sheets)+1, nsRel)
	types.WriteString(`</Types>`)
	b.part("xl/workbook.xml", book.String())
	b.part("xl/_rels/workbook.xml.rels", rels.String())
	b.part("[Content_Types].xml", types.String())
	if err := b.zw.Close(); err != nil && b.err == nil {
		b.err = fmt.Errorf("excel: %w", err)
	}
	return b.err
}

// Write finishes a workbook made by New and writes it to w.
func (b *Book) Write(w io.Writer) error {
	if b.file == nil {
		return errors.New("write excel: the workbook streams to its own writer")
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("write excel: %w", err)
	}
	if _, err := w.Write(b.file.Bytes()); err != nil {
		return fmt.Errorf("write excel: %w", err)
	}
	return nil
}

// Bytes finishes a workbook made by New and returns it.
func (b *Book) Bytes() ([]byte, error) {
	if b.file == nil {
		return nil, errors.New("excel: the workbook streams to its own writer")
	}
	if err := b.Close(); err != nil {
		return nil, fmt.Errorf("write excel: %w", err)
	}
	return b.file.Bytes(), nil
}

// Sheet writes one worksheet row by row. The first Header row is frozen
// (it and the rows above stay in view while scrolling): rows written
// before it are held back until then, since a sheet fixes its panes before
// its first row.
type Sheet struct {
	b       *Book
	w       io.Writer // the sheet's part of the zip file
	widths  []float64
	row     int
	pending [][]cell
	started bool   // the sheet's head (panes, widths) is written
	line    []byte // XML not yet written to w
	cells   []cell // the row being written, once started
}

// cell is one cell ready to write: a number literal, a string or a
// boolean, or nothing.
type cell struct {
	style int
	kind  byte // 'n' number, 's' string, 'b' boolean, 0 empty
	v     string
}

// Title writes a bold title row.
func (s *Sheet) Title(text string) { s.put([]cell{str(text, styleTitle)}) }

// Header writes a header row; the first one of the sheet is frozen.
func (s *Sheet) Header(cols ...string) {
	cells := make([]cell, len(cols))
	for i, c := range cols {
		cells[i] = str(c, styleHead)
	}
	if s.started {
		s.put(cells)
		return
	}
	s.pending = append(s.pending, cells)
	s.start(len(s.pending)) // this header and the rows above it
}

// Blank writes an empty row.
func (s *Sheet) Blank() { s.put(nil) }

// Label writes a bold label and then value cells (a form-like sheet's
// "label: value" row).
func (s *Sheet) Label(label string, cells ...any) {
	s.put(convert([]cell{str(label, styleBold)}, cells))
}

// Row writes one data row. Cells: decimal.Decimal and decimal.NullDecimal
// (money), Exact, Rate, Score, Percent, Text, string, integers, floats,
// bool and nil (an empty cell); anything else is written as its fmt.Sprint
// text.
func (s *Sheet) Row(cells ...any) {
	if s.started {
		// Written at once: the cells need not outlive the call.
		s.cells = convert(s.cells[:0], cells)
		s.write(s.cells)
		return
	}
	s.put(convert(nil, cells))
}

func str(v string, style int) cell { return cell{style: style, kind: 's', v: v} }

// convert appends cells, converted, to dst.
func convert(dst []cell, cells []any) []cell {
	n := len(dst)
	dst = slices.Grow(dst, len(cells))[:n+len(cells)]
	out := dst[n:]
	clear(out)
	for i, c := range cells {
		switch v := c.(type) {
		case nil:
		case decimal.Decimal:
			out[i] = number(v.StringFixed(2), styleMoney)
		case decimal.NullDecimal:
			if v.Valid {
				out[i] = number(v.Decimal.StringFixed(2), styleMoney)
			}
		case Exact:
			d := decimal.Decimal(v)
			lit := d.String()
			if d.Exponent() > -2 {
				lit = d.StringFixed(2)
			}
			out[i] = number(lit, styleExact)
		case Score:
			out[i] = number(decimal.Decimal(v).StringFixed(2), styleScore)
		case Rate:
			out[i] = number(decimal.Decimal(v).String(), styleRate)
		case Percent:
			if v.Valid {
				out[i] = number(v.Decimal.Div(hundred).String(), stylePercent)
			} else {
				out[i] = str("—", styleNone)
			}
		case Text:
			out[i] = str(string(v), styleText)
		case string:
			out[i] = str(v, styleNone)
		case int:
			out[i] = cell{kind: 'n', v: strconv.Itoa(v)}
		case int32:
			out[i] = cell{kind: 'n', v: strconv.FormatInt(int64(v), 10)}
		case int64:
			out[i] = cell{kind: 'n', v: strconv.FormatInt(v, 10)}
		case uint:
			out[i] = cell{kind: 'n', v: strconv.FormatUint(uint64(v), 10)}
		case uint32:
			out[i] = cell{kind: 'n', v: strconv.FormatUint(uint64(v), 10)}
		case uint64:
			out[i] = cell{kind: 'n', v: strconv.FormatUint(v, 10)}
		case float64:
			out[i] = float(v)
		case float32:
			out[i] = float(float64(v))
		case bool:
			out[i] = cell{kind: 'b', v: "0"}
			if v {
				out[i].v = "1"
			}
		default:
			out[i] = str(fmt.Sprint(v), styleNone)
		}
	}
	return dst
}

func float(f float64) cell {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return str(strconv.FormatFloat(f, 'g', -1, 64), styleNone)
	}
	return cell{kind: 'n', v: strconv.FormatFloat(f, 'f', -1, 64)}
}

// number is a numeric cell whose value is exactly lit, written in its
// shortest float64 form, or lit as text when no float64 is exactly lit
// (see the package comment).
func number(lit string, style int) cell {
	f, err := strconv.ParseFloat(lit, 64)
	if err == nil && !math.IsInf(f, 0) {
		short := strconv.FormatFloat(f, 'f', -1, 64)
		want, err1 := decimal.NewFromString(lit)
		got, err2 := decimal.NewFromString(short)
		if err1 == nil && err2 == nil && want.Equal(got) {
			return cell{style: style, kind: 'n', v: short}
		}
	}
	return str(lit, styleText)
}

func (s *Sheet) put(cells []cell) {
	if !s.started {
		s.pending = append(s.pending, cells)
		return
	}
	s.write(cells)
}

// start writes the sheet's head, with the top frozen rows rows (none when
// 0) and the column widths, then the rows held back.
func (s *Sheet) start(frozen int) {
	s.started = true
	if s.b.err != nil || s.w == nil {
		return
	}
	l := append(s.line[:0], xml.Header+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`">`...)
	if frozen > 0 {
		top := colName(1) + strconv.Itoa(frozen+1)
		l = fmt.Appendf(l, `<sheetViews><sheetView workbookViewId="0"><pane activePane="bottomLeft" state="frozen" topLeftCell="%s" ySplit="%d"/>`+
			`<selection pane="bottomLeft" activeCell="%s" sqref="%s"/></sheetView></sheetViews>`, top, frozen, top, top)
	}
	if len(s.widths) > 0 {
		l = append(l, `<cols>`...)
		for i, w := range s.widths {
			l = fmt.Appendf(l, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(w, 'f', -1, 64))
		}
		l = append(l, `</cols>`...)
	}
	s.line = append(l, `<sheetData>`...)
	for _, c := range s.pending {
		s.write(c)
	}
	s.pending = nil
}

func (s *Sheet) write(cells []cell) {
	if s.b.err != nil || s.w == nil {
		return
	}
	s.row++
	var num [20]byte
	r := strconv.AppendInt(num[:0], int64(s.row), 10)
	l := append(s.line, `<row r="`...)
	l = append(l, r...)
	if len(cells) == 0 {
		s.line = append(l, `"/>`...)
		s.flushFull()
		return
	}
	l = append(l, `">`...)
	for i, c := range cells {
		if c.kind == 0 {
			continue
		}
		l = append(l, `<c r="`...)
		l = appendColName(l, i+1)
		l = append(l, r...)
		l = append(l, '"')
		if c.style != styleNone {
			l = append(l, ` s="`...)
			l = strconv.AppendInt(l, int64(c.style), 10)
			l = append(l, '"')
		}
		switch c.kind {
		case 'n':
			l = append(l, `><v>`...)
			l = append(l, c.v...)
			l = append(l, `</v></c>`...)
		case 'b':
			l = append(l, ` t="b"><v>`...)
			l = append(l, c.v...)
			l = append(l, `</v></c>`...)
		case 's':
			v := c.v
			if len(v) > maxCellChars && utf8.RuneCountInString(v) > maxCellChars {
				v = string([]rune(v)[:maxCellChars])
			}
			l = append(l, ` t="inlineStr"><is><t`...)
			if v != "" && (isSpace(v[0]) || isSpace(v[len(v)-1])) {
				l = append(l, ` xml:space="preserve"`...)
			}
			l = append(l, '>')
			l = escape(l, v)
			l = append(l, `</t></is></c>`...)
		}
	}
	s.line = append(l, `</row>`...)
	s.flushFull()
}

// flushFull writes the XML gathered to the compressor once it is flushAt.
func (s *Sheet) flushFull() {
	if len(s.line) >= flushAt {
		s.flushLine()
	}
}

// flushLine writes the XML gathered to the compressor.
func (s *Sheet) flushLine() {
	if _, err := s.w.Write(s.line); err != nil && s.b.err == nil {
		s.b.err = fmt.Errorf("excel row %d: %w", s.row, err)
	}
	s.line = s.line[:0]
}

func (s *Sheet) finish() {
	if !s.started {
		s.start(0)
	}
	if s.b.err != nil || s.w == nil {
		return
	}
	s.line = append(s.line, `</sheetData></worksheet>`...)
	s.flushLine()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// escape appends text to b escaped for XML, characters XML cannot hold
// replaced, exactly as xml.EscapeText writes it. Text that needs nothing
// (most cells) is appended as it is, and ASCII that needs escaping (the
// quotes of a JSON detail) is replaced as it is met; only text holding
// U+FFFD, U+FFFE, U+FFFF or invalid UTF-8, whose replacement depends on the
// bytes, goes through xml.EscapeText itself.
func escape(b []byte, text string) []byte {
	start, last := len(b), 0
	for i, r := range text {
		if r < utf8.RuneSelf {
			if esc := asciiEscapes[r]; esc != "" {
				b = append(b, text[last:i]...)
				b = append(b, esc...)
				last = i + 1
			}
			continue
		}
		if r >= utf8.RuneError && r <= 0xFFFF {
			w := appender{b[:start]}
			_ = xml.EscapeText(&w, []byte(text))
			return w.b
		}
	}
	return append(b, text[last:]...)
}

// asciiEscapes is what xml.EscapeText writes for each ASCII character it
// does not write as it is: the markup characters, tab and line breaks as
// references, and the other control characters, which XML cannot hold, as
// U+FFFD.
var asciiEscapes = func() (t [utf8.RuneSelf]string) {
	for c := range 0x20 {
		t[c] = "\uFFFD"
	}
	t['"'], t['\''], t['&'], t['<'], t['>'] = "&#34;", "&#39;", "&amp;", "&lt;", "&gt;"
	t['\t'], t['\n'], t['\r'] = "&#x9;", "&#xA;", "&#xD;"
	return t
}()

// appender is an io.Writer that appends to its slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// colName is the letters of column n (1: A, 27: AA).
func colName(n int) string { return string(appendColName(nil, n)) }

// appendColName appends the letters of column n to b.
func appendColName(b []byte, n int) []byte {
	var letters [8]byte // 3 suffice for Excel's 16,384 columns
	i := len(letters)
	for ; n > 0 && i > 0; n = (n - 1) / 26 {
		i--
		letters[i] = byte('A' + (n-1)%26)
	}
	return append(b, letters[i:]...)
}

const (
	nsMain   = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel = "http://schemas.openxmlformats.org/package/2006/relationships"
)

const rootRels = xml.Header + `<Relationships xmlns="` + nsPkgRel + `">` +
	`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`

// styles are the cell styles, numbered as the style constants: the number
// formats, a bold font, a bold 14-point title font and the header's fill.
const styles = xml.Header + `<styleSheet xmlns="` + nsMain + `">` +
	`<numFmts count="5">` +
	`<numFmt numFmtId="164" formatCode="` + MoneyFormat + `"/>` +
	`<numFmt numFmtId="165" formatCode="` + ExactFormat + `"/>` +
	`<numFmt numFmtId="166" formatCode="` + RateFormat + `"/>` +
	`<numFmt numFmtId="167" formatCode="` + PercentFormat + `"/>` +
	`<numFmt numFmtId="168" formatCode="` + ScoreFormat + `"/>` +
	`</numFmts>` +
	`<fonts count="3">` +
	`<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
	`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
	`<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>` +
	`</fonts>` +
	`<fills count="3">` +
	`<fill><patternFill patternType="none"/></fill>` +
	`<fill><patternFill patternType="gray125"/></fill>` +
	`<fill><patternFill patternType="solid"><fgColor rgb="FFEEF1F6"/><bgColor indexed="64"/></patternFill></fill>` +
	`</fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="10">` +
	`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="168" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
	`<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>` +
	`<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
	`</cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`
