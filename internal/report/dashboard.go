package report

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/billing"
	"finreview/internal/fee"
	"finreview/internal/store"
	"finreview/workflow"
)

// Count is one labelled count (a state, a kind).
type Count struct {
	Code  string
	Label string
	N     int
}

// Group is the figures of concluded reviews of one year, unit, firm…
type Group struct {
	Label   string
	Figures Figures
}

// Dashboard is the statistics page (统计分析).
type Dashboard struct {
	Total     int
	Suspended int
	Overdue   int
	ByState   []Count
	ByKind    []Count
	ByYear    []Group
	ByUnit    []Group
	ByFirm    []Group
	Fees      store.FeeTotals
	// Imported counts the concluded reviews among these that were
	// imported from the registers kept before go-live.
	Imported int
	// Contractors is what each contractor bears of the review fees, paid
	// and owed (the deduction list's groups, so the dashboard, the list
	// and its Excel file agree).
	Contractors []billing.DeductionGroup
	// At is when the figures were read (统计截至): the dashboard is shared
	// by the requests of a scope for a short while (Shared).
	At time.Time
}

// BuildDashboard shapes the counts: states in workflow order and kinds in
// display order, leaving out those with no review.
func BuildDashboard(counts []store.StateKindCount) Dashboard {
	var d Dashboard
	byState := map[workflow.State]int{}
	byKind := map[string]int{}
	for _, c := range counts {
		d.Total += c.Count
		if c.Suspended {
			d.Suspended += c.Count
		}
		byState[c.State] += c.Count
		byKind[c.Kind] += c.Count
	}
	for _, s := range workflow.States() {
		if n := byState[s]; n > 0 {
			d.ByState = append(d.ByState, Count{Code: string(s), Label: s.Label(), N: n})
		}
	}
	for _, k := range fee.Kinds() {
		if n := byKind[string(k)]; n > 0 {
			d.ByKind = append(d.ByKind, Count{Code: string(k), Label: k.Label(), N: n})
		}
	}
	return d
}

// Groups turns store totals into figures, labelling an empty key.
func Groups(rows []store.GroupTotals, empty string, label func(string) string) []Group {
	out := make([]Group, 0, len(rows))
	for _, r := range rows {
		l := r.Key
		if label != nil {
			l = label(l)
		}
		if l == "" {
			l = empty
		}
		out = append(out, Group{Label: l, Figures: Figures{Count: r.Count, Submitted: r.Submitted, Audited: r.Audited}})
	}
	return out
}

// LoadDashboard reads every figure of the dashboard within a scope.
func LoadDashboard(ctx context.Context, q *store.Queries, sc store.Scope, now time.Time) (Dashboard, error) {
	counts, err := q.ReviewCountsByStateKind(ctx, sc)
	if err != nil {
		return Dashboard{}, err
	}
	d := BuildDashboard(counts)
	if d.Overdue, err = q.CountOverdueNow(ctx, sc, now); err != nil {
		return Dashboard{}, err
	}
	years, err := q.ConcludedBy(ctx, sc, store.ByYear, 20)
	if err != nil {
		return Dashboard{}, err
	}
	d.ByYear = Groups(years, "—", nil)
	units, err := q.ConcludedBy(ctx, sc, store.ByUnit, 10)
	if err != nil {
		return Dashboard{}, err
	}
	d.ByUnit = Groups(units, "—", nil)
	firms, err := q.ConcludedBy(ctx, sc, store.ByFirm, 10)
	if err != nil {
		return Dashboard{}, err
	}
	d.ByFirm = Groups(firms, "未委托", nil)
	if d.Fees, err = q.FeeTotalsAll(ctx, sc); err != nil {
		return Dashboard{}, err
	}
	if d.Imported, err = q.CountImportedReviews(ctx, sc); err != nil {
		return Dashboard{}, err
	}
	var contractors billing.DeductionGrouper // the groups' figures, not their rows
	if err := q.EachContractorDeduction(ctx, sc, store.DeductionFilter{}, contractors.Add); err != nil {
		return Dashboard{}, err
	}
	d.Contractors = contractors.Deductions().Groups
	d.At = now
	return d, nil
}

var tenThousand = decimal.NewFromInt(10000)

// MoneyChart draws submitted against audited amounts (in 万元) of groups,
// with each group's reduction rate.
func MoneyChart(title string, groups []Group) string {
	c := Chart{Title: title, Unit: "万元", Scale: tenThousand, Series: []Series{
		{Name: "送审金额", Color: "#1677ff"}, {Name: "审定金额", Color: "#67c23a"},
	}}
	for _, g := range groups {
		c.Categories = append(c.Categories, Category{Label: g.Label,
			Values: []decimal.Decimal{g.Figures.Submitted, g.Figures.Audited}, Note: "审减率 " + g.Figures.RateText()})
	}
	return c.SVG()
}

// CountChart draws counts (one series).
func CountChart(title string, counts []Count) string {
	c := Chart{Title: title, Unit: "项", Series: []Series{{Name: "评审任务数", Color: "#1677ff"}}}
	for _, n := range counts {
		c.Categories = append(c.Categories, Category{Label: n.Label, Values: []decimal.Decimal{decimal.NewFromInt(int64(n.N))}})
	}
	return c.SVG()
}
