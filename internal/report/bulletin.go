package report

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/fee"
	"finreview/internal/store"
)

// Period is a half-open span of time [From, To).
type Period struct {
	Name     string
	From, To time.Time
}

// Span writes the period's first and last day.
func (p Period) Span() string {
	return p.From.Format("2006-01-02") + " 至 " + p.To.AddDate(0, 0, -1).Format("2006-01-02")
}

// Periods of the bulletin of the month holding m: the month itself, the
// year to date and the same period of the previous year (January to the
// same month), all in m's location.
func Periods(m time.Time) [3]Period {
	start := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, m.Location())
	end := start.AddDate(0, 1, 0)
	jan := time.Date(m.Year(), 1, 1, 0, 0, 0, 0, m.Location())
	return [3]Period{
		{Name: "本月", From: start, To: end},
		{Name: "本年累计", From: jan, To: end},
		{Name: "上年同期", From: jan.AddDate(-1, 0, 0), To: end.AddDate(-1, 0, 0)},
	}
}

// ParseMonth reads "YYYY-MM" in loc; empty means the month of now.
func ParseMonth(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		n := now.In(loc)
		return time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc), nil
	}
	t, err := time.ParseInLocation("2006-01", s, loc)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	return t, nil
}

// Row is one line of a bulletin table: a label and its figures for each
// of the three periods.
type Row struct {
	Code    string
	Label   string
	Figures [3]Figures
}

func (r *Row) add(i int, f Figures) { r.Figures[i] = r.Figures[i].Add(f) }

// Bulletin is the monthly bulletin (评审月报).
type Bulletin struct {
	Month          string // YYYY-MM
	Title          string
	Periods        [3]Period
	ByKind         []Row
	ByJurisdiction []Row
	ByBand         []Row
	Total          Row
	// Received counts the reviews submitted (报送) in each period and their
	// submitted amounts (Audited unused).
	Received     [3]Figures
	Returned     []store.ReturnedReview
	Overdue      []store.OverdueItem
	OverdueTotal int
	Fees         [3]store.FeeTotals
	// Imported counts, per period, the concluded reviews imported from
	// the registers kept before go-live (included in the figures).
	Imported [3]int
	// At is when the figures were read (统计截至): a bulletin is shared by
	// the requests of a scope for a short while (Shared).
	At time.Time
}

// AnyImported reports whether a period's figures include imported reviews.
func (b Bulletin) AnyImported() bool { return b.Imported != [3]int{} }

// Input is what Build shapes; Load fills it from the store.
type Input struct {
	Month         time.Time
	Jurisdictions []store.Jurisdiction
	Concluded     [3][]store.ConcludedRow
	Received      [3][]store.ReceivedRow
	Returned      []store.ReturnedReview
	Overdue       []store.OverdueItem
	OverdueTotal  int
	Fees          [3]store.FeeTotals
}

