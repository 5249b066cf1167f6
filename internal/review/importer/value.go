package importer

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// maxAmount is the largest amount DECIMAL(20,2) holds.
var maxAmount = decimal.New(1, 18)

// parseAmount reads an amount in yuan. A number cell is taken as the
// shortest decimal that reads back as the same binary number (so 0.1 + 0.2
// stays 0.30000000000000004 and is refused); text may use thousands
// separators. More than two decimal places is refused, never rounded.
func parseAmount(c cell) (decimal.Decimal, string) {
	s := strings.TrimSpace(c.Value)
	if c.Numeric {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return decimal.Decimal{}, "不是有效的金额"
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
	} else {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
		s = strings.ReplaceAll(strings.TrimSuffix(s, "元"), ",", "")
		if !amountText.MatchString(s) {
			return decimal.Decimal{}, "金额格式不正确,应为元为单位的数字,最多两位小数(如 1234567.89)"
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, "不是有效的金额"
	}
	if d.Exponent() < -2 && !d.Equal(d.Truncate(2)) {
		return decimal.Decimal{}, "金额 " + s + " 超过两位小数,请核对后填写到分(不会自动四舍五入)"
	}
	if d.IsNegative() {
		return decimal.Decimal{}, "金额不能为负数"
	}
	if d.GreaterThanOrEqual(maxAmount) {
		return decimal.Decimal{}, "金额过大"
	}
	return d.Truncate(2), ""
}

var amountText = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// excelEpoch is day 0 of Excel's 1900 date system (with its 1900 leap-day
// error: serial 60 is the 29 February 1900 that never was).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

var dateLayouts = []string{"2006-01-02", "2006/01/02", "2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日", "20060102"}

// parseDate reads a date: an Excel date (a number) or text such as
// 2024-03-15, 2024/3/15 or 2024年3月15日. The date is a day in loc.
func parseDate(c cell, loc *time.Location) (time.Time, string) {
	s := strings.TrimSpace(c.Value)
	if c.Numeric && (strings.Contains(s, ".") || len(s) != 8) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 61 || f > 2958465 {
			return time.Time{}, "不是有效的日期"
		}
		if f != math.Trunc(f) {
			f = math.Trunc(f) // a time of day is dropped
		}
		d := excelEpoch.AddDate(0, 0, int(f))
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), ""
	}
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			if t.Year() < 1950 || t.Year() > 2100 {
				return time.Time{}, "日期超出范围"
			}
			return t, ""
		}
	}
	return time.Time{}, "日期格式不正确,应为 2024-03-15"
}

// textValue is a cell as text: a number cell as its shortest decimal
// (a phone number typed as a number reads 13800000000, not 1.38E+10).
func textValue(c cell) string {
	s := strings.TrimSpace(c.Value)
	if c.Numeric && s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return s
}

// splitList splits a cell listing several values (、,,;; or spaces).
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ',' || r == '\uFF0C' || r == ';' || r == '\uFF1B' || r == ' ' || r == '\n'
	})
	out := f[:0]
	for _, v := range f {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
