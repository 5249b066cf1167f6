package docs

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestReduction: the opinion letter's rows and the conclusion's sentence
// read the change, its word and its rate from one place.
func TestReduction(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		submitted, audited string
		change, word, rate string
	}{
		{"8650000.00", "8120000.00", "530000", "审减", "6.13"},
		{"100.00", "110.00", "10", "审增", "10.00"},
		{"300.00", "200.00", "100", "审减", "33.33"},
		{"0.00", "0.00", "0", "审减", ""},
	}
	for _, tc := range tests {
		change, word, rate := reduction(d(tc.submitted), d(tc.audited))
		if !change.Equal(d(tc.change)) || word != tc.word || rate != tc.rate {
			t.Errorf("reduction(%s, %s) = %s %s %q, want %s %s %q", tc.submitted, tc.audited, change, word, rate,
				tc.change, tc.word, tc.rate)
		}
	}
}
