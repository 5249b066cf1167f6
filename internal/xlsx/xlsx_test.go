package xlsx_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"finreview/internal/xlsx"
)

func sheetXML(t *testing.T, b []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range z.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			x, _ := io.ReadAll(r)
			return string(x)
		}
	}
	t.Fatal("no sheet1.xml")
	return ""
}

// TestWriterCells: amounts are numbers whose literal is the decimal's own
// digits, rates in percent are numbers with a percent format, codes are
// text, an amount beyond what an Excel number holds keeps its digits as
// text, and the first header row is frozen.
func TestWriterCells(t *testing.T) {
	book := xlsx.New()
	s := book.Sheet("清单", 10, 20)
	s.Title("标题")
	s.Header("金额", "审减率", "编号", "超大金额")
	huge := decimal.RequireFromString("1234567890123456.78")
	s.Row(decimal.RequireFromString("0.10"), xlsx.PercentOf(decimal.RequireFromString("4.14")), xlsx.Text("00123"), huge)
	s.Row(decimal.RequireFromString("12345678901.23"), xlsx.Percent{}, xlsx.Text("X"), decimal.NullDecimal{})
	b, err := book.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	x := sheetXML(t, b)
	for _, want := range []string{`state="frozen" topLeftCell="A3" ySplit="2"`,
		`<c r="A3" s="1"><v>0.1</v></c>`, `<v>0.0414</v>`, `<v>12345678901.23</v>`} {
		if !strings.Contains(x, want) {
			t.Errorf("sheet lacks %s:\n%s", want, x)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{"A3": "0.10", "B3": "4.14%", "C3": "00123", "D3": "1234567890123456.78", "A4": "12,345,678,901.23", "B4": "—"}
	for cell, want := range checks {
		got, err := f.GetCellValue("清单", cell)
		if err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", cell, got, err, want)
		}
	}
	typ, _ := f.GetCellType("清单", "B3")
	if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("审减率 is text, want a number")
	}
}
