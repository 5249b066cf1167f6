package billing

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"finreview/internal/fee"
	"finreview/internal/store"
)

// Excel number formats: money with two decimals, exact band amounts with
// up to eight.
const (
	moneyFormat = "#,##0.00"
	exactFormat = "#,##0.00######"
	rateFormat  = "0.00####"
)

// sheet writes cells of one worksheet, keeping the first error.
type sheet struct {
	f                         *excelize.File
	name                      string
	money, exact, rate, title int
	head, text                int
	err                       error
}

func newSheet(name string) (*sheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	sh := &sheet{f: f, name: name}
	styles := []struct {
		dst   *int
		style excelize.Style
	}{
		{&sh.money, excelize.Style{CustomNumFmt: strPtr(moneyFormat)}},
		{&sh.exact, excelize.Style{CustomNumFmt: strPtr(exactFormat)}},
		{&sh.rate, excelize.Style{CustomNumFmt: strPtr(rateFormat)}},
		{&sh.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}}},
		{&sh.head, excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}}},
		{&sh.text, excelize.Style{NumFmt: 49}}, // "@": text
	}
	for _, s := range styles {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return nil, fmt.Errorf("excel style: %w", err)
		}
		*s.dst = id
	}
	return sh, nil
}

func strPtr(s string) *string { return &s }

func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// str writes text (codes stay text, never numbers).
func (s *sheet) str(col, row int, v string) {
	if s.err == nil {
		s.err = s.f.SetCellStr(s.name, cell(col, row), v)
	}
}

// code writes an identifier as text with the text format, so Excel never
// turns it into a number.
func (s *sheet) code(col, row int, v string) {
	s.str(col, row, v)
	s.style(col, row, s.text)
}

// num writes a decimal as an exact number literal (no float conversion).
func (s *sheet) num(col, row int, d decimal.Decimal, style int) {
	if s.err == nil {
		v := d.String()
		if style == s.money {
			v = d.StringFixed(2)
		}
		s.err = s.f.SetCellDefault(s.name, cell(col, row), v)
	}
	s.style(col, row, style)
}

func (s *sheet) money2(col, row int, d decimal.Decimal) { s.num(col, row, d, s.money) }

func (s *sheet) integer(col, row, v int) {
	if s.err == nil {
		s.err = s.f.SetCellInt(s.name, cell(col, row), int64(v))
	}
}

func (s *sheet) style(col, row, style int) {
	if s.err == nil {
		s.err = s.f.SetCellStyle(s.name, cell(col, row), cell(col, row), style)
	}
}

func (s *sheet) widths(ws ...float64) {
	for i, w := range ws {
		if s.err == nil {
			col, _ := excelize.ColumnNumberToName(i + 1)
			s.err = s.f.SetColWidth(s.name, col, col, w)
		}
	}
}

func (s *sheet) bytes() ([]byte, error) {
	if s.err != nil {
		return nil, fmt.Errorf("write excel: %w", s.err)
	}
	var buf bytes.Buffer
	if err := s.f.Write(&buf); err != nil {
		return nil, fmt.Errorf("write excel: %w", err)
	}
	_ = s.f.Close()
	return buf.Bytes(), nil
}

// Labels of the statement's figures, in the order printed; the Excel sheet
// writes each label in column A and its amount in column B.
const (
	LabelBasicFee        = "基本付费额(元)"
	LabelReductionFee    = "核减追加付费额(元)"
	LabelTotalFee        = "评审费合计(元)"
	LabelContractorShare = "施工单位承担(元)"
	LabelFinanceShare    = "财政承担(元)"
	LabelPayableNow      = "本次支付(元)"
	LabelPayableLater    = "后续支付(元)"
	LabelSubmitted       = "送审金额(元)"
	LabelAudited         = "审定金额(元)"
)

// Figures lists the statement's stored figures with their labels.
func (st Statement) Figures() []Figure {
	s := st.Stored
	return []Figure{
		{LabelBasicFee, s.BasicFee}, {LabelReductionFee, s.ReductionFee}, {LabelTotalFee, s.TotalFee},
		{LabelContractorShare, s.ContractorShare}, {LabelFinanceShare, s.FinanceShare},
		{LabelPayableNow, s.PayableNow}, {LabelPayableLater, s.PayableLater},
	}
}

// Figure is one labelled amount of a statement.
type Figure struct {
	Label  string
	Amount decimal.Decimal
}

// FaultPartyLabel is the Chinese name of a party at fault.
func FaultPartyLabel(p string) string {
	switch p {
	case "unit", "construction_unit":
		return "建设单位"
	case "contractor":
		return "施工单位"
	case "firm", "intermediary":
		return "中介机构"
	case "":
		return "未认定"
	}
	return p
}

