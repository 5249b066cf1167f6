package assign

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Criterion codes.
const (
	CriterionTimeliness    = "timeliness"
	CriterionAccuracy      = "accuracy"
	CriterionTruthfulness  = "truthfulness"
	CriterionReportQuality = "report_quality"
)

// Accuracy penalties, in points off 100 per event.
const (
	PenaltySampleRecheckError = 10 // error found by a sample re-review (抽查复审)
	PenaltyExpertReviewLost   = 5  // expert re-review found the firm at fault (专家复审过错方)
	PenaltyAppealLost         = 10 // appeal upheld against the firm's conclusion (复议)
)

// Criterion is one assessment criterion and its weight.
type Criterion struct {
	Code   string
	Name   string
	Weight decimal.Decimal
}

// DefaultCriteria returns the standard criteria: timeliness 0.30, accuracy
// 0.40, truthfulness 0.15, report quality 0.15.
func DefaultCriteria() []Criterion {
	return []Criterion{
		{CriterionTimeliness, "及时性", decimal.RequireFromString("0.30")},
		{CriterionAccuracy, "准确性", decimal.RequireFromString("0.40")},
		{CriterionTruthfulness, "真实性", decimal.RequireFromString("0.15")},
		{CriterionReportQuality, "报告质量", decimal.RequireFromString("0.15")},
	}
}

// Metrics is a firm's record over one assessment period.
type Metrics struct {
	Delegations         int
	Declines            int
	DeadlinesMet        int
	DeadlinesMissed     int
	SampleRechecks      int
	SampleRecheckErrors int
	ExpertReviewsLost   int
	AppealsLost         int
	// Truthfulness and ReportQuality are 0–100 scores entered by staff.
	Truthfulness  decimal.Decimal
	ReportQuality decimal.Decimal
}

// CriterionScore is one line of an assessment.
type CriterionScore struct {
	Criterion
	Score    decimal.Decimal // 0–100, 2 places
	Weighted decimal.Decimal // Score × Weight, unrounded
}

// Assessment is a firm's scored period.
type Assessment struct {
	Timeliness    decimal.Decimal
	Accuracy      decimal.Decimal
	Truthfulness  decimal.Decimal
	ReportQuality decimal.Decimal
	Lines         []CriterionScore // in criteria order
	Total         decimal.Decimal  // weighted sum, 2 places
}

// hundred is the top of the 0–100 scale.
func hundred() decimal.Decimal { return decimal.NewFromInt(100) }

// Assess scores m with criteria (see the package comment for the formulas).
// Criteria must have known, distinct codes and weights that sum to 1.
func Assess(m Metrics, criteria []Criterion) (Assessment, error) {
	if err := checkCriteria(criteria); err != nil {
		return Assessment{}, err
	}
	if err := checkMetrics(m); err != nil {
		return Assessment{}, err
	}
	a := Assessment{
		Timeliness:    timeliness(m),
		Accuracy:      accuracy(m),
		Truthfulness:  m.Truthfulness.Round(2),
		ReportQuality: m.ReportQuality.Round(2),
	}
	scores := map[string]decimal.Decimal{
		CriterionTimeliness:    a.Timeliness,
		CriterionAccuracy:      a.Accuracy,
		CriterionTruthfulness:  a.Truthfulness,
		CriterionReportQuality: a.ReportQuality,
	}
	total := decimal.Zero
	for _, c := range criteria {
		s := scores[c.Code]
		w := s.Mul(c.Weight)
		a.Lines = append(a.Lines, CriterionScore{Criterion: c, Score: s, Weighted: w})
		total = total.Add(w)
	}
	a.Total = total.Round(2)
	return a, nil
}

func timeliness(m Metrics) decimal.Decimal {
	due := m.DeadlinesMet + m.DeadlinesMissed + m.Declines
	if due == 0 {
		return hundred().Round(2)
	}
	return decimal.NewFromInt(int64(m.DeadlinesMet)).Mul(hundred()).DivRound(decimal.NewFromInt(int64(due)), 2)
}

func accuracy(m Metrics) decimal.Decimal {
	penalty := PenaltySampleRecheckError*m.SampleRecheckErrors +
		PenaltyExpertReviewLost*m.ExpertReviewsLost +
		PenaltyAppealLost*m.AppealsLost
	return decimal.NewFromInt(int64(max(100-penalty, 0))).Round(2)
}

