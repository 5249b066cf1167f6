package assign

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestDefaultCriteria(t *testing.T) {
	sum := decimal.Zero
	names := map[string]string{}
	for _, c := range DefaultCriteria() {
		sum = sum.Add(c.Weight)
		names[c.Code] = c.Name
	}
	if !sum.Equal(decimal.NewFromInt(1)) {
		t.Fatalf("weights sum to %s", sum)
	}
	want := map[string]string{"timeliness": "及时性", "accuracy": "准确性", "truthfulness": "真实性", "report_quality": "报告质量"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("criteria %v, want %v", names, want)
	}
}

func TestAssess(t *testing.T) {
	tests := []struct {
		name                                      string
		m                                         Metrics
		criteria                                  []Criterion
		timeliness, accuracy, truth, quality, tot string
	}{
		{
			name:       "perfect period",
			m:          Metrics{Delegations: 10, DeadlinesMet: 10, SampleRechecks: 2, Truthfulness: dec("100"), ReportQuality: dec("100")},
			timeliness: "100", accuracy: "100", truth: "100", quality: "100", tot: "100",
		},
		{
			name: "typical period with one of each fault",
			m: Metrics{Delegations: 10, Declines: 1, DeadlinesMet: 8, DeadlinesMissed: 1, SampleRechecks: 3, SampleRecheckErrors: 1,
				ExpertReviewsLost: 1, AppealsLost: 1, Truthfulness: dec("90"), ReportQuality: dec("85")},
			// 0.30×80 + 0.40×75 + 0.15×90 + 0.15×85 = 24 + 30 + 13.5 + 12.75
			timeliness: "80", accuracy: "75", truth: "90", quality: "85", tot: "80.25",
		},
		{
			name:       "share rounded to two places before weighting",
			m:          Metrics{Delegations: 3, DeadlinesMet: 2, DeadlinesMissed: 1, Truthfulness: dec("70.5"), ReportQuality: dec("60")},
			timeliness: "66.67", accuracy: "100", truth: "70.5", quality: "60", tot: "79.58", // 20.001 + 40 + 10.575 + 9
		},
		{
			name:       "no deadlines and accuracy floored at zero",
			m:          Metrics{SampleRechecks: 5, SampleRecheckErrors: 5, AppealsLost: 6, Truthfulness: dec("50"), ReportQuality: dec("50")},
			timeliness: "100", accuracy: "0", truth: "50", quality: "50", tot: "45",
		},
		{
			name:       "declines count as missed deadlines",
			m:          Metrics{Delegations: 2, Declines: 2, Truthfulness: dec("80"), ReportQuality: dec("80")},
			timeliness: "0", accuracy: "100", truth: "80", quality: "80", tot: "64",
		},
		{
			name: "custom weights",
			m:    Metrics{Delegations: 4, DeadlinesMet: 3, DeadlinesMissed: 1, ExpertReviewsLost: 3, Truthfulness: dec("0"), ReportQuality: dec("0")},
			criteria: []Criterion{
				{Code: CriterionTimeliness, Name: "及时性", Weight: dec("0.5")},
				{Code: CriterionAccuracy, Name: "准确性", Weight: dec("0.5")},
			},
			timeliness: "75", accuracy: "85", truth: "0", quality: "0", tot: "80",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			criteria := tt.criteria
			if criteria == nil {
				criteria = DefaultCriteria()
			}
			a, err := Assess(tt.m, criteria)
			if err != nil {
				t.Fatalf("Assess: %v", err)
			}
			for _, c := range []struct {
				what      string
				got, want decimal.Decimal
			}{
				{"timeliness", a.Timeliness, dec(tt.timeliness)},
				{"accuracy", a.Accuracy, dec(tt.accuracy)},
				{"truthfulness", a.Truthfulness, dec(tt.truth)},
				{"report quality", a.ReportQuality, dec(tt.quality)},
				{"total", a.Total, dec(tt.tot)},
			} {
				if !c.got.Equal(c.want) {
					t.Errorf("%s = %s, want %s", c.what, c.got, c.want)
				}
			}
			if len(a.Lines) != len(criteria) {
				t.Fatalf("%d lines, want %d", len(a.Lines), len(criteria))
			}
			sum := decimal.Zero
			for i, l := range a.Lines {
				if l.Code != criteria[i].Code || !l.Weighted.Equal(l.Score.Mul(l.Weight)) {
					t.Fatalf("line %d = %+v", i, l)
				}
				sum = sum.Add(l.Weighted)
			}
			if !sum.Round(2).Equal(a.Total) {
				t.Fatalf("lines add to %s, total %s", sum, a.Total)
			}
		})
	}
}

