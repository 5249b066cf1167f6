package importer

import "testing"

func TestValidCreditCode(t *testing.T) {
	for _, c := range []struct {
		name string
		code string
		want bool
	}{
		{"a company in Shenzhen", "91440300708461136T", true},
		{"a company in Hangzhou", "91330100716105852F", true},
		{"check character zero", "91150802MA0N4Q0A10", false},
		{"wrong check character", "91440300708461136U", false},
		{"two characters swapped", "91440300708461163T", false},
		{"lower case", "91440300708461136t", false},
		{"letter I is not used", "9144030070846113IT", false},
		{"seventeen characters", "91440300708461136", false},
		{"nineteen characters", "91440300708461136TT", false},
		{"empty", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ValidCreditCode(c.code); got != c.want {
				t.Errorf("ValidCreditCode(%q) = %v, want %v", c.code, got, c.want)
			}
		})
	}
}

func TestValidIDNumber(t *testing.T) {
	for _, c := range []struct {
		name string
		id   string
		want bool
	}{
		{"the standard's example, check X", "11010519491231002X", true},
		{"check digit", "110105194912310029", false},
		{"lower-case x", "11010519491231002x", false},
		{"valid with digit check", "150802198001010012", true},
		{"wrong check digit", "150802198001010013", false},
		{"no such date", "150802198002300011", false},
		{"letters inside", "1508021980010100A4", false},
		{"fifteen digits (old numbers)", "150802800101001", false},
		{"empty", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ValidIDNumber(c.id); got != c.want {
				t.Errorf("ValidIDNumber(%q) = %v, want %v", c.id, got, c.want)
			}
		})
	}
}
