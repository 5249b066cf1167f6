package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"finreview/internal/store"
	"finreview/workflow"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestReductionRate(t *testing.T) {
	tests := []struct {
		name               string
		submitted, audited string
		want               string
		text               string
	}{
		{"plain reduction", "1000000.00", "876543.21", "12.35", "12.35%"},
		{"half rounds away from zero", "200.00", "199.99", "0.01", "0.01%"},
		{"tiny reduction rounds to zero", "80000.00", "79999.60", "0.00", "0.00%"},
		{"increase is negative", "1000.00", "1123.45", "-12.35", "-12.35%"},
		{"nothing submitted", "0", "0", "0", "—"},
		{"no reduction", "5000000.00", "5000000.00", "0", "0.00%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReductionRate(d(tt.submitted), d(tt.audited))
			if !got.Equal(d(tt.want)) {
				t.Fatalf("rate = %s, want %s", got, tt.want)
			}
			if txt := RateText(d(tt.submitted), d(tt.audited)); txt != tt.text {
				t.Fatalf("text = %q, want %q", txt, tt.text)
			}
		})
	}
}

func TestBandOf(t *testing.T) {
	tests := []struct {
		amount string
		want   int
	}{
		{"0.00", 0}, {"999999.99", 0}, {"1000000.00", 1}, {"4999999.99", 1},
		{"5000000.00", 2}, {"9999999.99", 2}, {"10000000.00", 3}, {"123456789.00", 3},
	}
	for _, tt := range tests {
		t.Run("amount "+tt.amount, func(t *testing.T) {
			if got := BandOf(d(tt.amount)).Index; got != tt.want {
				t.Fatalf("band = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	m, err := ParseMonth("2026-11", time.Now(), loc)
	if err != nil {
		t.Fatal(err)
	}
	p := Periods(m)
	want := [3][2]string{{"2026-11-01", "2026-12-01"}, {"2026-01-01", "2026-12-01"}, {"2025-01-01", "2025-12-01"}}
	for i, w := range want {
		if got := [2]string{p[i].From.Format("2006-01-02"), p[i].To.Format("2006-01-02")}; got != w {
			t.Errorf("period %d = %v, want %v", i, got, w)
		}
	}
	if p[0].Span() != "2026-11-01 至 2026-11-30" {
		t.Errorf("span = %q", p[0].Span())
	}
	for _, bad := range []string{"2026-13", "26-11", "2026/11", "abc"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			if _, err := ParseMonth(bad, time.Now(), loc); err == nil {
				t.Fatalf("ParseMonth(%q) accepted", bad)
			}
		})
	}
}

// bulletinInput is hand-made data whose sums were computed by hand.
func bulletinInput() Input {
	loc := time.FixedZone("CST", 8*3600)
	return Input{
		Month: time.Date(2026, 11, 1, 0, 0, 0, 0, loc),
		Jurisdictions: []store.Jurisdiction{
			{ID: 1, Code: "city", Name: "市本级"}, {ID: 2, Code: "linhe", Name: "临河区"}, {ID: 3, Code: "wuyuan", Name: "五原县"},
		},
		Concluded: [3][]store.ConcludedRow{
			{ // this month
				{Kind: "settlement", JurisdictionID: 2, JurisdictionName: "临河区", Band: 3, Count: 1, Submitted: d("12345678.90"), Audited: d("11000000.00")},
				{Kind: "settlement", JurisdictionID: 2, JurisdictionName: "临河区", Band: 0, Count: 2, Submitted: d("850000.55"), Audited: d("801234.56")},
				{Kind: "budget", JurisdictionID: 3, JurisdictionName: "五原县", Band: 1, Count: 1, Submitted: d("3200000.00"), Audited: d("3050000.01")},
			},
			{ // year to date: the month plus earlier ones
				{Kind: "settlement", JurisdictionID: 2, JurisdictionName: "临河区", Band: 3, Count: 1, Submitted: d("12345678.90"), Audited: d("11000000.00")},
				{Kind: "settlement", JurisdictionID: 2, JurisdictionName: "临河区", Band: 0, Count: 3, Submitted: d("1000000.54"), Audited: d("950000.00")},
				{Kind: "budget", JurisdictionID: 3, JurisdictionName: "五原县", Band: 1, Count: 1, Submitted: d("3200000.00"), Audited: d("3050000.01")},
				{Kind: "estimate", JurisdictionID: 1, JurisdictionName: "市本级", Band: 2, Count: 1, Submitted: d("6000000.00"), Audited: d("6100000.00")},
			},
			{ // same period last year
				{Kind: "settlement", JurisdictionID: 2, JurisdictionName: "临河区", Band: 1, Count: 2, Submitted: d("4000000.00"), Audited: d("3600000.00")},
			},
		},
		Received: [3][]store.ReceivedRow{
			{{Kind: "settlement", Count: 2, Submitted: d("100.10")}, {Kind: "budget", Count: 1, Submitted: d("0.90")}},
			{{Kind: "settlement", Count: 5, Submitted: d("1000.00")}},
			nil,
		},
	}
}

func TestBuildBulletin(t *testing.T) {
	b := Build(bulletinInput())
	if b.Month != "2026-11" || !strings.Contains(b.Title, "2026年11月") {
		t.Fatalf("month %q title %q", b.Month, b.Title)
	}
	row := func(rows []Row, label string) Row {
		t.Helper()
		for _, r := range rows {
			if r.Label == label {
				return r
			}
		}
		t.Fatalf("no row %q", label)
		return Row{}
	}
	tests := []struct {
		name                       string
		row                        Row
		period                     int
		count                      int
		submitted, audited, reduce string
		rate                       string
	}{
		// 12,345,678.90 + 850,000.55 = 13,195,679.45; 11,000,000.00 + 801,234.56 = 11,801,234.56
		{"settlement this month", row(b.ByKind, "工程结算"), 0, 3, "13195679.45", "11801234.56", "1394444.89", "10.57%"},
		{"budget this month", row(b.ByKind, "预算"), 0, 1, "3200000.00", "3050000.01", "149999.99", "4.69%"},
		{"estimate increase year to date", row(b.ByKind, "概算"), 1, 1, "6000000.00", "6100000.00", "-100000.00", "-1.67%"},
		{"estimate none this month", row(b.ByKind, "概算"), 0, 0, "0", "0", "0", "—"},
		{"linhe this month", row(b.ByJurisdiction, "临河区"), 0, 3, "13195679.45", "11801234.56", "1394444.89", "10.57%"},
		{"city none this month", row(b.ByJurisdiction, "市本级"), 0, 0, "0", "0", "0", "—"},
		{"small band this month", row(b.ByBand, "100万元以下"), 0, 2, "850000.55", "801234.56", "48765.99", "5.74%"},
		{"large band last year empty", row(b.ByBand, "1000万元(含)以上"), 2, 0, "0", "0", "0", "—"},
		// 13,195,679.45 + 3,200,000.00 = 16,395,679.45; 11,801,234.56 + 3,050,000.01 = 14,851,234.57
		{"total this month", b.Total, 0, 4, "16395679.45", "14851234.57", "1544444.88", "9.42%"},
		// 12,345,678.90 + 1,000,000.54 + 3,200,000.00 + 6,000,000.00 = 22,545,679.44
		// 11,000,000.00 + 950,000.00 + 3,050,000.01 + 6,100,000.00 = 21,100,000.01
		{"total year to date", b.Total, 1, 6, "22545679.44", "21100000.01", "1445679.43", "6.41%"},
		{"total last year", b.Total, 2, 2, "4000000.00", "3600000.00", "400000.00", "10.00%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.row.Figures[tt.period]
			if f.Count != tt.count {
				t.Errorf("count = %d, want %d", f.Count, tt.count)
			}
			if !f.Submitted.Equal(d(tt.submitted)) || !f.Audited.Equal(d(tt.audited)) || !f.Reduction().Equal(d(tt.reduce)) {
				t.Errorf("submitted %s audited %s reduction %s, want %s %s %s",
					f.Submitted, f.Audited, f.Reduction(), tt.submitted, tt.audited, tt.reduce)
			}
			if f.RateText() != tt.rate {
				t.Errorf("rate = %s, want %s", f.RateText(), tt.rate)
			}
		})
	}
	t.Run("every kind and jurisdiction has a row", func(t *testing.T) {
		if len(b.ByKind) != 8 || len(b.ByJurisdiction) != 3 || len(b.ByBand) != 4 {
			t.Fatalf("rows: %d kinds, %d jurisdictions, %d bands", len(b.ByKind), len(b.ByJurisdiction), len(b.ByBand))
		}
	})
	t.Run("received sums", func(t *testing.T) {
		if b.Received[0].Count != 3 || !b.Received[0].Submitted.Equal(d("101.00")) {
			t.Fatalf("received = %+v", b.Received[0])
		}
	})
	t.Run("year on year change of audited amounts", func(t *testing.T) {
		// (21,100,000.01 − 3,600,000.00) ÷ 3,600,000.00 = 486.11%
		if got := b.Total.Change(); got != "486.11%" {
			t.Fatalf("change = %s", got)
		}
	})
}

func TestBulletinExcel(t *testing.T) {
	b := Build(bulletinInput())
	b.Returned = []store.ReturnedReview{{ReviewID: 7, ProjectCode: "00123", ProjectName: "临河区养老服务中心", Submitted: d("1234567.89"), Reason: "资料不全"}}
	var buf bytes.Buffer
	if err := b.WriteExcel(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("评审月报")
	if err != nil {
		t.Fatal(err)
	}
	var total, code []string
	for _, r := range rows {
		if len(r) > 0 && r[0] == "合计" && total == nil {
			total = r
		}
		if len(r) > 1 && r[1] == "临河区养老服务中心" {
			code = r
		}
	}
	if total == nil || total[1] != "4" || total[2] != "16,395,679.45" || total[3] != "14,851,234.57" || total[5] != "9.42%" {
		t.Fatalf("total row = %v", total)
	}
	if code == nil || code[0] != "00123" || code[4] != "1,234,567.89" {
		t.Fatalf("returned row = %v (code must stay text with its leading zeros)", code)
	}
	// 审减率 is a number shown as a percentage, not the text "9.42%".
	for i, r := range rows {
		if len(r) > 5 && r[0] == "合计" {
			cell, _ := excelize.CoordinatesToCellName(6, i+1)
			raw, _ := f.GetCellValue("评审月报", cell, excelize.Options{RawCellValue: true})
			if raw != "0.0942" {
				t.Fatalf("审减率 %s holds %q, want the number 0.0942", cell, raw)
			}
			break
		}
	}
	panes, err := f.GetPanes("评审月报")
	if err != nil || !panes.Freeze || panes.YSplit != 4 {
		t.Fatalf("panes = %+v (%v), want the first header row (row 4) frozen", panes, err)
	}
}

func TestChartSVG(t *testing.T) {
	svg := MoneyChart("按年度", []Group{
		{Label: "2025", Figures: Figures{Count: 1, Submitted: d("2000000.00"), Audited: d("1800000.00")}},
		{Label: "2026", Figures: Figures{Count: 1, Submitted: d("1000000.00"), Audited: d("1000000.00")}},
	})
	for _, want := range []string{"<svg", "送审金额", "审定金额", "200.00", "180.00", "审减率 10.00%", "审减率 0.00%", "万元"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, "http://") && !strings.Contains(svg, "xmlns=\"http://www.w3.org/2000/svg\"") {
		t.Error("chart must be self-contained")
	}
	if empty := MoneyChart("空", nil); !strings.Contains(empty, "暂无数据") {
		t.Errorf("empty chart = %s", empty)
	}
}

func TestBuildDashboard(t *testing.T) {
	dash := BuildDashboard([]store.StateKindCount{
		{State: workflow.Concluded, Kind: "settlement", Count: 3},
		{State: workflow.Draft, Kind: "budget", Count: 2},
		{State: workflow.InReview, Kind: "settlement", Suspended: true, Count: 1},
	})
	if dash.Total != 6 || dash.Suspended != 1 {
		t.Fatalf("total %d suspended %d", dash.Total, dash.Suspended)
	}
	if len(dash.ByState) != 3 || dash.ByState[0].Code != "draft" || dash.ByState[2].Code != "concluded" {
		t.Fatalf("by state = %+v", dash.ByState)
	}
	if len(dash.ByKind) != 2 || dash.ByKind[0].Code != "budget" || dash.ByKind[1].N != 4 {
		t.Fatalf("by kind = %+v", dash.ByKind)
	}
}