func TestAssessRejects(t *testing.T) {
	ok := Metrics{Delegations: 1, DeadlinesMet: 1, Truthfulness: dec("80"), ReportQuality: dec("80")}
	weights := func(ws ...string) []Criterion {
		codes := []string{CriterionTimeliness, CriterionAccuracy, CriterionTruthfulness, CriterionReportQuality}
		out := make([]Criterion, len(ws))
		for i, w := range ws {
			out[i] = Criterion{Code: codes[i], Weight: dec(w)}
		}
		return out
	}
	tests := []struct {
		name     string
		m        Metrics
		criteria []Criterion
		want     error
	}{
		{"weights sum below one", ok, weights("0.3", "0.4", "0.15", "0.1"), ErrInvalidWeights},
		{"weights sum above one", ok, weights("0.3", "0.5", "0.15", "0.15"), ErrInvalidWeights},
		{"negative weight", ok, weights("-0.1", "0.8", "0.15", "0.15"), ErrInvalidWeights},
		{"no criteria", ok, nil, ErrInvalidWeights},
		{"unknown code", ok, []Criterion{{Code: "speed", Weight: dec("1")}}, ErrInvalidWeights},
		{"code twice", ok, []Criterion{{Code: CriterionAccuracy, Weight: dec("0.5")}, {Code: CriterionAccuracy, Weight: dec("0.5")}}, ErrInvalidWeights},
		{"negative count", Metrics{DeadlinesMissed: -1}, DefaultCriteria(), ErrInvalidMetrics},
		{"more declines than delegations", Metrics{Delegations: 1, Declines: 2}, DefaultCriteria(), ErrInvalidMetrics},
		{"more recheck errors than rechecks", Metrics{SampleRechecks: 1, SampleRecheckErrors: 2}, DefaultCriteria(), ErrInvalidMetrics},
		{"truthfulness above 100", Metrics{Truthfulness: dec("100.01")}, DefaultCriteria(), ErrInvalidMetrics},
		{"report quality below 0", Metrics{ReportQuality: dec("-1")}, DefaultCriteria(), ErrInvalidMetrics},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Assess(tt.m, tt.criteria)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !reflect.DeepEqual(a, Assessment{}) {
				t.Fatalf("assessment not zero: %+v", a)
			}
		})
	}
}

func TestFlag(t *testing.T) {
	ra := func(id int64, total string, admittedDay int) RankedAssessment {
		return RankedAssessment{FirmID: id, Name: "机构", AdmittedAt: day(admittedDay), Assessment: Assessment{Total: dec(total)}}
	}
	// Ranked: 1 (90), 2 (75), 4 (62, day 1), 5 (62, day 2), 3 (58).
	all := []RankedAssessment{ra(1, "90", 1), ra(2, "75", 1), ra(3, "58", 1), ra(4, "62", 1), ra(5, "62", 2)}
	type flag struct {
		id            int64
		pos           int
		bottom, below bool
	}
	tests := []struct {
		name      string
		in        []RankedAssessment
		bottomN   int
		threshold string
		want      []flag
	}{
		{"bottom two and below sixty", all, 2, "60", []flag{{3, 5, true, true}, {5, 4, true, false}}},
		{"threshold only", all, 0, "60", []flag{{3, 5, false, true}}},
		{"rank only", all, 1, "0", []flag{{3, 5, true, false}}},
		{"threshold reaches above the bottom", all, 1, "70", []flag{{3, 5, true, true}, {5, 4, false, true}, {4, 3, false, true}}},
		{"tie at the cut goes against the later admitted", all, 2, "0", []flag{{3, 5, true, false}, {5, 4, true, false}}},
		{"a total equal to the threshold is not below it", all, 0, "58", nil},
		{"nothing asked", all, 0, "0", nil},
		{"bottom larger than the library", all[:2], 5, "0", []flag{{2, 2, true, false}, {1, 1, true, false}}},
		{"negative bottom is none", all, -3, "0", nil},
		{"empty", nil, 2, "60", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Flag(tt.in, tt.bottomN, dec(tt.threshold))
			var flags []flag
			for _, f := range got {
				flags = append(flags, flag{f.FirmID, f.Position, f.Bottom, f.BelowThreshold})
				if f.Of != len(tt.in) || f.Evidence == "" {
					t.Fatalf("flag %+v: of %d, evidence %q", f, f.Of, f.Evidence)
				}
			}
			if !reflect.DeepEqual(flags, tt.want) {
				t.Fatalf("flagged %+v, want %+v", flags, tt.want)
			}
		})
	}
}

func TestFlagEvidence(t *testing.T) {
	a, err := Assess(Metrics{Delegations: 4, Declines: 1, DeadlinesMet: 2, DeadlinesMissed: 1, SampleRechecks: 2,
		SampleRecheckErrors: 2, AppealsLost: 1, Truthfulness: dec("60"), ReportQuality: dec("55")}, DefaultCriteria())
	if err != nil {
		t.Fatalf("Assess: %v", err)
	}
	in := []RankedAssessment{
		{FirmID: 1, Name: "甲", AdmittedAt: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), Assessment: Assessment{Total: dec("88")}},
		{FirmID: 2, Name: "乙", AdmittedAt: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), Assessment: a},
	}
	got := Flag(in, 1, dec("60"))
	// timeliness 50, accuracy 70, total 15 + 28 + 9 + 8.25 = 60.25: bottom, not below 60.
	want := "本期考核总分 60.25,排名第 2/2 位,位列末 1 位;及时性 50.00、准确性 70.00、真实性 60.00、报告质量 55.00"
	if len(got) != 1 || got[0].FirmID != 2 || got[0].Evidence != want {
		t.Fatalf("Flag = %+v, want firm 2 with %q", got, want)
	}
	if !got[0].Total.Equal(dec("60.25")) {
		t.Fatalf("total %s", got[0].Total)
	}
}
