package fee

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in      string
		want    string // empty: refused
		tooLong bool
	}{
		{"0", "0", false},
		{"12345678.90", "12345678.9", false},
		{"5.5", "5.5", false},
		{"007", "7", false},
		{"999999999999999999.99", "999999999999999999.99", false},
		{"0000000000000000000001.00", "1", false},
		{"1000000000000000000", "", true},
		{"", "", false},
		{"-1", "", false},
		{"+5", "", false},
		{"1.005", "", false},
		{"1e3", "", false},
		{".5", "", false},
		{"5.", "", false},
		{" 5", "", false},
		{"1,000", "", false},
		{"１２", "", false},
		{"0x10", "", false},
		{"NaN", "", false},
	}
	for _, tc := range tests {
		t.Run("amount "+tc.in, func(t *testing.T) {
			d, err := ParseAmount(tc.in)
			switch {
			case tc.want != "":
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !d.Equal(dec(t, tc.want)) {
					t.Errorf("= %s, want %s", d, tc.want)
				}
			case tc.tooLong:
				if !errors.Is(err, ErrAmountTooLarge) {
					t.Errorf("error = %v, want ErrAmountTooLarge", err)
				}
			default:
				if !errors.Is(err, ErrInvalidAmount) {
					t.Errorf("error = %v, want ErrInvalidAmount", err)
				}
			}
		})
	}
}

func TestParseAmountLenient(t *testing.T) {
	tests := []struct{ in, want string }{
		{"12,345,678.90", "12345678.90"},
		{"  1,000 ", "1000"},
		{"999", "999"},
		{"1234567", "1234567"},
		{"\t0.5\n", "0.5"},
		{"1,23,456", ""},
		{"12,3456", ""},
		{"1,000.", ""},
		{",100", ""},
		{"100,", ""},
		{"0,100", ""},
		{"1,000.123", ""},
		{"-1,000", ""},
		{"1 000", ""},
		{"1,000,000,000,000,000,000", ""},
	}
	for _, tc := range tests {
		t.Run("amount "+tc.in, func(t *testing.T) {
			d, err := ParseAmountLenient(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("accepted as %s", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !d.Equal(dec(t, tc.want)) {
				t.Errorf("= %s, want %s", d, tc.want)
			}
		})
	}
}

var amountPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

func FuzzParseAmount(f *testing.F) {
	for _, seed := range []string{"0", "12345678.90", "1.5", "1.005", "-1", "+5", "1e3", ".5", "", "5.", "999999999999999999.99",
		"1000000000000000000", "00000000000000000000000.1", "1,000.00", " 7 ", "٣",
		// What hostile clients send.
		"99999999999999999999", "9223372036854775807.00", "-0", "1e400", "NaN", "Inf", "0x10", "1\x00", "\x00", "\u202e100",
		"100\u200e", "\xff\xfe", "１００.００", "1.0\n", "1..0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAmount(s)
		integer, _, _ := strings.Cut(s, ".")
		significant := strings.TrimLeft(integer, "0")
		wantOK := amountPattern.MatchString(s) && len(significant) <= MaxIntegerDigits
		if (err == nil) != wantOK {
			t.Fatalf("ParseAmount(%q) error = %v, pattern says ok = %v", s, err, wantOK)
		}
		if err != nil {
			return
		}
		ref, rerr := decimal.NewFromString(s)
		if rerr != nil || !d.Equal(ref) || d.Sign() < 0 || !hasAtMostTwoPlaces(d) {
			t.Fatalf("ParseAmount(%q) = %s", s, d)
		}
		// What the strict parser accepts, the lenient one accepts as well.
		if l, lerr := ParseAmountLenient(s); lerr != nil || !l.Equal(d) {
			t.Fatalf("ParseAmountLenient(%q) = %s, %v", s, l, lerr)
		}
	})
}

func FuzzParseAmountLenient(f *testing.F) {
	for _, seed := range []string{"12,345,678.90", " 1,000 ", "1,23,456", "0,100", "1,000.123"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAmountLenient(s)
		if err != nil {
			return
		}
		// Whatever is accepted is a plain amount once spaces and separators go.
		plain := strings.ReplaceAll(strings.TrimSpace(s), ",", "")
		if !amountPattern.MatchString(plain) {
			t.Fatalf("ParseAmountLenient(%q) accepted %s", s, d)
		}
		if ref, rerr := ParseAmount(plain); rerr != nil || !ref.Equal(d) {
			t.Fatalf("ParseAmountLenient(%q) = %s, ParseAmount(%q) = %s, %v", s, d, plain, ref, rerr)
		}
	})
}
