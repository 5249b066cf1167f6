// Package xlsx writes every Excel workbook finreview hands out (exports,
// statements, lists): one writer, so every file has the same amounts,
// rates, codes and frozen header row.
//
// Money is never rounded through binary floating point. An amount is a
// numeric cell whose value literal is the decimal's own digits (with the
// "#,##0.00" format): excelize's StreamWriter takes a float64 and writes it
// back with the shortest round-trip formatting, so the writer converts the
// decimal and checks that the literal written equals the decimal exactly.
// Every amount of up to 15 significant digits (below 10^13 yuan with cents)
// passes; one that does not — more digits than an Excel number can hold —
// is written as text with all its digits rather than silently changed.
//
// A sheet is streamed row by row, so an export never holds its whole list
// in memory. Errors are sticky: the first one stops all further writing
// and is returned by Write or Bytes.
package xlsx

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
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

// Book is one workbook.
type Book struct {
	f                                        *excelize.File
	money, exact, rate, percent, score, text int
	bold                                     int
	head, title                              int
	open                                     *Sheet
	sheets                                   int
	err                                      error
}

// New starts an empty workbook.
func New() *Book {
	b := &Book{f: excelize.NewFile()}
	styles := []struct {
		dst   *int
		style excelize.Style
	}{
		{&b.money, excelize.Style{CustomNumFmt: ptr(MoneyFormat)}},
		{&b.exact, excelize.Style{CustomNumFmt: ptr(ExactFormat)}},
		{&b.rate, excelize.Style{CustomNumFmt: ptr(RateFormat)}},
		{&b.percent, excelize.Style{CustomNumFmt: ptr(PercentFormat)}},
		{&b.score, excelize.Style{CustomNumFmt: ptr(ScoreFormat)}},
		{&b.text, excelize.Style{NumFmt: 49}}, // "@": text
		{&b.bold, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&b.head, excelize.Style{Font: &excelize.Font{Bold: true},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF1F6"}}}},
		{&b.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
	}
	for _, s := range styles {
		id, err := b.f.NewStyle(&s.style)
		if err != nil {
			b.err = fmt.Errorf("excel style: %w", err)
			return b
		}
		*s.dst = id
	}
	return b
}

func ptr(s string) *string { return &s }

// Sheet starts the next worksheet with the given column widths; the
// previous sheet is finished.
func (b *Book) Sheet(name string, widths ...float64) *Sheet {
	s := &Sheet{b: b}
	b.finish()
	if b.err != nil {
		return s
	}
	if b.sheets == 0 {
		b.err = b.f.SetSheetName("Sheet1", name)
	} else {
		_, b.err = b.f.NewSheet(name)
	}
	b.sheets++
	if b.err != nil {
		return s
	}
	if s.sw, b.err = b.f.NewStreamWriter(name); b.err != nil {
		return s
	}
	for i, w := range widths {
		if b.err == nil {
			b.err = s.sw.SetColWidth(i+1, i+1, w)
		}
	}
	b.open = s
	return s
}

func (b *Book) finish() {
	if b.open != nil {
		b.open.flush()
		b.open = nil
	}
}

// Write finishes the workbook and writes it to w.
func (b *Book) Write(w io.Writer) error {
	defer b.f.Close()
	b.finish()
	if b.err != nil {
		return fmt.Errorf("write excel: %w", b.err)
	}
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("write excel: %w", err)
	}
	return nil
}

// Bytes finishes the workbook and returns it.
func (b *Book) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Sheet streams one worksheet row by row. The first Header row is frozen
// (it and the rows above stay in view while scrolling): rows written
// before it are held back until then, since a stream fixes its panes before
// its first row.
type Sheet struct {
	b       *Book
	sw      *excelize.StreamWriter
	row     int
	pending [][]any
	frozen  bool
}

// Title writes a bold title row.
func (s *Sheet) Title(text string) {
	s.put([]any{excelize.Cell{StyleID: s.b.title, Value: text}})
}

// Header writes a header row; the first one of the sheet is frozen.
func (s *Sheet) Header(cols ...string) {
	cells := make([]any, len(cols))
	for i, c := range cols {
		cells[i] = excelize.Cell{StyleID: s.b.head, Value: c}
	}
	if !s.frozen && s.b.err == nil && s.sw != nil {
		s.frozen = true
		n := len(s.pending) + 1 // rows up to and including this header
		top, _ := excelize.CoordinatesToCellName(1, n+1)
		s.b.err = s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: n, TopLeftCell: top, ActivePane: "bottomLeft"})
		s.pending = append(s.pending, cells)
		s.release()
		return
	}
	s.put(cells)
}

// Blank writes an empty row.
func (s *Sheet) Blank() { s.put(nil) }

// Label writes a bold label and then value cells (a form-like sheet's
// "label: value" row).
func (s *Sheet) Label(label string, cells ...any) {
	out := []any{excelize.Cell{StyleID: s.b.bold, Value: label}}
	s.put(append(out, s.b.cells(cells)...))
}

// Row writes one data row. Cells: decimal.Decimal and decimal.NullDecimal
// (money), Exact, Rate, Score, Percent, Text, string, int and nil.
func (s *Sheet) Row(cells ...any) { s.put(s.b.cells(cells)) }

func (b *Book) cells(cells []any) []any {
	out := make([]any, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case decimal.Decimal:
			out[i] = b.number(v.StringFixed(2), b.money)
		case decimal.NullDecimal:
			if v.Valid {
				out[i] = b.number(v.Decimal.StringFixed(2), b.money)
			}
		case Exact:
			d := decimal.Decimal(v)
			s := d.String()
			if d.Exponent() > -2 {
				s = d.StringFixed(2)
			}
			out[i] = b.number(s, b.exact)
		case Score:
			out[i] = b.number(decimal.Decimal(v).StringFixed(2), b.score)
		case Rate:
			out[i] = b.number(decimal.Decimal(v).String(), b.rate)
		case Percent:
			if v.Valid {
				out[i] = b.number(v.Decimal.Div(hundred).String(), b.percent)
			} else {
				out[i] = "—"
			}
		case Text:
			out[i] = excelize.Cell{StyleID: b.text, Value: string(v)}
		default:
			out[i] = v
		}
	}
	return out
}

// number is a numeric cell whose literal is exactly lit, or lit as text
// when no float64 writes back as exactly lit (see the package comment).
func (b *Book) number(lit string, style int) excelize.Cell {
	f, err := strconv.ParseFloat(lit, 64)
	if err == nil {
		want, err1 := decimal.NewFromString(lit)
		got, err2 := decimal.NewFromString(strconv.FormatFloat(f, 'f', -1, 64))
		if err1 == nil && err2 == nil && want.Equal(got) {
			return excelize.Cell{StyleID: style, Value: f}
		}
	}
	return excelize.Cell{StyleID: b.text, Value: lit}
}

func (s *Sheet) put(cells []any) {
	if !s.frozen {
		s.pending = append(s.pending, cells)
		return
	}
	s.write(cells)
}

func (s *Sheet) release() {
	for _, c := range s.pending {
		s.write(c)
	}
	s.pending = nil
}

func (s *Sheet) write(cells []any) {
	if s.b.err != nil || s.sw == nil {
		return
	}
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err == nil {
		err = s.sw.SetRow(cell, cells)
	}
	if err != nil {
		s.b.err = fmt.Errorf("row %d: %w", s.row, err)
	}
}

func (s *Sheet) flush() {
	s.frozen = true
	s.release()
	if s.b.err == nil && s.sw != nil {
		s.b.err = s.sw.Flush()
	}
}
