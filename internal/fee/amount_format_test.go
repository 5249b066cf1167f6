package fee_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"finreview/internal/fee"
)

// TestAmountFormatter: the one formatter of amounts for pages, papers,
// charts and the command line.
func TestAmountFormatter(t *testing.T) {
	for in, want := range map[string]string{"0": "0.00", "999.5": "999.50", "1000": "1,000.00",
		"12345678.9": "12,345,678.90", "-1234567.891": "-1,234,567.89"} {
		if got := fee.FormatAmount(decimal.RequireFromString(in)); got != want {
			t.Errorf("FormatAmount(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"4691.3578": "4,691.3578", "1000": "1,000.00", "728394.955": "728,394.955", "0.5": "0.50"} {
		if got := fee.FormatExact(decimal.RequireFromString(in)); got != want {
			t.Errorf("FormatExact(%s) = %s, want %s", in, got, want)
		}
	}
	if got := fee.Thousands("100000.001"); got != "100,000.001" {
		t.Errorf("Thousands = %s", got)
	}
}