// StatementExcel writes a statement as an .xlsx workbook: header, inputs,
// schedule, band lines, figures and expert costs. Amounts are numbers with
// the "#,##0.00" format; codes are text.
func StatementExcel(st Statement, r store.Review) ([]byte, error) {
	s, err := newSheet("费用结算单")
	if err != nil {
		return nil, err
	}
	s.widths(22, 20, 20, 14, 20, 22)
	row := 1
	s.str(1, row, "财政投资评审费用结算单")
	s.style(1, row, s.title)
	row += 2
	kv := func(label, value string) {
		s.str(1, row, label)
		s.str(2, row, value)
		row++
	}
	s.str(1, row, "项目编号")
	s.code(2, row, r.ProjectCode)
	row++
	kv("项目名称", r.ProjectName)
	kv("建设单位", r.UnitName)
	kv("区划", r.JurisdictionName)
	kv("中介机构", r.FirmName)
	s.str(1, row, "评审编号")
	s.code(2, row, strconv.FormatInt(r.ID, 10))
	row++
	kv("评审类型", st.Input.Kind.Label())
	kv("评审结果", st.Input.Outcome.Label())
	sc := st.Schedule.Fee
	kv("费率表", sc.Name)
	s.str(1, row, "费率表版本")
	s.integer(2, row, st.Schedule.Version)
	row++
	kv("生效日期", sc.EffectiveFrom)
	if st.Schedule.Example {
		kv("说明", "示例费率表,不是正式费率表(正式费率须按内财建〔2010〕544号核定后录入)")
	}
	s.str(1, row, "折扣")
	s.num(2, row, sc.Discount, s.rate)
	row++
	s.str(1, row, "核减追加付费率")
	s.num(2, row, sc.ReductionRate, s.rate)
	row++
	s.str(1, row, LabelSubmitted)
	s.money2(2, row, st.Stored.SubmittedAmount)
	row++
	s.str(1, row, LabelAudited)
	s.money2(2, row, st.Stored.AuditedAmount)
	row++
	s.str(1, row, "核减额 D = S − A(元)")
	s.money2(2, row, st.Result.Reduction)
	row += 2

	if len(st.Result.Lines) > 0 {
		for i, h := range []string{"段", "下限(元)", "上限(元)", "费率", "分段金额(元)", "分段费额(元,未折扣)"} {
			s.str(i+1, row, h)
			s.style(i+1, row, s.head)
		}
		row++
		for i, l := range st.Result.Lines {
			s.integer(1, row, i+1)
			s.money2(2, row, l.From)
			if l.UpTo != nil {
				s.money2(3, row, *l.UpTo)
			} else {
				s.str(3, row, "不设上限")
			}
			s.num(4, row, l.Rate, s.rate)
			s.money2(5, row, l.Segment)
			s.num(6, row, l.Amount, s.exact)
			row++
		}
		s.str(5, row, "分段合计")
		s.num(6, row, st.BandSum(), s.exact)
		row += 2
	} else {
		note := "退审不计费,各项金额均为 0.00。"
		if st.Input.Kind == fee.Tracking && st.Input.Outcome != fee.Returned {
			note = "跟踪评审的费用随结算评审一并支付,本次各项金额均为 0.00。"
		}
		s.str(1, row, note)
		row += 2
	}

	for _, f := range st.Figures() {
		s.str(1, row, f.Label)
		s.money2(2, row, f.Amount)
		row++
	}
	if len(st.ExpertCosts) > 0 {
		row++
		s.str(1, row, "专家复审费用(过错方承担)")
		s.style(1, row, s.head)
		row++
		for _, c := range st.ExpertCosts {
			s.str(1, row, "过错方:"+FaultPartyLabel(c.FaultParty))
			s.money2(2, row, c.Cost)
			row++
		}
	}
	row++
	s.str(1, row, "计算时间")
	s.str(2, row, st.Stored.ComputedAt.In(shanghai).Format("2006-01-02 15:04"))
	return s.bytes()
}

// DeductionsExcel writes the contractor deduction list as an .xlsx
// workbook: one row per review under each contractor, a subtotal per
// contractor and a grand total counting each review once.
func DeductionsExcel(d Deductions) ([]byte, error) {
	s, err := newSheet("施工单位扣减清单")
	if err != nil {
		return nil, err
	}
	s.widths(6, 30, 22, 16, 36, 12, 14, 18, 18, 18, 40)
	s.str(1, 1, "施工单位承担评审费扣减清单")
	s.style(1, 1, s.title)
	heads := []string{"序号", "施工单位", "统一社会信用代码", "项目编号", "项目名称", "区划", "评审类型",
		"审定金额(元)", "评审费合计(元)", "施工单位承担(元)", "备注"}
	row := 3
	for i, h := range heads {
		s.str(i+1, row, h)
		s.style(i+1, row, s.head)
	}
	row++
	n := 0
	for _, g := range d.Groups {
		for _, r := range g.Rows {
			n++
			s.integer(1, row, n)
			s.str(2, row, g.ContractorName)
			s.code(3, row, g.CreditCode)
			s.code(4, row, r.ProjectCode)
			s.str(5, row, r.ProjectName)
			s.str(6, row, r.JurisdictionName)
			s.str(7, row, kindLabel(r.Kind))
			s.money2(8, row, r.AuditedAmount)
			s.money2(9, row, r.TotalFee)
			s.money2(10, row, r.ContractorShare)
			s.str(11, row, DeductionNote(r))
			row++
		}
		s.str(2, row, g.ContractorName+" 小计")
		s.money2(10, row, g.Total)
		row++
	}
	s.str(2, row, "合计(同一评审只计一次)")
	s.money2(10, row, d.Total)
	return s.bytes()
}

// DeductionNote explains a share listed under several contractors.
func DeductionNote(r store.ContractorDeduction) string {
	if r.Contractors > 1 {
		return fmt.Sprintf("本项目共 %d 家施工单位,本行为该评审的全部承担额,在各施工单位下均列示,由结算部门按合同划分", r.Contractors)
	}
	return ""
}

func kindLabel(k string) string {
	if kind, err := fee.ParseKind(k); err == nil {
		return kind.Label()
	}
	return k
}