// Build shapes the bulletin: every kind, listed jurisdiction and size band
// gets a row (zero when nothing happened), in display order; rows of a
// kind or jurisdiction not listed are appended after the listed ones.
func Build(in Input) Bulletin {
	b := Bulletin{
		Month:    in.Month.Format("2006-01"),
		Title:    fmt.Sprintf("%d年%d月财政投资评审月报", in.Month.Year(), int(in.Month.Month())),
		Periods:  Periods(in.Month),
		Total:    Row{Code: "total", Label: "合计"},
		Returned: in.Returned, Overdue: in.Overdue, OverdueTotal: in.OverdueTotal, Fees: in.Fees,
	}
	kindIdx := map[string]int{}
	for _, k := range fee.Kinds() {
		kindIdx[string(k)] = len(b.ByKind)
		b.ByKind = append(b.ByKind, Row{Code: string(k), Label: k.Label()})
	}
	jurIdx := map[int64]int{}
	for _, j := range in.Jurisdictions {
		jurIdx[j.ID] = len(b.ByJurisdiction)
		b.ByJurisdiction = append(b.ByJurisdiction, Row{Code: j.Code, Label: j.Name})
	}
	for _, band := range Bands() {
		b.ByBand = append(b.ByBand, Row{Code: fmt.Sprint(band.Index), Label: band.Label})
	}
	for p, rows := range in.Concluded {
		for _, c := range rows {
			f := Figures{Count: c.Count, Submitted: c.Submitted, Audited: c.Audited}
			i, ok := kindIdx[c.Kind]
			if !ok {
				i = len(b.ByKind)
				kindIdx[c.Kind] = i
				b.ByKind = append(b.ByKind, Row{Code: c.Kind, Label: c.Kind})
			}
			b.ByKind[i].add(p, f)
			j, ok := jurIdx[c.JurisdictionID]
			if !ok {
				j = len(b.ByJurisdiction)
				jurIdx[c.JurisdictionID] = j
				b.ByJurisdiction = append(b.ByJurisdiction, Row{Label: c.JurisdictionName})
			}
			b.ByJurisdiction[j].add(p, f)
			band := c.Band
			if band < 0 || band >= len(b.ByBand) {
				band = len(b.ByBand) - 1
			}
			b.ByBand[band].add(p, f)
			b.Total.add(p, f)
			b.Imported[p] += c.Imported
		}
	}
	for p, rows := range in.Received {
		for _, r := range rows {
			b.Received[p] = b.Received[p].Add(Figures{Count: r.Count, Submitted: r.Submitted})
		}
	}
	return b
}

// Change is the change of the year to date over the same period last year,
// in percent with two decimals ("—" without last year's figure).
func (r Row) Change() string {
	last := r.Figures[2].Audited
	if last.IsZero() {
		return "—"
	}
	return r.Figures[1].Audited.Sub(last).Mul(hundred).DivRound(last, 8).Round(2).StringFixed(2) + "%"
}

// Load reads the bulletin of month m within a scope. jurisdictions are the
// rows of the jurisdiction table (those the reader may see).
func Load(ctx context.Context, q *store.Queries, sc store.Scope, jurisdictions []store.Jurisdiction, m, now time.Time) (Bulletin, error) {
	in := Input{Month: m, Jurisdictions: jurisdictions}
	periods := Periods(m)
	var err error
	for i, p := range periods {
		if in.Concluded[i], err = q.ConcludedTotals(ctx, sc, p.From, p.To, Thresholds()); err != nil {
			return Bulletin{}, err
		}
		if in.Received[i], err = q.ReceivedTotals(ctx, sc, p.From, p.To); err != nil {
			return Bulletin{}, err
		}
		if in.Fees[i], err = q.FeeTotalsBetween(ctx, sc, p.From, p.To); err != nil {
			return Bulletin{}, err
		}
	}
	month := periods[0]
	if in.Returned, err = q.ReturnedReviews(ctx, sc, month.From, month.To); err != nil {
		return Bulletin{}, err
	}
	if in.Overdue, in.OverdueTotal, err = q.BulletinOverdue(ctx, sc, month.From, month.To, now, 200); err != nil {
		return Bulletin{}, err
	}
	b := Build(in)
	b.At = now
	return b, nil
}

// Sum adds amounts exactly.
func Sum(ds ...decimal.Decimal) decimal.Decimal {
	out := decimal.Zero
	for _, d := range ds {
		out = out.Add(d)
	}
	return out
}

// Section is one figures table of the bulletin.
type Section struct {
	Title, Head string
	Periods     [3]Period
	Rows        []Row
	Total       Row
}

// Sections lists the bulletin's figures tables in print order.
func (b Bulletin) Sections() []Section {
	return []Section{
		{Title: "二、按评审类型", Head: "评审类型", Periods: b.Periods, Rows: b.ByKind, Total: b.Total},
		{Title: "三、按区划", Head: "区划", Periods: b.Periods, Rows: b.ByJurisdiction, Total: b.Total},
		{Title: "四、按送审规模", Head: "送审金额", Periods: b.Periods, Rows: b.ByBand, Total: b.Total},
	}
}
