package fee

import "testing"

// FuzzCompute checks the integer path against the decimal reference for
// any pair of valid amounts, on the parsed example schedule (whose figures
// are kept from parsing) and on a copy that builds them afresh.
func FuzzCompute(f *testing.F) {
	for _, seed := range [][2]string{
		{"12345678.90", "11000000.00"}, {"0", "0"}, {"0.01", "0"}, {"10000000", "10500000.01"},
		{"50000000.01", "47500000"}, {"1000000000", "1"}, {"999999999999999999.99", "0"},
		{"7654321098.76", "7654321098.76"}, {"100", "105.01"},
	} {
		f.Add(seed[0], seed[1])
	}
	parsed := Example()
	fresh := parsed
	fresh.fast = nil
	f.Fuzz(func(t *testing.T, submitted, audited string) {
		S, err1 := ParseAmount(submitted)
		A, err2 := ParseAmount(audited)
		if err1 != nil || err2 != nil {
			return
		}
		for _, kind := range Kinds() {
			for _, outcome := range []Outcome{Normal, Unilateral} {
				in := Input{Kind: kind, Outcome: outcome, Submitted: S, Audited: A}
				if !chargeable(in) {
					continue
				}
				want := computeExact(parsed, in, true)
				for _, s := range []Schedule{parsed, fresh} {
					got, err := Compute(s, in)
					if err != nil {
						t.Fatalf("Compute(%+v): %v", in, err)
					}
					if !sameResult(got, want) {
						t.Fatalf("Compute(%+v) = %+v, exact %+v", in, got, want)
					}
				}
			}
		}
	})
}