func checkCriteria(criteria []Criterion) error {
	if len(criteria) == 0 {
		return fmt.Errorf("no criteria: %w", ErrInvalidWeights)
	}
	seen := map[string]bool{}
	sum := decimal.Zero
	for _, c := range criteria {
		switch c.Code {
		case CriterionTimeliness, CriterionAccuracy, CriterionTruthfulness, CriterionReportQuality:
		default:
			return fmt.Errorf("criterion %q: unknown code: %w", c.Code, ErrInvalidWeights)
		}
		if seen[c.Code] {
			return fmt.Errorf("criterion %q: listed twice: %w", c.Code, ErrInvalidWeights)
		}
		seen[c.Code] = true
		if c.Weight.IsNegative() {
			return fmt.Errorf("criterion %q: negative weight %s: %w", c.Code, c.Weight, ErrInvalidWeights)
		}
		sum = sum.Add(c.Weight)
	}
	if !sum.Equal(decimal.NewFromInt(1)) {
		return fmt.Errorf("weights sum to %s, not 1: %w", sum, ErrInvalidWeights)
	}
	return nil
}

func checkMetrics(m Metrics) error {
	counts := []struct {
		name string
		n    int
	}{
		{"delegations", m.Delegations}, {"declines", m.Declines},
		{"deadlines met", m.DeadlinesMet}, {"deadlines missed", m.DeadlinesMissed},
		{"sample rechecks", m.SampleRechecks}, {"sample recheck errors", m.SampleRecheckErrors},
		{"expert reviews lost", m.ExpertReviewsLost}, {"appeals lost", m.AppealsLost},
	}
	for _, c := range counts {
		if c.n < 0 {
			return fmt.Errorf("%s is negative (%d): %w", c.name, c.n, ErrInvalidMetrics)
		}
	}
	if m.Declines > m.Delegations {
		return fmt.Errorf("declines %d exceed delegations %d: %w", m.Declines, m.Delegations, ErrInvalidMetrics)
	}
	if m.SampleRecheckErrors > m.SampleRechecks {
		return fmt.Errorf("sample recheck errors %d exceed rechecks %d: %w", m.SampleRecheckErrors, m.SampleRechecks, ErrInvalidMetrics)
	}
	for _, s := range []struct {
		name string
		v    decimal.Decimal
	}{{"truthfulness", m.Truthfulness}, {"report quality", m.ReportQuality}} {
		if s.v.IsNegative() || s.v.GreaterThan(hundred()) {
			return fmt.Errorf("%s %s outside 0–100: %w", s.name, s.v, ErrInvalidMetrics)
		}
	}
	return nil
}

// RankedAssessment is one firm's assessment for a period.
type RankedAssessment struct {
	FirmID     int64
	Name       string
	AdmittedAt time.Time
	Assessment Assessment
}

// Flagged is a firm proposed for suspension (优胜劣汰) with its evidence.
type Flagged struct {
	FirmID         int64
	Name           string
	Total          decimal.Decimal
	Position       int  // 1-based rank by total, ties as in Rank
	Of             int  // number of firms assessed
	Bottom         bool // among the bottom N
	BelowThreshold bool // total below the threshold
	Evidence       string
}

// Flag returns the firms to consider for suspension, worst first: the
// bottom bottomN by total (ties ranked as in Rank, so exactly bottomN when
// there are that many) and every firm whose total is below threshold. A
// bottomN ≤ 0 flags by threshold only; a zero threshold flags by rank only.
func Flag(assessments []RankedAssessment, bottomN int, threshold decimal.Decimal) []Flagged {
	ranked := slices.Clone(assessments)
	slices.SortStableFunc(ranked, func(a, b RankedAssessment) int {
		return compareKey(a.Assessment.Total, a.AdmittedAt, a.FirmID, b.Assessment.Total, b.AdmittedAt, b.FirmID)
	})
	n := len(ranked)
	bottomN = min(max(bottomN, 0), n)
	var flagged []Flagged
	for i := n - 1; i >= 0; i-- {
		r := ranked[i]
		bottom := i >= n-bottomN
		below := r.Assessment.Total.LessThan(threshold)
		if !bottom && !below {
			continue
		}
		flagged = append(flagged, Flagged{
			FirmID:         r.FirmID,
			Name:           r.Name,
			Total:          r.Assessment.Total,
			Position:       i + 1,
			Of:             n,
			Bottom:         bottom,
			BelowThreshold: below,
			Evidence:       evidence(r.Assessment, i+1, n, bottom, bottomN, below, threshold),
		})
	}
	return flagged
}

func evidence(a Assessment, pos, of int, bottom bool, bottomN int, below bool, threshold decimal.Decimal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "本期考核总分 %s,排名第 %d/%d 位", a.Total.StringFixed(2), pos, of)
	if bottom {
		fmt.Fprintf(&b, ",位列末 %d 位", bottomN)
	}
	if below {
		fmt.Fprintf(&b, ",低于 %s 分", threshold.StringFixed(2))
	}
	if len(a.Lines) > 0 {
		parts := make([]string, len(a.Lines))
		for i, l := range a.Lines {
			parts[i] = fmt.Sprintf("%s %s", l.Name, l.Score.StringFixed(2))
		}
		fmt.Fprintf(&b, ";%s", strings.Join(parts, "、"))
	}
	return b.String()
}
