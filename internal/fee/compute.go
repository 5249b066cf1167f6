package fee

import (
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// Input is what the fee of one review depends on besides the schedule.
type Input struct {
	Kind      Kind
	Outcome   Outcome
	Submitted decimal.Decimal // S, 送审金额, yuan
	Audited   decimal.Decimal // A, 审定金额, yuan
}

// BandLine is one line of the progressive table on a fee statement.
type BandLine struct {
	From    decimal.Decimal  // the previous band's up_to; 0 for the first band
	UpTo    *decimal.Decimal // nil for the open last band
	Rate    decimal.Decimal
	Segment decimal.Decimal // the part of S inside (From, UpTo]
	Amount  decimal.Decimal // Segment × Rate, exact: before the discount and unrounded
}

// Result is the fee of one review. Every fee field is rounded half away from
// zero to 0.01 yuan once, as its own line, and the totals are sums of rounded
// lines, so a statement adds up to the cent:
//
//	TotalFee = BasicFee + ReductionFee
//	TotalFee = ContractorShare + FinanceShare = PayableNow + PayableLater
//
// Reduction and Excess are formula inputs shown on the statement; they are
// exact, not rounded (Excess may carry more than two decimals, e.g.
// 728394.955).
type Result struct {
	BasicFee        decimal.Decimal // 基本付费额
	ReductionFee    decimal.Decimal // 核减追加付费额
	TotalFee        decimal.Decimal // what the review center pays the firm
	ContractorShare decimal.Decimal // 施工单位承担, deducted from the contractor's settlement
	FinanceShare    decimal.Decimal // 同级财政预算安排
	PayableNow      decimal.Decimal
	PayableLater    decimal.Decimal // after the formal conclusion (unilateral only)

	Reduction decimal.Decimal // D = S − A; negative for an increase (核增)
	Excess    decimal.Decimal // max(|D| − penalty_threshold × S, 0)

	// Lines are the bands S reaches into, lowest first; nil from ComputeTotals.
	Lines []BandLine
	// ContractorPays reports whether the 5% rule applies to this review
	// (a charged settlement or change), even when the share comes to 0.00.
	ContractorPays bool
}

// Compute applies FEES.md formulas 1–8 to one review. The schedule must be
// valid (ParseSchedule and Validate guarantee it). A returned review or a
// tracking review costs nothing: every figure is 0.00. Input errors are
// *FieldError naming kind, outcome, submitted or audited.
func Compute(s Schedule, in Input) (Result, error) {
	return compute(s, in, true)
}

// ComputeTotals is Compute without the band lines, for lists and bulk work
// where only the figures matter.
func ComputeTotals(s Schedule, in Input) (Result, error) {
	return compute(s, in, false)
}

func compute(s Schedule, in Input, withLines bool) (Result, error) {
	if err := in.validate(); err != nil {
		return Result{}, err
	}
	if in.Outcome == Returned || in.Kind == Tracking {
		return Result{}, nil
	}
	if len(s.Bands) == 0 {
		return Result{}, fieldErr("bands", "至少需要一个分段")
	}
	if r, ok := computeFast(s, in, withLines); ok {
		return r, nil
	}
	return computeExact(s, in, withLines), nil
}

func (in Input) validate() error {
	if !in.Kind.valid() {
		_, err := ParseKind(string(in.Kind))
		return fieldErr("kind", "%s", err.Error())
	}
	if !in.Outcome.valid() {
		_, err := ParseOutcome(string(in.Outcome))
		return fieldErr("outcome", "%s", err.Error())
	}
	amounts := [2]struct {
		field string
		value decimal.Decimal
	}{{"submitted", in.Submitted}, {"audited", in.Audited}}
	for _, a := range amounts {
		if a.value.Sign() < 0 {
			return fieldErr(a.field, "金额不能为负数")
		}
		if !hasAtMostTwoPlaces(a.value) {
			return fieldErr(a.field, "金额最多两位小数")
		}
	}
	return nil
}

// computeExact is the reference: the formulas written directly in decimal
// arithmetic. It handles any size; computeFast must agree with it.
func computeExact(s Schedule, in Input, withLines bool) Result {
	S, A := in.Submitted, in.Audited
	var r Result
	var sum, from decimal.Decimal
	for _, b := range s.Bands {
		if S.Cmp(from) <= 0 {
			break
		}
		top := S
		if b.UpTo != nil && b.UpTo.Cmp(S) < 0 {
			top = *b.UpTo
		}
		seg := top.Sub(from)
		amount := seg.Mul(b.Rate)
		sum = sum.Add(amount)
		if withLines {
			r.Lines = append(r.Lines, BandLine{From: from, UpTo: copyDecimal(b.UpTo), Rate: b.Rate, Segment: seg, Amount: amount})
		}
		if b.UpTo == nil {
			break
		}
		from = *b.UpTo
	}
	r.BasicFee = s.Discount.Mul(sum).Round(2)

	r.Reduction = S.Sub(A)
	r.ReductionFee = decimal.New(0, -2)
	if r.Reduction.Sign() > 0 {
		r.ReductionFee = s.Discount.Mul(r.Reduction).Mul(s.ReductionRate).Round(2)
	}
	r.TotalFee = r.BasicFee.Add(r.ReductionFee)

	r.Excess = r.Reduction.Abs().Sub(s.PenaltyThreshold.Mul(S))
	if r.Excess.Sign() < 0 {
		r.Excess = decimal.Decimal{}
	}
	r.ContractorShare = decimal.New(0, -2)
	r.ContractorPays = in.Kind.billsContractor()
	if r.ContractorPays {
		r.ContractorShare = decimal.Min(s.Discount.Mul(r.Excess).Mul(s.ReductionRate).Round(2), r.TotalFee)
	}
	r.FinanceShare = r.TotalFee.Sub(r.ContractorShare)

	r.PayableNow, r.PayableLater = r.TotalFee, decimal.New(0, -2)
	if in.Outcome == Unilateral {
		r.PayableNow = r.TotalFee.Mul(s.UnilateralFirstRatio).Round(2)
		r.PayableLater = r.TotalFee.Sub(r.PayableNow)
	}
	return r
}

// computeFast computes the same figures as computeExact in fixed-point
// integers (amounts in cents, rates scaled to integers, 128-bit products),
// which is several times faster and allocates only the results. It reports
// false when a value does not fit, and the caller falls back to computeExact.
func computeFast(s Schedule, in Input, withLines bool) (Result, bool) {
	var r Result
	f := s.fast
	if !f.matches(s) {
		f = newFastSchedule(s)
	}
	if !f.ok {
		return r, false
	}
	sC, ok := scaled(in.Submitted, 2)
	if !ok {
		return r, false
	}
	aC, ok := scaled(in.Audited, 2)
	if !ok {
		return r, false
	}

	// 1. basic fee: round(Σ segment_cents × rate × discount).
	var upTos []decimal.Decimal // one block for the lines' UpTo copies
	var fromDec decimal.Decimal
	if withLines {
		r.Lines = make([]BandLine, 0, len(s.Bands))
		upTos = make([]decimal.Decimal, len(s.Bands))
	}
	var hi, lo, from uint64
	for i, b := range s.Bands {
		if sC <= from {
			break
		}
		fb := &f.bands[i]
		top := sC
		if fb.bounded {
			top = min(top, fb.upTo)
		}
		seg := top - from
		ph, pl := bits.Mul64(seg, fb.k)
		var carry uint64
		lo, carry = bits.Add64(lo, pl, 0)
		hi, carry = bits.Add64(hi, ph, carry)
		if carry != 0 {
			return r, false
		}
		if withLines {
			line := BandLine{From: fromDec, Rate: b.Rate}
			if fb.bounded && top == fb.upTo {
				line.Segment, line.Amount = fb.segment, fb.amount
			} else {
				line.Segment = decimal.New(int64(seg), -2)
				line.Amount = lineAmount(line.Segment, seg, b.Rate)
			}
			if b.UpTo != nil {
				upTos[i] = *b.UpTo
				line.UpTo = &upTos[i]
			}
			r.Lines = append(r.Lines, line)
		}
		if !fb.bounded {
			break
		}
		from, fromDec = fb.upTo, fb.upToDec
	}
	basic, ok := roundDiv(hi, lo, pow10(f.ratePlaces+f.discPlaces))
	if !ok {
		return r, false
	}

	// 2–3. reduction fee and total; k is discount × reduction_rate, scaled
	// by 10^(rrPlaces+discPlaces).
	var reduction uint64
	if sC > aC {
		h, l := bits.Mul64(sC-aC, f.k)
		if reduction, ok = roundDiv(h, l, pow10(f.rrPlaces+f.discPlaces)); !ok {
			return r, false
		}
	}
	total, carry := bits.Add64(basic, reduction, 0)
	if carry != 0 || total > math.MaxInt64 {
		return r, false
	}

	// 4. excess over the threshold, scaled by 10^(2+ptPlaces), and the
	// contractor's share.
	absD := max(sC, aC) - min(sC, aC)
	dh, dl := bits.Mul64(absD, pow10(f.ptPlaces))
	th, tl := bits.Mul64(f.pt, sC)
	var excess uint64
	if dh > th || (dh == th && dl > tl) {
		var borrow, eh uint64
		excess, borrow = bits.Sub64(dl, tl, 0)
		eh, _ = bits.Sub64(dh, th, borrow)
		if eh != 0 || excess > math.MaxInt64 {
			return r, false
		}
	}
	var contractor uint64
	r.ContractorPays = in.Kind.billsContractor()
	if r.ContractorPays && excess > 0 {
		h, l := bits.Mul64(excess, f.k)
		if contractor, ok = roundDiv(h, l, pow10(f.ptPlaces+f.rrPlaces+f.discPlaces)); !ok {
			return r, false
		}
		contractor = min(contractor, total)
	}

	// 7. installments.
	now := total
	if in.Outcome == Unilateral {
		h, l := bits.Mul64(total, f.u)
		if now, ok = roundDiv(h, l, pow10(f.uPlaces)); !ok || now > total {
			return r, false
		}
	}

	// Equal figures share one Decimal (they are immutable), saving allocations.
	r.BasicFee = money(basic)
	r.ReductionFee = money(reduction)
	switch total {
	case basic:
		r.TotalFee = r.BasicFee
	case reduction:
		r.TotalFee = r.ReductionFee
	default:
		r.TotalFee = money(total)
	}
	r.ContractorShare = money(contractor)
	r.FinanceShare = r.TotalFee
	if contractor > 0 {
		r.FinanceShare = money(total - contractor)
	}
	r.PayableNow = r.TotalFee
	if now != total {
		r.PayableNow = money(now)
		r.PayableLater = money(total - now)
	}
	if sC != aC {
		r.Reduction = decimal.New(int64(sC)-int64(aC), -2)
	}
	if excess > 0 {
		r.Excess = decimal.New(int64(excess), -int32(2+f.ptPlaces))
	}
	return r, true
}

// fastSchedule is a schedule's figures as computeFast uses them: scaled
// integers, and each bounded band's line for an amount that passes its top,
// which is the same for every review. ParseSchedule builds it once per
// schedule; Compute builds one afresh for a schedule whose figures were
// changed after parsing or that was never parsed.
type fastSchedule struct {
	// ok is false when a figure does not fit the fast path.
	ok bool
	// The figures it was built from. A Decimal never changes once made, so
	// a schedule holding the same Decimals holds the same figures.
	discount, reductionRate, threshold, firstRatio decimal.Decimal

	disc, pt, u                             uint64 // scaled by 10^their places
	k                                       uint64 // discount × reduction_rate, scaled by 10^(rrPlaces+discPlaces)
	discPlaces, rrPlaces, ptPlaces, uPlaces int
	ratePlaces                              int // the most precise band rate's places
	bands                                   []fastBand
}

// fastBand is one band of a fastSchedule.
type fastBand struct {
	rate    decimal.Decimal // as built from
	bounded bool            // false for the open last band
	upToDec decimal.Decimal // as built from, when bounded
	upTo    uint64          // cents, when bounded
	k       uint64          // rate × discount, scaled by 10^(ratePlaces+discPlaces)
	// segment and amount are the band's line when S passes its top.
	segment, amount decimal.Decimal
}

// matches reports whether f was built from s's figures as they are now.
func (f *fastSchedule) matches(s Schedule) bool {
	if f == nil || len(f.bands) != len(s.Bands) || f.discount != s.Discount || f.reductionRate != s.ReductionRate ||
		f.threshold != s.PenaltyThreshold || f.firstRatio != s.UnilateralFirstRatio {
		return false
	}
	for i, b := range s.Bands {
		fb := &f.bands[i]
		if fb.rate != b.Rate || fb.bounded != (b.UpTo != nil) || (fb.bounded && fb.upToDec != *b.UpTo) {
			return false
		}
	}
	return true
}

// newFastSchedule builds s's figures for computeFast; ok is false when one
// does not fit, or the limits do not increase.
func newFastSchedule(s Schedule) *fastSchedule {
	f := &fastSchedule{discount: s.Discount, reductionRate: s.ReductionRate, threshold: s.PenaltyThreshold,
		firstRatio: s.UnilateralFirstRatio, bands: make([]fastBand, len(s.Bands))}
	var ok bool
	var rr uint64
	if f.disc, f.discPlaces, ok = ratio(s.Discount); !ok {
		return f
	}
	if rr, f.rrPlaces, ok = ratio(s.ReductionRate); !ok || f.rrPlaces+f.discPlaces > 18 {
		return f
	}
	if f.pt, f.ptPlaces, ok = ratio(s.PenaltyThreshold); !ok || f.ptPlaces+f.rrPlaces+f.discPlaces > 18 {
		return f
	}
	if f.u, f.uPlaces, ok = ratio(s.UnilateralFirstRatio); !ok {
		return f
	}
	var kh uint64
	if kh, f.k = bits.Mul64(rr, f.disc); kh != 0 {
		return f
	}
	for _, b := range s.Bands {
		f.ratePlaces = max(f.ratePlaces, places(b.Rate))
	}
	if f.ratePlaces+f.discPlaces > 18 {
		return f
	}
	var from uint64
	for i, b := range s.Bands {
		fb := &f.bands[i]
		fb.rate = b.Rate
		rate, ok := scaled(b.Rate, f.ratePlaces)
		if !ok {
			return f
		}
		if kh, fb.k = bits.Mul64(rate, f.disc); kh != 0 {
			return f
		}
		if b.UpTo == nil {
			continue
		}
		fb.bounded, fb.upToDec = true, *b.UpTo
		if fb.upTo, ok = scaled(*b.UpTo, 2); !ok || fb.upTo <= from {
			return f
		}
		fb.segment = decimal.New(int64(fb.upTo-from), -2)
		fb.amount = lineAmount(fb.segment, fb.upTo-from, b.Rate)
		from = fb.upTo
	}
	f.ok = true
	return f
}

// lineAmount is segment × rate, exact, as segment.Mul(rate) writes it
// (the exponents add), from the segment in cents when the product fits in
// an int64: one small integer instead of a big-number multiplication.
func lineAmount(segment decimal.Decimal, cents uint64, rate decimal.Decimal) decimal.Decimal {
	p := places(rate)
	r, ok := scaled(rate, p)
	if !ok {
		return segment.Mul(rate)
	}
	h, l := bits.Mul64(cents, r)
	if h != 0 || l > math.MaxInt64 {
		return segment.Mul(rate)
	}
	return decimal.New(int64(l), -int32(2+p))
}

// money turns cents into yuan; zero stays the zero Decimal, which costs no
// allocation.
func money(cents uint64) decimal.Decimal {
	if cents == 0 {
		return decimal.Decimal{}
	}
	return decimal.New(int64(cents), -2)
}

func copyDecimal(d *decimal.Decimal) *decimal.Decimal {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

// places is the number of decimal places d is written with.
func places(d decimal.Decimal) int {
	return max(0, -int(d.Exponent()))
}

// ratio returns d as an integer scaled by 10^places.
func ratio(d decimal.Decimal) (v uint64, p int, ok bool) {
	p = places(d)
	if p > 18 {
		return 0, 0, false
	}
	v, ok = scaled(d, p)
	return v, p, ok
}

// scaled returns d × 10^p when that is a whole number below 2^63.
func scaled(d decimal.Decimal, p int) (uint64, bool) {
	if d.Sign() < 0 || d.NumDigits() > 18 {
		return 0, false
	}
	c := uint64(d.CoefficientInt64())
	shift := int(d.Exponent()) + p
	switch {
	case shift == 0:
		return c, true
	case shift > 0:
		if shift > 18 {
			return 0, false
		}
		h, l := bits.Mul64(c, pow10(shift))
		if h != 0 || l > math.MaxInt64 {
			return 0, false
		}
		return l, true
	default:
		if -shift > 18 {
			return 0, false
		}
		q := pow10(-shift)
		if c%q != 0 {
			return 0, false
		}
		return c / q, true
	}
}

// roundDiv divides the 128-bit value hi:lo by div, rounding half away from
// zero, and reports false when the quotient does not fit below 2^63.
func roundDiv(hi, lo, div uint64) (uint64, bool) {
	if hi >= div {
		return 0, false
	}
	q, rem := bits.Div64(hi, lo, div)
	if rem >= div-rem {
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return q, true
}

// pow10 returns 10^n for 0 ≤ n ≤ 19.
func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}
