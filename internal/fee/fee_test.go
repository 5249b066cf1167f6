package fee

import (
	"errors"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func dec(t testing.TB, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("decimal %q: %v", s, err)
	}
	return d
}

// want lists expected figures; an empty string is not checked.
type want struct {
	basic, reduction, total, contractor, finance, now, later string
}

func checkResult(t *testing.T, r Result, w want) {
	t.Helper()
	fields := []struct {
		name string
		got  decimal.Decimal
		want string
	}{
		{"basic_fee", r.BasicFee, w.basic},
		{"reduction_fee", r.ReductionFee, w.reduction},
		{"total_fee", r.TotalFee, w.total},
		{"contractor_share", r.ContractorShare, w.contractor},
		{"finance_share", r.FinanceShare, w.finance},
		{"payable_now", r.PayableNow, w.now},
		{"payable_later", r.PayableLater, w.later},
	}
	for _, f := range fields {
		if f.want == "" {
			continue
		}
		if got := f.got.StringFixed(2); got != f.want {
			t.Errorf("%s = %s, want %s", f.name, got, f.want)
		}
	}
}

func TestComputeWorkedExample(t *testing.T) {
	s := Example()
	in := Input{Kind: Settlement, Outcome: Normal, Submitted: dec(t, "12345678.90"), Audited: dec(t, "11000000.00")}
	for name, fn := range map[string]func(Schedule, Input) (Result, error){"compute": Compute, "totals only": ComputeTotals} {
		t.Run(name, func(t *testing.T) {
			r, err := fn(s, in)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, r, want{"17345.68", "33641.97", "50987.65", "18209.87", "32777.78", "50987.65", "0.00"})
			if !r.Reduction.Equal(dec(t, "1345678.90")) {
				t.Errorf("reduction = %s, want 1345678.90", r.Reduction)
			}
			if !r.Excess.Equal(dec(t, "728394.955")) {
				t.Errorf("excess = %s, want 728394.955", r.Excess)
			}
			if !r.ContractorPays {
				t.Error("contractor pays = false for a settlement")
			}
		})
	}
	t.Run("band lines", func(t *testing.T) {
		r, err := Compute(s, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Lines) != 2 {
			t.Fatalf("lines = %d, want 2", len(r.Lines))
		}
		lines := []struct{ from, upTo, rate, segment, amount string }{
			{"0", "10000000", "0.003", "10000000", "30000"},
			{"10000000", "50000000", "0.002", "2345678.90", "4691.3578"},
		}
		for i, w := range lines {
			l := r.Lines[i]
			if !l.From.Equal(dec(t, w.from)) || l.UpTo == nil || !l.UpTo.Equal(dec(t, w.upTo)) ||
				!l.Rate.Equal(dec(t, w.rate)) || !l.Segment.Equal(dec(t, w.segment)) || !l.Amount.Equal(dec(t, w.amount)) {
				t.Errorf("line %d = %s..%v × %s: %s → %s, want %+v", i, l.From, l.UpTo, l.Rate, l.Segment, l.Amount, w)
			}
		}
	})
	t.Run("totals only has no lines", func(t *testing.T) {
		r, err := ComputeTotals(s, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Lines) != 0 {
			t.Errorf("lines = %d, want 0", len(r.Lines))
		}
	})
}

