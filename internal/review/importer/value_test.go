package importer

import (
	"testing"
	"time"
)

func TestParseAmount(t *testing.T) {
	for _, c := range []struct {
		name string
		cell cell
		want string // "" means refused
	}{
		{"number with two places", cell{Value: "12345.67", Numeric: true}, "12345.67"},
		{"number written with more digits than its shortest form", cell{Value: "1234.4999999999999", Numeric: true}, "1234.5"},
		{"number whose shortest form has two places", cell{Value: "0.30000000000000004", Numeric: true}, ""},
		{"shortest form of a float that is 0.29 in binary", cell{Value: "0.28999999999999998", Numeric: true}, "0.29"},
		{"number in exponent form", cell{Value: "1.2345E+4", Numeric: true}, "12345"},
		{"three places", cell{Value: "12345.678", Numeric: true}, ""},
		{"text three places", cell{Value: "12345.678"}, ""},
		{"text with separators", cell{Value: "1,234,567.80"}, "1234567.8"},
		{"text with trailing zero places", cell{Value: "100.000"}, "100"},
		{"text with yuan sign", cell{Value: "¥88.5"}, "88.5"},
		{"words", cell{Value: "一百万"}, ""},
		{"negative", cell{Value: "-5"}, ""},
		{"too large", cell{Value: "1000000000000000000"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, msg := parseAmount(c.cell)
			if c.want == "" {
				if msg == "" {
					t.Fatalf("parseAmount(%q) = %s, want refused", c.cell.Value, got)
				}
				return
			}
			if msg != "" || got.String() != c.want {
				t.Fatalf("parseAmount(%q) = %s %q, want %s", c.cell.Value, got, msg, c.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	for _, c := range []struct {
		name string
		cell cell
		want string
	}{
		{"excel serial", cell{Value: "45366", Numeric: true}, "2024-03-15"},
		{"excel serial with a time", cell{Value: "45366.75", Numeric: true}, "2024-03-15"},
		{"iso text", cell{Value: "2024-03-15"}, "2024-03-15"},
		{"slashes", cell{Value: "2024/3/5"}, "2024-03-05"},
		{"chinese", cell{Value: "2024年3月5日"}, "2024-03-05"},
		{"digits typed as a number", cell{Value: "20240305", Numeric: true}, "2024-03-05"},
		{"no such day", cell{Value: "2024-02-30"}, ""},
		{"words", cell{Value: "去年"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, msg := parseDate(c.cell, loc)
			if c.want == "" {
				if msg == "" {
					t.Fatalf("parseDate(%q) = %v, want refused", c.cell.Value, got)
				}
				return
			}
			if msg != "" || got.Format("2006-01-02") != c.want || got.Location() != loc {
				t.Fatalf("parseDate(%q) = %v %q, want %s", c.cell.Value, got, msg, c.want)
			}
		})
	}
}
