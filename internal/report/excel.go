package report

import (
	"fmt"
	"io"
	"strconv"

	"finreview/internal/xlsx"
)

// Percent is the 审减率 as an Excel percentage ("—" when nothing was
// submitted).
func (f Figures) Percent() xlsx.Percent {
	if f.Submitted.IsZero() {
		return xlsx.Percent{}
	}
	return xlsx.PercentOf(f.Rate())
}

// WriteExcel writes the bulletin as one worksheet, section by section.
func (b Bulletin) WriteExcel(w io.Writer) error {
	book := xlsx.New()
	t := book.Sheet("评审月报", 24, 8, 18, 18, 18, 10, 8, 18, 18, 18, 10, 8, 18, 18, 18, 10)
	t.Title(b.Title)
	head := []string{"项目"}
	for _, p := range b.Periods {
		head = append(head, p.Name+"项数", p.Name+"送审金额(元)", p.Name+"审定金额(元)", p.Name+"审减额(元)", p.Name+"审减率")
	}
	section := func(title string, rows []Row, total bool) {
		t.Blank()
		t.Title(title)
		t.Header(head...)
		if total {
			rows = append(rows[:len(rows):len(rows)], b.Total)
		}
		for _, r := range rows {
			cells := []any{r.Label}
			for _, f := range r.Figures {
				cells = append(cells, f.Count, f.Submitted, f.Audited, f.Reduction(), f.Percent())
			}
			t.Row(cells...)
		}
	}
	section("一、按评审类型", b.ByKind, true)
	section("二、按区划", b.ByJurisdiction, true)
	section("三、按送审规模", b.ByBand, true)
	t.Blank()
	t.Title("四、报送受理")
	t.Header("期间", "报送项数", "送审金额(元)")
	for i, p := range b.Periods {
		t.Row(p.Name, b.Received[i].Count, b.Received[i].Submitted)
	}
	t.Blank()
	t.Title("五、评审费用")
	t.Header("期间", "结算单数", "评审费合计(元)", "施工单位承担(元)", "财政承担(元)", "已支付(元)", "未支付(元)")
	for i, p := range b.Periods {
		fe := b.Fees[i]
		t.Row(p.Name, fe.Count, fe.TotalFee, fe.ContractorShare, fe.FinanceShare, fe.Paid, fe.Owed)
	}
	t.Blank()
	t.Title(fmt.Sprintf("六、本月退审(%d 项)", len(b.Returned)))
	t.Header("项目编号", "项目名称", "区划", "建设单位", "送审金额(元)", "退审时间", "退审原因")
	for _, r := range b.Returned {
		t.Row(xlsx.Text(r.ProjectCode), r.ProjectName, r.JurisdictionName, r.UnitName, r.Submitted,
			r.At.Format("2006-01-02 15:04"), r.Reason)
	}
	t.Blank()
	t.Title(fmt.Sprintf("七、本月逾期(%d 项)", b.OverdueTotal))
	t.Header("评审编号", "项目名称", "区划", "中介机构", "期限类型", "到期时间")
	for _, o := range b.Overdue {
		t.Row(xlsx.Text(strconv.FormatInt(o.ReviewID, 10)), o.ProjectName, o.JurisdictionName, o.FirmName,
			o.KindLabel(), o.DueAt.Format("2006-01-02 15:04"))
	}
	return book.Write(w)
}
