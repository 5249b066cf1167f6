// Package report shapes the read-side figures of the dashboard and the
// monthly bulletin (评审月报): sums are exact decimals, rates are rounded
// once, explicitly, to two decimals (half away from zero), and every table
// can be written to Excel. The SQL lives in internal/store/report.go.
package report

import (
	"github.com/shopspring/decimal"
)

// Figures are the count and amounts of a set of concluded reviews.
type Figures struct {
	Count     int
	Submitted decimal.Decimal // 送审金额
	Audited   decimal.Decimal // 审定金额
}

// Add returns the sum of two sets of figures.
func (f Figures) Add(o Figures) Figures {
	return Figures{Count: f.Count + o.Count, Submitted: f.Submitted.Add(o.Submitted), Audited: f.Audited.Add(o.Audited)}
}

// Reduction is the 审减额: submitted − audited (negative for an increase).
func (f Figures) Reduction() decimal.Decimal { return f.Submitted.Sub(f.Audited) }

// Rate is the 审减率 in percent, rounded to two decimals; zero when nothing
// was submitted.
func (f Figures) Rate() decimal.Decimal { return ReductionRate(f.Submitted, f.Audited) }

// RateText is the 审减率 written with two decimals and %, "—" when nothing
// was submitted.
func (f Figures) RateText() string {
	if f.Submitted.IsZero() {
		return "—"
	}
	return f.Rate().StringFixed(2) + "%"
}

var hundred = decimal.NewFromInt(100)

// ReductionRate is (submitted − audited) ÷ submitted × 100, rounded half
// away from zero to two decimals; zero when submitted is zero.
func ReductionRate(submitted, audited decimal.Decimal) decimal.Decimal {
	if submitted.IsZero() {
		return decimal.Zero
	}
	return submitted.Sub(audited).Mul(hundred).DivRound(submitted, 8).Round(2)
}

// RateText writes a reduction rate with two decimals and %, "—" when
// nothing was submitted.
func RateText(submitted, audited decimal.Decimal) string {
	return Figures{Submitted: submitted, Audited: audited}.RateText()
}

// Band is a size band of the submitted amount.
type Band struct {
	Index int
	Label string
}

// Size band thresholds in yuan: <100万, 100–500万, 500–1000万, ≥1000万.
var (
	million    = decimal.NewFromInt(1_000_000)
	thresholds = []decimal.Decimal{million, million.Mul(decimal.NewFromInt(5)), million.Mul(decimal.NewFromInt(10))}
	bandLabels = []string{"100万元以下", "100万(含)–500万元", "500万(含)–1000万元", "1000万元(含)以上"}
)

// Thresholds returns the lower bounds of bands 1…3 (band 0 has none).
func Thresholds() []decimal.Decimal {
	out := make([]decimal.Decimal, len(thresholds))
	copy(out, thresholds)
	return out
}

// Bands lists the size bands in ascending order.
func Bands() []Band {
	out := make([]Band, len(bandLabels))
	for i, l := range bandLabels {
		out[i] = Band{Index: i, Label: l}
	}
	return out
}

// BandOf is the size band of a submitted amount.
func BandOf(amount decimal.Decimal) Band {
	i := 0
	for i < len(thresholds) && amount.GreaterThanOrEqual(thresholds[i]) {
		i++
	}
	return Band{Index: i, Label: bandLabels[i]}
}
