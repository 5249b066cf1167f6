package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
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

// counter counts the bytes written through it.
type counter struct{ n int }

func (c *counter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// TestWriterStreams: a workbook made with To reaches its writer as rows are
// written, before it is finished, and holds none of them: writing 100,000
// rows leaves the heap about where it was.
func TestWriterStreams(t *testing.T) {
	var out counter
	book := xlsx.To(&out)
	s := book.Sheet("评审任务", 6, 36, 18)
	s.Header("序号", "项目名称", "送审金额(元)")
	runtime.GC()
	var before, during runtime.MemStats
	runtime.ReadMemStats(&before)
	amount := decimal.RequireFromString("1234567.89")
	for i := range 100000 {
		s.Row(i+1, "巴彦淖尔市临河区养老服务中心改造工程 第"+strconv.Itoa(i)+"标段", amount.Add(decimal.NewFromInt(int64(i))))
		if i == 50000 {
			runtime.ReadMemStats(&during)
		}
	}
	if out.n < 1<<20 {
		t.Fatalf("%d bytes reached the writer before Close, want the rows as they are written", out.n)
	}
	if err := book.Close(); err != nil {
		t.Fatal(err)
	}
	if grown := int64(during.HeapInuse) - int64(before.HeapInuse); grown > 8<<20 {
		t.Fatalf("heap grew by %d bytes while writing rows", grown)
	}
	if _, err := book.Bytes(); err == nil {
		t.Fatalf("Bytes of a streamed workbook: no error")
	}
}

// TestWriterReadsBack: what the writer writes, a reader reads: text with
// markup characters, spaces and line breaks, numbers, booleans, empty
// cells, several sheets, column widths, a sheet without a header (no
// frozen rows), and a workbook without sheets.
func TestWriterReadsBack(t *testing.T) {
	book := xlsx.New()
	s := book.Sheet("名单", 12, 30)
	s.Header("名称", "说明")
	s.Row("A&B <公司>", "  前后空格  ")
	s.Row("第一行\n第二行", nil, 7, int64(-3), 2.5, true)
	s.Row(xlsx.Text("0012"), xlsx.Rate(decimal.RequireFromString("0.005")), xlsx.Score(decimal.RequireFromString("87.456")),
		xlsx.Exact(decimal.RequireFromString("1234.5678")))
	other := book.Sheet("汇总")
	other.Label("合计", decimal.RequireFromString("-12.30"))
	b, err := book.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "名单" || got[1] != "汇总" {
		t.Fatalf("sheets %v", got)
	}
	checks := map[string]string{"A2": "A&B <公司>", "B2": "  前后空格  ", "A3": "第一行\n第二行", "B3": "", "C3": "7", "D3": "-3",
		"E3": "2.5", "F3": "TRUE", "A4": "0012", "B4": "0.005", "C4": "87.46", "D4": "1,234.5678"}
	for cell, want := range checks {
		if got, err := f.GetCellValue("名单", cell); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", cell, got, err, want)
		}
	}
	if w, err := f.GetColWidth("名单", "B"); err != nil || w != 30 {
		t.Errorf("column B width %v (%v), want 30", w, err)
	}
	if got, err := f.GetCellValue("汇总", "B1"); err != nil || got != "-12.30" {
		t.Errorf("汇总!B1 = %q (%v)", got, err)
	}
	if panes, err := f.GetPanes("汇总"); err != nil || panes.Freeze {
		t.Errorf("a sheet without a header has frozen panes: %+v %v", panes, err)
	}
	empty, err := xlsx.New().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if f, err := excelize.OpenReader(bytes.NewReader(empty)); err != nil || len(f.GetSheetList()) != 1 {
		t.Fatalf("a workbook without sheets: %v", err)
	}
}

// failing fails every write once it has taken n bytes.
type failing struct{ n int }

var errGone = errors.New("the client went away")

func (f *failing) Write(p []byte) (int, error) {
	if len(p) > f.n {
		f.n = 0
		return 0, errGone
	}
	f.n -= len(p)
	return len(p), nil
}

// TestWriterErrorIsSticky: when the writer underneath fails, the error
// shows in Err while rows are still being written (a streamed export stops
// reading its rows), further rows are dropped, and Close returns it.
func TestWriterErrorIsSticky(t *testing.T) {
	book := xlsx.To(&failing{n: 64 << 10})
	s := book.Sheet("审计日志", 8, 20)
	s.Header("编号", "详情")
	rows := 0
	for i := range 100000 {
		s.Row(xlsx.Text(strconv.Itoa(i)), `{"from":"draft","to":"submitted"} 第`+strconv.Itoa(i)+"行")
		rows++
		if book.Err() != nil {
			break
		}
	}
	if !errors.Is(book.Err(), errGone) || rows == 100000 {
		t.Fatalf("after %d rows: %v", rows, book.Err())
	}
	s.Row("after the failure")
	if err := book.Close(); !errors.Is(err, errGone) {
		t.Fatalf("Close: %v", err)
	}
}
