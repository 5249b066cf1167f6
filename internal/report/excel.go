package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// MoneyFormat is the Excel number format of amounts.
const MoneyFormat = "#,##0.00"

// Text is a cell written as text (codes, numbers that are not quantities).
type Text string

// Percent is a rate in percent written as text with two decimals and %.
type Percent string

// Table streams one worksheet row by row (excelize StreamWriter), so an
// export never holds the whole list in memory: decimal cells get the
// "#,##0.00" format, Text cells the text format.
type Table struct {
	f                  *excelize.File
	sw                 *excelize.StreamWriter
	row                int
	money, text, title int
	head               int
}

// NewTable starts the sheet (renaming the default sheet when it is the
// first) with column widths.
func NewTable(f *excelize.File, sheet string, widths []float64) (*Table, error) {
	if f.SheetCount == 1 && f.GetSheetName(0) == "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return nil, fmt.Errorf("rename sheet: %w", err)
		}
	} else if _, err := f.NewSheet(sheet); err != nil {
		return nil, fmt.Errorf("new sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, fmt.Errorf("stream writer: %w", err)
	}
	t := &Table{f: f, sw: sw}
	fmtMoney := MoneyFormat
	if t.money, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtMoney}); err != nil {
		return nil, err
	}
	if t.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
		return nil, err
	}
	if t.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF1F6"}}}); err != nil {
		return nil, err
	}
	if t.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); err != nil {
		return nil, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Title writes a bold title row.
func (t *Table) Title(s string) error {
	return t.put([]any{excelize.Cell{StyleID: t.title, Value: s}})
}

// Header writes a bold header row.
func (t *Table) Header(cols ...string) error {
	cells := make([]any, len(cols))
	for i, c := range cols {
		cells[i] = excelize.Cell{StyleID: t.head, Value: c}
	}
	return t.put(cells)
}

// Blank writes an empty row.
func (t *Table) Blank() error { return t.put(nil) }

// Row writes one data row.
func (t *Table) Row(cells ...any) error {
	out := make([]any, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case decimal.Decimal:
			out[i] = excelize.Cell{StyleID: t.money, Value: amount(v)}
		case decimal.NullDecimal:
			if v.Valid {
				out[i] = excelize.Cell{StyleID: t.money, Value: amount(v.Decimal)}
			} else {
				out[i] = nil
			}
		case Text:
			out[i] = excelize.Cell{StyleID: t.text, Value: string(v)}
		case Percent:
			out[i] = string(v)
		default:
			out[i] = v
		}
	}
	return t.put(out)
}

func (t *Table) put(cells []any) error {
	t.row++
	cell, err := excelize.CoordinatesToCellName(1, t.row)
	if err != nil {
		return err
	}
	if err := t.sw.SetRow(cell, cells); err != nil {
		return fmt.Errorf("write row %d: %w", t.row, err)
	}
	return nil
}

// Flush ends the sheet.
func (t *Table) Flush() error { return t.sw.Flush() }

// amount is the number Excel stores for an amount. An xlsx cell holds a
// binary floating-point number; written with the shortest round-trip
// formatting it reads back as the exact cents for every amount below
// 10^13 yuan (15 significant digits), which DECIMAL(20,2) amounts of real
// projects never reach.
func amount(d decimal.Decimal) float64 {
	f, _ := strconv.ParseFloat(d.StringFixed(2), 64)
	return f
}

// WriteExcel writes the bulletin as one worksheet, section by section.
func (b Bulletin) WriteExcel(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	t, err := NewTable(f, "评审月报", []float64{24, 8, 18, 18, 18, 10, 8, 18, 18, 18, 10, 8, 18, 18, 18, 10})
	if err != nil {
		return err
	}
	steps := []func() error{func() error { return t.Title(b.Title) }}
	head := []string{"项目"}
	for _, p := range b.Periods {
		head = append(head, p.Name+"项数", p.Name+"送审金额(元)", p.Name+"审定金额(元)", p.Name+"审减额(元)", p.Name+"审减率")
	}
	section := func(title string, rows []Row, total bool) {
		steps = append(steps, func() error { return t.Blank() }, func() error { return t.Title(title) },
			func() error { return t.Header(head...) })
		if total {
			rows = append(rows[:len(rows):len(rows)], b.Total)
		}
		for _, r := range rows {
			steps = append(steps, func() error {
				cells := []any{r.Label}
				for _, f := range r.Figures {
					cells = append(cells, f.Count, f.Submitted, f.Audited, f.Reduction(), Percent(f.RateText()))
				}
				return t.Row(cells...)
			})
		}
	}
	section("一、按评审类型", b.ByKind, true)
	section("二、按区划", b.ByJurisdiction, true)
	section("三、按送审规模", b.ByBand, true)
	steps = append(steps, func() error { return t.Blank() }, func() error { return t.Title("四、报送受理") },
		func() error { return t.Header("期间", "报送项数", "送审金额(元)") })
	for i, p := range b.Periods {
		steps = append(steps, func() error { return t.Row(p.Name, b.Received[i].Count, b.Received[i].Submitted) })
	}
	steps = append(steps, func() error { return t.Blank() }, func() error { return t.Title("五、评审费用") },
		func() error {
			return t.Header("期间", "结算单数", "评审费合计(元)", "施工单位承担(元)", "财政承担(元)", "已支付(元)", "未支付(元)")
		})
	for i, p := range b.Periods {
		fe := b.Fees[i]
		steps = append(steps, func() error {
			return t.Row(p.Name, fe.Count, fe.TotalFee, fe.ContractorShare, fe.FinanceShare, fe.Paid, fe.Owed)
		})
	}
	steps = append(steps, func() error { return t.Blank() }, func() error { return t.Title(fmt.Sprintf("六、本月退审(%d 项)", len(b.Returned))) },
		func() error {
			return t.Header("项目编号", "项目名称", "区划", "建设单位", "送审金额(元)", "退审时间", "退审原因")
		})
	for _, r := range b.Returned {
		steps = append(steps, func() error {
			return t.Row(Text(r.ProjectCode), r.ProjectName, r.JurisdictionName, r.UnitName, r.Submitted,
				r.At.Format("2006-01-02 15:04"), r.Reason)
		})
	}
	steps = append(steps, func() error { return t.Blank() }, func() error { return t.Title(fmt.Sprintf("七、本月逾期(%d 项)", b.OverdueTotal)) },
		func() error {
			return t.Header("评审编号", "项目名称", "区划", "中介机构", "期限类型", "到期时间")
		})
	for _, o := range b.Overdue {
		steps = append(steps, func() error {
			return t.Row(Text(strconv.FormatInt(o.ReviewID, 10)), o.ProjectName, o.JurisdictionName, o.FirmName,
				o.KindLabel(), o.DueAt.Format("2006-01-02 15:04"))
		})
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	if err := t.Flush(); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}
