package billing

import (
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"

	"finreview/internal/fee"
	"finreview/internal/store"
	"finreview/internal/xlsx"
)

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
// schedule, band lines, figures and expert costs, as label and value rows
// under a frozen "项目 / 内容" header. Amounts are numbers with the
// "#,##0.00" format; codes are text.
func StatementExcel(st Statement, r store.Review) ([]byte, error) {
	book := xlsx.New()
	s := book.Sheet("费用结算单", 22, 20, 20, 14, 20, 22)
	s.Title("财政投资评审费用结算单")
	s.Header("项目", "内容")
	s.Label("项目编号", xlsx.Text(r.ProjectCode))
	s.Label("项目名称", r.ProjectName)
	s.Label("建设单位", r.UnitName)
	s.Label("区划", r.JurisdictionName)
	s.Label("中介机构", r.FirmName)
	s.Label("评审编号", xlsx.Text(strconv.FormatInt(r.ID, 10)))
	s.Label("评审类型", st.Input.Kind.Label())
	s.Label("评审结果", st.Input.Outcome.Label())
	sc := st.Schedule.Fee
	s.Label("费率表", sc.Name)
	s.Label("费率表版本", st.Schedule.Version)
	s.Label("生效日期", sc.EffectiveFrom)
	if st.Schedule.Example {
		s.Label("说明", "示例费率表,不是正式费率表(正式费率须按内财建〔2010〕544号核定后录入)")
	}
	s.Label("折扣", xlsx.Rate(sc.Discount))
	s.Label("核减追加付费率", xlsx.Rate(sc.ReductionRate))
	s.Label(LabelSubmitted, st.Stored.SubmittedAmount)
	s.Label(LabelAudited, st.Stored.AuditedAmount)
	s.Label("核减额 D = S − A(元)", st.Result.Reduction)
	s.Blank()
	if len(st.Result.Lines) > 0 {
		s.Label("段", "下限(元)", "上限(元)", "费率", "分段金额(元)", "分段费额(元,未折扣)")
		for i, l := range st.Result.Lines {
			var upTo any = "不设上限"
			if l.UpTo != nil {
				upTo = *l.UpTo
			}
			s.Row(i+1, l.From, upTo, xlsx.Rate(l.Rate), l.Segment, xlsx.Exact(l.Amount))
		}
		s.Row(nil, nil, nil, nil, "分段合计", xlsx.Exact(st.BandSum()))
	} else {
		note := "退审不计费,各项金额均为 0.00。"
		if st.Input.Kind == fee.Tracking && st.Input.Outcome != fee.Returned {
			note = "跟踪评审的费用随结算评审一并支付,本次各项金额均为 0.00。"
		}
		s.Row(note)
	}
	s.Blank()
	for _, f := range st.Figures() {
		s.Label(f.Label, f.Amount)
	}
	if len(st.ExpertCosts) > 0 {
		s.Blank()
		s.Label("专家复审费用(过错方承担)")
		for _, c := range st.ExpertCosts {
			s.Row("过错方:"+FaultPartyLabel(c.FaultParty), c.Cost)
		}
	}
	s.Blank()
	s.Label("计算时间", st.Stored.ComputedAt.In(shanghai).Format("2006-01-02 15:04"))
	return book.Bytes()
}

// DeductionsExcel writes the contractor deduction list as an .xlsx
// workbook: one row per review under each contractor, a subtotal per
// contractor (with what is paid and still owed) and a grand total counting
// each review once.
func DeductionsExcel(d Deductions) ([]byte, error) {
	book := xlsx.New()
	s := book.Sheet("施工单位扣减清单", 6, 30, 22, 16, 36, 12, 14, 18, 18, 18, 40)
	s.Title("施工单位承担评审费扣减清单")
	s.Blank()
	s.Header("序号", "施工单位", "统一社会信用代码", "项目编号", "项目名称", "区划", "评审类型",
		"审定金额(元)", "评审费合计(元)", "施工单位承担(元)", "备注")
	n := 0
	for _, g := range d.Groups {
		for _, r := range g.Rows {
			n++
			s.Row(n, g.ContractorName, xlsx.Text(g.CreditCode), xlsx.Text(r.ProjectCode), r.ProjectName, r.JurisdictionName,
				kindLabel(r.Kind), r.AuditedAmount, r.TotalFee, r.ContractorShare, DeductionNote(r))
		}
		s.Row(nil, g.ContractorName+" 小计", nil, nil, nil, nil, nil, nil, nil, g.Total,
			"其中已支付 "+fee.FormatAmount(g.Paid)+" 元,未支付 "+fee.FormatAmount(g.Owed)+" 元")
	}
	s.Row(nil, "合计(同一评审只计一次)", nil, nil, nil, nil, nil, nil, nil, d.Total)
	return book.Bytes()
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
