// Package xlsx writes every Excel workbook finreview hands out (exports,
// statements, lists): one writer, so every file has the same amounts,
// rates, codes and frozen header row.
//
// A workbook is written as it is made, straight into its zip file: each
// row goes into its sheet's compressed XML as soon as it is complete (only
// the rows above a frozen header wait for it, since a sheet fixes its panes
// before its first row). A workbook made with To therefore streams to its
// writer — an export of 100,000 rows reaches the response as the rows are
// read and never holds them, in a few hundred KiB of compressor state
// whatever its size — and one made with New is held only as the finished,
// compressed file.
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
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

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
	// The fastest deflate level: exports of 100,000 rows are read once by
	// a person; the default level spent most of an export's CPU looking
	// for longer matches, for a file a fifth smaller.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	b := &Book{zw: zw}
	b.part("_rels/.rels", rootRels)
	b.part("xl/styles.xml", styles)
	return b
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
		escape(&book, name)
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
	started bool // the sheet's head (panes, widths) is written
	line    bytes.Buffer
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
	s.put(append([]cell{str(label, styleBold)}, convert(cells)...))
}

// Row writes one data row. Cells: decimal.Decimal and decimal.NullDecimal
// (money), Exact, Rate, Score, Percent, Text, string, integers, floats,
// bool and nil (an empty cell); anything else is written as its fmt.Sprint
// text.
func (s *Sheet) Row(cells ...any) { s.put(convert(cells)) }

func str(v string, style int) cell { return cell{style: style, kind: 's', v: v} }

func convert(cells []any) []cell {
	out := make([]cell, len(cells))
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
	return out
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
	l := &s.line
	l.Reset()
	l.WriteString(xml.Header + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">`)
	if frozen > 0 {
		top := colName(1) + strconv.Itoa(frozen+1)
		fmt.Fprintf(l, `<sheetViews><sheetView workbookViewId="0"><pane activePane="bottomLeft" state="frozen" topLeftCell="%s" ySplit="%d"/>`+
			`<selection pane="bottomLeft" activeCell="%s" sqref="%s"/></sheetView></sheetViews>`, top, frozen, top, top)
	}
	if len(s.widths) > 0 {
		l.WriteString(`<cols>`)
		for i, w := range s.widths {
			fmt.Fprintf(l, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(w, 'f', -1, 64))
		}
		l.WriteString(`</cols>`)
	}
	l.WriteString(`<sheetData>`)
	s.flushLine()
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
	l := &s.line
	l.Reset()
	r := strconv.Itoa(s.row)
	if len(cells) == 0 {
		l.WriteString(`<row r="` + r + `"/>`)
		s.flushLine()
		return
	}
	l.WriteString(`<row r="` + r + `">`)
	for i, c := range cells {
		if c.kind == 0 {
			continue
		}
		l.WriteString(`<c r="` + colName(i+1) + r + `"`)
		if c.style != styleNone {
			l.WriteString(` s="` + strconv.Itoa(c.style) + `"`)
		}
		switch c.kind {
		case 'n':
			l.WriteString(`><v>` + c.v + `</v></c>`)
		case 'b':
			l.WriteString(` t="b"><v>` + c.v + `</v></c>`)
		case 's':
			v := c.v
			if len(v) > maxCellChars && utf8.RuneCountInString(v) > maxCellChars {
				v = string([]rune(v)[:maxCellChars])
			}
			l.WriteString(` t="inlineStr"><is><t`)
			if v != "" && (isSpace(v[0]) || isSpace(v[len(v)-1])) {
				l.WriteString(` xml:space="preserve"`)
			}
			l.WriteString(`>`)
			escape(l, v)
			l.WriteString(`</t></is></c>`)
		}
	}
	l.WriteString(`</row>`)
	s.flushLine()
}

func (s *Sheet) flushLine() {
	if _, err := s.w.Write(s.line.Bytes()); err != nil && s.b.err == nil {
		s.b.err = fmt.Errorf("excel row %d: %w", s.row, err)
	}
}

func (s *Sheet) finish() {
	if !s.started {
		s.start(0)
	}
	if s.b.err != nil || s.w == nil {
		return
	}
	s.line.Reset()
	s.line.WriteString(`</sheetData></worksheet>`)
	s.flushLine()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// escape writes text escaped for XML, characters XML cannot hold replaced.
func escape(b *bytes.Buffer, text string) { _ = xml.EscapeText(b, []byte(text)) }

// colName is the letters of column n (1: A, 27: AA).
func colName(n int) string {
	var out []byte
	for ; n > 0; n = (n - 1) / 26 {
		out = append([]byte{byte('A' + (n-1)%26)}, out...)
	}
	return string(out)
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
