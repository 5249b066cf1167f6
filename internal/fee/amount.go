package fee

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// MaxIntegerDigits is the most integer digits an amount may have: money is
// stored as DECIMAL(20,2).
const MaxIntegerDigits = 18

// ErrInvalidAmount is returned for an amount that is not plain digits with an
// optional point and one or two decimals.
var ErrInvalidAmount = errors.New("金额格式不正确,应为非负数字,最多两位小数(如 12345678.90)")

// ErrAmountTooLarge is returned for an amount with more than MaxIntegerDigits
// integer digits.
var ErrAmountTooLarge = errors.New("金额过大,整数部分最多 18 位")

// ParseAmount parses an amount in yuan written as ^[0-9]+(\.[0-9]{1,2})?$,
// with at most MaxIntegerDigits significant integer digits. Signs, exponents,
// spaces, separators and a bare point are refused.
func ParseAmount(s string) (decimal.Decimal, error) {
	intDigits, ok := amountShape(s)
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrInvalidAmount, s)
	}
	if intDigits > MaxIntegerDigits {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrAmountTooLarge, s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrInvalidAmount, s)
	}
	return d, nil
}

// ParseAmountLenient is ParseAmount for what people type into forms: it
// trims surrounding white space and accepts thousands separators written
// correctly, "12,345,678.90" but not "1,23,456" or "12,3456".
func ParseAmountLenient(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if strings.Contains(t, ",") {
		intPart, frac, hasPoint := strings.Cut(t, ".")
		if !groupedThousands(intPart) {
			return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrInvalidAmount, s)
		}
		t = strings.ReplaceAll(intPart, ",", "")
		if hasPoint {
			t += "." + frac
		}
	}
	d, err := ParseAmount(t)
	if err != nil {
		if errors.Is(err, ErrAmountTooLarge) {
			return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrAmountTooLarge, s)
		}
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrInvalidAmount, s)
	}
	return d, nil
}

// amountShape checks s against ^[0-9]+(\.[0-9]{1,2})?$ and returns the number
// of integer digits after leading zeros.
func amountShape(s string) (intDigits int, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	lead := 0
	for lead < i-1 && s[lead] == '0' {
		lead++
	}
	intDigits = i - lead
	if i == len(s) {
		return intDigits, true
	}
	if s[i] != '.' {
		return 0, false
	}
	frac := s[i+1:]
	if len(frac) < 1 || len(frac) > 2 {
		return 0, false
	}
	for j := 0; j < len(frac); j++ {
		if frac[j] < '0' || frac[j] > '9' {
			return 0, false
		}
	}
	return intDigits, true
}

// groupedThousands checks ^[1-9][0-9]{0,2}(,[0-9]{3})+$: a first group of one
// to three digits not starting with 0, then groups of exactly three.
func groupedThousands(s string) bool {
	groups := strings.Split(s, ",")
	if len(groups) < 2 {
		return false
	}
	for i, g := range groups {
		if i == 0 {
			if len(g) < 1 || len(g) > 3 || g[0] == '0' {
				return false
			}
		} else if len(g) != 3 {
			return false
		}
		for j := 0; j < len(g); j++ {
			if g[j] < '0' || g[j] > '9' {
				return false
			}
		}
	}
	return true
}

// hasAtMostTwoPlaces reports whether d is a whole number of cents.
func hasAtMostTwoPlaces(d decimal.Decimal) bool {
	if d.Exponent() >= -2 {
		return true
	}
	return d.Round(2).Equal(d)
}

// FormatAmount writes an amount in yuan as people read it on pages,
// papers, charts and the command line: thousands separators and exactly two
// decimals (12,345,678.90). It is the product's one amount formatter.
func FormatAmount(d decimal.Decimal) string { return Thousands(d.StringFixed(2)) }

// FormatExact writes an unrounded amount (a band's fee before rounding)
// with thousands separators and all its decimals, at least two
// (4,691.3578).
func FormatExact(d decimal.Decimal) string {
	if d.Exponent() > -2 {
		return Thousands(d.StringFixed(2))
	}
	return Thousands(d.String())
}

// Thousands puts "," between groups of three integer digits of a plain
// decimal string ("-1234567.8" → "-1,234,567.8").
func Thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasPoint := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasPoint {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
