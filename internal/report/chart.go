package report

import (
	"fmt"
	"html"
	"strings"

	"github.com/shopspring/decimal"

	"finreview/internal/fee"
)

// Series is one kind of bar in a chart (送审金额, 审定金额…).
type Series struct {
	Name  string
	Color string
}

// Category is one group of bars: a label and one value per series.
type Category struct {
	Label  string
	Values []decimal.Decimal
	// Note is written after the bars (for example the reduction rate).
	Note string
}

// Chart is a horizontal grouped bar chart drawn as inline SVG on the
// server: no script, no outside library, prints as it shows.
type Chart struct {
	Title      string
	Unit       string // written after the values, e.g. 万元
	Series     []Series
	Categories []Category
	// Scale divides every value before it is written (10000 for 万元);
	// zero means 1.
	Scale decimal.Decimal
}

const (
	chartWidth  = 640
	labelWidth  = 150
	noteWidth   = 70
	barHeight   = 12
	groupGap    = 10
	chartTop    = 30
	valueWidth  = 110
	legendSpace = 22
)

// SVG draws the chart. Bar lengths are proportional to the largest value;
// negative values draw no bar. Every value is written beside its bar.
func (c Chart) SVG() string {
	scale := c.Scale
	if scale.IsZero() {
		scale = decimal.NewFromInt(1)
	}
	maxV := decimal.Zero
	for _, cat := range c.Categories {
		for _, v := range cat.Values {
			if v.GreaterThan(maxV) {
				maxV = v
			}
		}
	}
	nSeries := len(c.Series)
	if nSeries == 0 {
		nSeries = 1
	}
	groupH := nSeries*barHeight + groupGap
	height := chartTop + len(c.Categories)*groupH + legendSpace + 10
	if len(c.Categories) == 0 {
		height = chartTop + 40
	}
	barMax := decimal.NewFromInt(chartWidth - labelWidth - valueWidth - noteWidth)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartWidth, height, chartWidth, height, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<text x="0" y="16" font-size="14" font-weight="600" fill="#303133">%s</text>`, html.EscapeString(c.Title))
	if len(c.Categories) == 0 {
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="12" fill="#909399">暂无数据</text></svg>`, chartTop+16)
		return b.String()
	}
	y := chartTop
	for _, cat := range c.Categories {
		label := cat.Label
		if r := []rune(label); len(r) > 11 {
			label = string(r[:10]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end" fill="#606266"><title>%s</title>%s</text>`,
			labelWidth-8, y+nSeries*barHeight/2+4, html.EscapeString(cat.Label), html.EscapeString(label))
		for i, v := range cat.Values {
			color := "#1677ff"
			if i < len(c.Series) {
				color = c.Series[i].Color
			}
			w := decimal.Zero
			if maxV.IsPositive() && v.IsPositive() {
				w = v.Mul(barMax).DivRound(maxV, 1)
			}
			by := y + i*barHeight
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%s" height="%d" fill="%s"></rect>`, labelWidth, by, w.String(), barHeight-2, color)
			fmt.Fprintf(&b, `<text x="%s" y="%d" font-size="11" fill="#303133">%s</text>`,
				w.Add(decimal.NewFromInt(labelWidth+4)).String(), by+barHeight-3, html.EscapeString(formatScaled(v, scale)))
		}
		if cat.Note != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#909399">%s</text>`,
				chartWidth-2, y+nSeries*barHeight/2+4, html.EscapeString(cat.Note))
		}
		y += groupH
	}
	x := labelWidth
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"></rect><text x="%d" y="%d" font-size="12" fill="#606266">%s</text>`,
			x, y+4, s.Color, x+14, y+13, html.EscapeString(s.Name))
		x += 14 + 14*len([]rune(s.Name)) + 16
	}
	if c.Unit != "" {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#909399">单位:%s</text>`, x, y+13, html.EscapeString(c.Unit))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// formatScaled writes v ÷ scale with two decimals and thousands separators
// (plain integers when scale is 1 and v is whole).
func formatScaled(v, scale decimal.Decimal) string {
	if scale.Equal(decimal.NewFromInt(1)) && v.Equal(v.Truncate(0)) {
		return fee.Thousands(v.StringFixed(0))
	}
	return fee.Thousands(v.DivRound(scale, 2).StringFixed(2))
}