func TestComputeTable(t *testing.T) {
	s := Example()
	tests := []struct {
		name string
		in   Input
		want want
	}{
		{
			name: "exactly at the first band limit",
			in:   Input{Kind: Budget, Outcome: Normal, Submitted: dec(t, "10000000.00"), Audited: dec(t, "10000000.00")},
			// 10,000,000 × 0.003 × 0.5
			want: want{"15000.00", "0.00", "15000.00", "0.00", "15000.00", "15000.00", "0.00"},
		},
		{
			name: "one cent above the first band limit",
			in:   Input{Kind: Budget, Outcome: Normal, Submitted: dec(t, "10000000.01"), Audited: dec(t, "10000000.01")},
			// 30000 + 0.01 × 0.002 = 30000.00002; × 0.5 = 15000.00001
			want: want{"15000.00", "0.00", "15000.00", "0.00", "15000.00", "15000.00", "0.00"},
		},
		{
			name: "one fen rounds half up",
			in:   Input{Kind: Estimate, Outcome: Normal, Submitted: dec(t, "1000.01"), Audited: dec(t, "1000.01")},
			// 1000.01 × 0.003 × 0.5 = 1.500015
			want: want{"1.50", "0.00", "1.50", "0.00", "1.50", "1.50", "0.00"},
		},
		{
			name: "half cent rounds away from zero",
			in:   Input{Kind: Estimate, Outcome: Normal, Submitted: dec(t, "3"), Audited: dec(t, "3")},
			// 3 × 0.003 × 0.5 = 0.0045 → 0.00; 1.00 → 0.0015 → 0.00
			want: want{"0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"},
		},
		{
			name: "exact half cent rounds up",
			in:   Input{Kind: Estimate, Outcome: Normal, Submitted: dec(t, "10"), Audited: dec(t, "10")},
			// 10 × 0.003 × 0.5 = 0.015 → 0.02
			want: want{"0.02", "0.00", "0.02", "0.00", "0.02", "0.02", "0.00"},
		},
		{
			name: "zero amounts",
			in:   Input{Kind: Settlement, Outcome: Normal, Submitted: dec(t, "0"), Audited: dec(t, "0")},
			want: want{"0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"},
		},
		{
			name: "zero submitted, audited increase capped at the total fee",
			in:   Input{Kind: Settlement, Outcome: Normal, Submitted: dec(t, "0"), Audited: dec(t, "500000")},
			want: want{"0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"},
		},
		{
			name: "one hundred billion yuan",
			in:   Input{Kind: Settlement, Outcome: Normal, Submitted: dec(t, "100000000000"), Audited: dec(t, "90000000000")},
			// bands: 30000 + 80000 + 75000 + 900000 + 99e9×0.0005=49,500,000 → 50,585,000 × 0.5 = 25,292,500
			// reduction: 1e10 × 0.05 × 0.5 = 250,000,000; total 275,292,500
			// excess 1e10 − 5e9 = 5e9 → × 0.025 = 125,000,000
			want: want{"25292500.00", "250000000.00", "275292500.00", "125000000.00", "150292500.00", "275292500.00", "0.00"},
		},
		{
			name: "increase: no reduction fee, contractor pays on the excess increase",
			in:   Input{Kind: Settlement, Outcome: Normal, Submitted: dec(t, "1000000"), Audited: dec(t, "1200000")},
			// basic 1e6 × 0.003 × 0.5 = 1500; |D| 200000 − 50000 = 150000 × 0.025 = 3750 → capped at 1500
			want: want{"1500.00", "0.00", "1500.00", "1500.00", "0.00", "1500.00", "0.00"},
		},
		{
			name: "small increase within 5 percent",
			in:   Input{Kind: Change, Outcome: Normal, Submitted: dec(t, "1000000"), Audited: dec(t, "1040000")},
			want: want{"1500.00", "0.00", "1500.00", "0.00", "1500.00", "1500.00", "0.00"},
		},
		{
			name: "increase beyond 5 percent below the cap",
			in:   Input{Kind: Change, Outcome: Normal, Submitted: dec(t, "1000000"), Audited: dec(t, "1070000")},
			// excess 70000 − 50000 = 20000 × 0.025 = 500
			want: want{"1500.00", "0.00", "1500.00", "500.00", "1000.00", "1500.00", "0.00"},
		},
		{
			name: "returned costs nothing",
			in:   Input{Kind: Settlement, Outcome: Returned, Submitted: dec(t, "12345678.90"), Audited: dec(t, "11000000")},
			want: want{"0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"},
		},
		{
			name: "tracking costs nothing",
			in:   Input{Kind: Tracking, Outcome: Normal, Submitted: dec(t, "12345678.90"), Audited: dec(t, "11000000")},
			want: want{"0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"},
		},
		{
			name: "unilateral pays 80 percent now",
			in:   Input{Kind: Settlement, Outcome: Unilateral, Submitted: dec(t, "12345678.90"), Audited: dec(t, "11000000.00")},
			// 50987.65 × 0.8 = 40790.12
			want: want{"17345.68", "33641.97", "50987.65", "18209.87", "32777.78", "40790.12", "10197.53"},
		},
		{
			name: "unilateral first installment rounds half away from zero",
			in:   Input{Kind: Budget, Outcome: Unilateral, Submitted: dec(t, "2042.10"), Audited: dec(t, "2042.10")},
			// basic 2042.10 × 0.0015 = 3.06315 → 3.06; 3.06 × 0.8 = 2.448 → 2.45
			want: want{"3.06", "0.00", "3.06", "0.00", "3.06", "2.45", "0.61"},
		},
	}
	for _, kind := range []Kind{Estimate, Budget, FinalAccounts, ProcurementFinal, SpecialCheck} {
		tests = append(tests, struct {
			name string
			in   Input
			want want
		}{
			name: "no contractor share for " + string(kind),
			in:   Input{Kind: kind, Outcome: Normal, Submitted: dec(t, "12345678.90"), Audited: dec(t, "11000000.00")},
			want: want{"17345.68", "33641.97", "50987.65", "0.00", "50987.65", "50987.65", "0.00"},
		})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(s, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, r, tc.want)
			if chargeable(tc.in) {
				checkResult(t, computeExact(s, tc.in, true), tc.want)
			}
		})
	}
}

