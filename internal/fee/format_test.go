package fee

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0.00"},
		{"5", "5.00"},
		{"999.5", "999.50"},
		{"1000", "1,000.00"},
		{"12345678.9", "12,345,678.90"},
		{"100000000000", "100,000,000,000.00"},
		{"-1345678.9", "-1,345,678.90"},
		{"0.005", "0.01"},
	}
	for _, tt := range tests {
		if got := FormatAmount(decimal.RequireFromString(tt.in)); got != tt.want {
			t.Errorf("FormatAmount(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