func TestComputeZeroOutcomesHaveNoLines(t *testing.T) {
	for _, in := range []Input{
		{Kind: Settlement, Outcome: Returned, Submitted: decimal.New(5, 6)},
		{Kind: Tracking, Outcome: Unilateral, Submitted: decimal.New(5, 6)},
	} {
		r, err := Compute(Example(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Lines) != 0 || r.ContractorPays || !r.Reduction.IsZero() {
			t.Errorf("%s/%s: lines %d, contractor pays %v, reduction %s; want nothing", in.Kind, in.Outcome, len(r.Lines), r.ContractorPays, r.Reduction)
		}
	}
}

func TestRoundHalfAwayFromZero(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0.005", "0.01"},
		{"0.015", "0.02"},
		{"2.675", "2.68"},
		{"1.004999", "1.00"},
		{"17345.6789", "17345.68"},
		{"-0.005", "-0.01"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := dec(t, tc.in).Round(2).StringFixed(2); got != tc.want {
				t.Errorf("round2(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
	t.Run("integer division rounds the same way", func(t *testing.T) {
		cases := []struct{ lo, div, want uint64 }{{5, 10, 1}, {4, 10, 0}, {15, 10, 2}, {149, 100, 1}, {150, 100, 2}, {0, 7, 0}}
		for _, c := range cases {
			if got, ok := roundDiv(0, c.lo, c.div); !ok || got != c.want {
				t.Errorf("roundDiv(%d, %d) = %d, %v; want %d", c.lo, c.div, got, ok, c.want)
			}
		}
	})
}

func TestComputeRefusesBadInput(t *testing.T) {
	s := Example()
	ok := Input{Kind: Settlement, Outcome: Normal, Submitted: decimal.New(1, 0), Audited: decimal.New(1, 0)}
	tests := []struct {
		name  string
		edit  func(*Input)
		field string
	}{
		{"unknown kind", func(in *Input) { in.Kind = "review" }, "kind"},
		{"empty kind", func(in *Input) { in.Kind = "" }, "kind"},
		{"unknown outcome", func(in *Input) { in.Outcome = "done" }, "outcome"},
		{"negative submitted", func(in *Input) { in.Submitted = decimal.New(-1, 0) }, "submitted"},
		{"three decimals audited", func(in *Input) { in.Audited = decimal.New(1, -3) }, "audited"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			tc.edit(&in)
			_, err := Compute(s, in)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("error = %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
	t.Run("trailing zeros beyond two places are fine", func(t *testing.T) {
		in := ok
		in.Submitted = dec(t, "12345678.9000")
		r, err := Compute(s, in)
		if err != nil {
			t.Fatal(err)
		}
		if r.BasicFee.StringFixed(2) != "17345.68" {
			t.Errorf("basic = %s", r.BasicFee)
		}
	})
	t.Run("empty schedule", func(t *testing.T) {
		_, err := Compute(Schedule{}, ok)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "bands" {
			t.Fatalf("error = %v, want a FieldError on bands", err)
		}
	})
}

// randomSchedule builds a valid schedule with 1–6 bands and rates of up to six
// decimals.
func randomSchedule(rng *rand.Rand) Schedule {
	ratio := func(maxPlaces int) decimal.Decimal {
		p := rng.Intn(maxPlaces + 1)
		scale := int64(1)
		for range p {
			scale *= 10
		}
		return decimal.New(rng.Int63n(scale+1), -int32(p))
	}
	s := Schedule{
		Name: "random", EffectiveFrom: "2020-01-01",
		Discount: ratio(3), ReductionRate: ratio(4), PenaltyThreshold: ratio(3), UnilateralFirstRatio: ratio(2),
	}
	n := 1 + rng.Intn(6)
	upTo := int64(0)
	for i := 0; i < n; i++ {
		b := Band{Rate: ratio(6)}
		if i < n-1 {
			upTo += 1 + rng.Int63n(1_000_000_000_00)
			u := decimal.New(upTo, -2)
			b.UpTo = &u
		}
		s.Bands = append(s.Bands, b)
	}
	return s
}

func randomAmount(rng *rand.Rand) decimal.Decimal {
	switch rng.Intn(4) {
	case 0:
		return decimal.New(rng.Int63n(100_000_00), -2)
	case 1:
		return decimal.New(rng.Int63n(1_000_000_000_00), -2)
	case 2:
		return decimal.New(rng.Int63n(1_000_000_000_000_00), -2)
	default:
		return decimal.New(rng.Int63n(1000), int32(rng.Intn(4)))
	}
}

func TestComputeProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(20180315))
	kinds := Kinds()
	outcomes := []Outcome{Normal, Unilateral}
	for i := 0; i < 20000; i++ {
		s := randomSchedule(rng)
		if err := s.Validate(); err != nil {
			t.Fatalf("random schedule invalid: %v", err)
		}
		in := Input{
			Kind: kinds[rng.Intn(len(kinds))], Outcome: outcomes[rng.Intn(len(outcomes))],
			Submitted: randomAmount(rng), Audited: randomAmount(rng),
		}
		r, err := Compute(s, in)
		if err != nil {
			t.Fatalf("compute %+v: %v", in, err)
		}
		exact := Result{}
		if chargeable(in) {
			exact = computeExact(s, in, true)
		}
		// The same schedule with the figures ParseSchedule keeps.
		parsed := s
		parsed.fast = newFastSchedule(s)
		kept, err := Compute(parsed, in)
		if err != nil {
			t.Fatalf("compute %+v with kept figures: %v", in, err)
		}
		checks := []struct {
			name string
			ok   bool
		}{
			{"total = basic + reduction", r.TotalFee.Equal(r.BasicFee.Add(r.ReductionFee))},
			{"finance + contractor = total", r.TotalFee.Equal(r.FinanceShare.Add(r.ContractorShare))},
			{"now + later = total", r.TotalFee.Equal(r.PayableNow.Add(r.PayableLater))},
			{"contractor ≤ total", r.ContractorShare.Cmp(r.TotalFee) <= 0},
			{"nothing negative", r.BasicFee.Sign() >= 0 && r.ReductionFee.Sign() >= 0 && r.ContractorShare.Sign() >= 0 &&
				r.FinanceShare.Sign() >= 0 && r.PayableNow.Sign() >= 0 && r.PayableLater.Sign() >= 0},
			{"figures have two decimals", hasAtMostTwoPlaces(r.TotalFee) && hasAtMostTwoPlaces(r.PayableNow) && hasAtMostTwoPlaces(r.ContractorShare)},
			{"segments add up to S", sumSegments(r.Lines).Equal(in.Submitted) || (in.Kind == Tracking && len(r.Lines) == 0)},
			{"fast path agrees with exact", sameResult(r, exact)},
			{"kept figures agree with exact", sameResult(kept, exact)},
			{"contractor only for settlement and change", r.ContractorShare.IsZero() || in.Kind == Settlement || in.Kind == Change},
		}
		for _, c := range checks {
			if !c.ok {
				t.Fatalf("%s fails for %+v with schedule %+v:\n got   %+v\n exact %+v", c.name, in, s, r, exact)
			}
		}
	}
}

func TestBasicFeeNonDecreasing(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 2000; i++ {
		s := randomSchedule(rng)
		a, b := randomAmount(rng), randomAmount(rng)
		if a.Cmp(b) > 0 {
			a, b = b, a
		}
		ra, err := ComputeTotals(s, Input{Kind: Budget, Outcome: Normal, Submitted: a, Audited: a})
		if err != nil {
			t.Fatal(err)
		}
		rb, err := ComputeTotals(s, Input{Kind: Budget, Outcome: Normal, Submitted: b, Audited: b})
		if err != nil {
			t.Fatal(err)
		}
		if ra.BasicFee.Cmp(rb.BasicFee) > 0 {
			t.Fatalf("basic fee(%s) = %s > basic fee(%s) = %s", a, ra.BasicFee, b, rb.BasicFee)
		}
	}
}

func TestComputeFallsBackForHugeAmounts(t *testing.T) {
	s := Example()
	huge := dec(t, "999999999999999999.99") // 18 integer digits: beyond the fast path
	in := Input{Kind: Settlement, Outcome: Unilateral, Submitted: huge, Audited: decimal.New(0, 0)}
	if _, ok := computeFast(s, in, false); ok {
		t.Fatal("fast path accepted an amount that does not fit")
	}
	r, err := Compute(s, in)
	if err != nil {
		t.Fatal(err)
	}
	// bands: 1,085,000 + (999999999999999999.99 − 1e9) × 0.0005 = 500,000,000,000,585,000 − 0.000005 + …
	if !r.TotalFee.Equal(r.BasicFee.Add(r.ReductionFee)) || !r.TotalFee.Equal(r.PayableNow.Add(r.PayableLater)) {
		t.Errorf("totals do not add up: %+v", r)
	}
	if got := r.ReductionFee.StringFixed(2); got != "25000000000000000.00" {
		t.Errorf("reduction fee = %s, want 25000000000000000.00", got)
	}
}

// chargeable reports whether the formulas apply at all (not returned, not tracking).
func chargeable(in Input) bool { return in.Outcome != Returned && in.Kind != Tracking }

func sumSegments(lines []BandLine) decimal.Decimal {
	var sum decimal.Decimal
	for _, l := range lines {
		sum = sum.Add(l.Segment)
	}
	return sum
}

func sameResult(a, b Result) bool {
	pairs := [][2]decimal.Decimal{
		{a.BasicFee, b.BasicFee}, {a.ReductionFee, b.ReductionFee}, {a.TotalFee, b.TotalFee},
		{a.ContractorShare, b.ContractorShare}, {a.FinanceShare, b.FinanceShare},
		{a.PayableNow, b.PayableNow}, {a.PayableLater, b.PayableLater},
		{a.Reduction, b.Reduction}, {a.Excess, b.Excess},
	}
	for _, p := range pairs {
		if !p[0].Equal(p[1]) {
			return false
		}
	}
	if a.ContractorPays != b.ContractorPays || len(a.Lines) != len(b.Lines) {
		return false
	}
	for i := range a.Lines {
		x, y := a.Lines[i], b.Lines[i]
		if !x.From.Equal(y.From) || !x.Rate.Equal(y.Rate) || !x.Segment.Equal(y.Segment) || !x.Amount.Equal(y.Amount) ||
			(x.UpTo == nil) != (y.UpTo == nil) || (x.UpTo != nil && !x.UpTo.Equal(*y.UpTo)) {
			return false
		}
	}
	return true
}

func TestFigures(t *testing.T) {
	r, err := Compute(Example(), Input{Kind: Settlement, Outcome: Normal, Submitted: decimal.New(1234567890, -2), Audited: decimal.New(11000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Figures()
	want := Figures{"17345.68", "33641.97", "50987.65", "18209.87", "32777.78", "50987.65", "0.00"}
	if got != want {
		t.Errorf("figures = %+v, want %+v", got, want)
	}
	zero := Result{}.Figures()
	if zero.TotalFee != "0.00" || zero.PayableLater != "0.00" {
		t.Errorf("zero figures = %+v", zero)
	}
}

func benchInput() Input {
	return Input{Kind: Settlement, Outcome: Unilateral, Submitted: decimal.New(1234567890, -2), Audited: decimal.New(11000000, 0)}
}

// BenchmarkCompute measures one fee computation with band lines on the
// five-band example schedule.
func BenchmarkCompute(b *testing.B) {
	s, in := Example(), benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(s, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkComputeTotals measures one computation without band lines.
func BenchmarkComputeTotals(b *testing.B) {
	s, in := Example(), benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ComputeTotals(s, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkComputeExact measures the decimal reference path, for comparison.
func BenchmarkComputeExact(b *testing.B) {
	s, in := Example(), benchInput()
	b.ReportAllocs()
	for b.Loop() {
		computeExact(s, in, true)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// TestComputeFullBandLines checks what a parsed schedule computes once for
// the integer path (scaled figures and each band's full line): the same
// results, written the same way, as figures computed for each review, and
// ignored once any figure of the schedule is changed.
func TestComputeFullBandLines(t *testing.T) {
	changed := func(f func(s *Schedule)) Schedule {
		s := Example()
		s.Bands = slices.Clone(s.Bands)
		f(&s)
		return s
	}
	schedules := []struct {
		name string
		s    Schedule
	}{
		{"parsed", Example()},
		{"rate changed after parsing", changed(func(s *Schedule) { s.Bands[1].Rate = dec(t, "0.004") })},
		{"rate rewritten with more places", changed(func(s *Schedule) { s.Bands[0].Rate = dec(t, "0.0030") })},
		{"limit changed after parsing", changed(func(s *Schedule) { u := dec(t, "20000000"); s.Bands[0].UpTo = &u })},
		{"limit rewritten in place", changed(func(s *Schedule) { *s.Bands[1].UpTo = dec(t, "60000000") })},
		{"discount changed after parsing", changed(func(s *Schedule) { s.Discount = dec(t, "0.8") })},
		{"reduction rate changed after parsing", changed(func(s *Schedule) { s.ReductionRate = dec(t, "0.07") })},
		{"threshold changed after parsing", changed(func(s *Schedule) { s.PenaltyThreshold = dec(t, "0.03") })},
		{"first ratio changed after parsing", changed(func(s *Schedule) { s.UnilateralFirstRatio = dec(t, "0.6") })},
	}
	amounts := []string{"0.01", "9999999.99", "10000000", "10000000.01", "50000000", "123456789.12", "1000000000", "7654321098.76"}
	for _, sc := range schedules {
		plain := sc.s
		plain.fast = nil
		for i, a := range amounts {
			outcome := []Outcome{Normal, Unilateral}[i%2]
			in := Input{Kind: Settlement, Outcome: outcome, Submitted: dec(t, a), Audited: dec(t, "0.01")}
			got, err := Compute(sc.s, in)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := Compute(plain, in)
			if !sameResult(got, want) || !sameResult(got, computeExact(sc.s, in, true)) {
				t.Errorf("%s, S=%s: lines differ from the lines computed for the review", sc.name, a)
				continue
			}
			for i := range got.Lines {
				g, w := got.Lines[i], want.Lines[i]
				if g.Segment.String() != w.Segment.String() || g.Amount.String() != w.Amount.String() ||
					g.Amount.Exponent() != w.Amount.Exponent() {
					t.Errorf("%s, S=%s, band %d: segment %s amount %s (exp %d), want %s %s (exp %d)", sc.name, a, i,
						g.Segment, g.Amount, g.Amount.Exponent(), w.Segment, w.Amount, w.Amount.Exponent())
				}
			}
		}
	}
	if s := Example(); s.fast == nil || !s.fast.ok || !s.fast.matches(s) {
		t.Errorf("the parsed example keeps no figures for the integer path: %+v", s.fast)
	}
}

// TestParseCodes: a kind or outcome code is taken as it is; any other is
// refused with the codes allowed.
func TestParseCodes(t *testing.T) {
	for _, k := range Kinds() {
		if got, err := ParseKind(string(k)); got != k || err != nil {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	for _, o := range Outcomes() {
		if got, err := ParseOutcome(string(o)); got != o || err != nil {
			t.Errorf("ParseOutcome(%q) = %q, %v", o, got, err)
		}
	}
	_, err := ParseKind("Settlement")
	if !errors.Is(err, ErrUnknownKind) || !strings.Contains(err.Error(), `"Settlement"(可选值:estimate, budget, settlement`) {
		t.Errorf("ParseKind(Settlement) = %v", err)
	}
	_, err = ParseOutcome("")
	if !errors.Is(err, ErrUnknownOutcome) || !strings.Contains(err.Error(), `""(可选值:normal, returned, unilateral)`) {
		t.Errorf("ParseOutcome(\"\") = %v", err)
	}
}
