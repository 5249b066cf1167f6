package workflow

import (
	"fmt"
	"html"
	"math"
	"strings"
	"sync"
)

// Diagram geometry, in SVG user units.
const (
	svgBoxW     = 136.0
	svgBoxH     = 42.0
	svgColPitch = 246.0
	svgRowPitch = 74.0
	svgMarginX  = 30.0
	svgMarginY  = 24.0
	svgRows     = 12
	svgCols     = 3
	svgLegendH  = 70.0
	svgPairGap  = 7.0 // distance between the two arrows of a back-and-forth pair
)

// gridPos places each state on a hand-chosen grid: the main path runs down
// column 1, side states sit beside it.
func gridPos(s State) (col, row int, ok bool) {
	switch s {
	case Draft:
		return 1, 0, true
	case Submitted:
		return 1, 1, true
	case Notified:
		return 1, 2, true
	case Returned:
		return 2, 2, true
	case Accepted:
		return 1, 3, true
	case Delegated:
		return 1, 4, true
	case InReview:
		return 1, 5, true
	case Reconciling:
		return 2, 5, true
	case CenterCheck:
		return 1, 6, true
	case ExpertReview:
		return 2, 6, true
	case OpinionSent:
		return 1, 7, true
	case Disputed:
		return 2, 7, true
	case Signed:
		return 0, 8, true
	case DeemedAgreed:
		return 1, 8, true
	case Unilateral:
		return 2, 8, true
	case Concluded:
		return 1, 9, true
	case Appeal:
		return 2, 9, true
	case Processed:
		return 1, 10, true
	case Archived:
		return 1, 11, true
	}
	return 0, 0, false
}

type point struct{ X, Y float64 }

// center returns the centre of a state's box.
func center(s State) point {
	col, row, _ := gridPos(s)
	return point{
		X: svgMarginX + float64(col)*svgColPitch + svgBoxW/2,
		Y: svgMarginY + float64(row)*svgRowPitch + svgBoxH/2,
	}
}

// svgEdge is one arrow: all triggers from one state to another.
type svgEdge struct {
	From, To State
	Labels   []string
}

// svgEdges groups the state-changing transitions by (from, to), in
// definition order.
func svgEdges() []svgEdge {
	var edges []svgEdge
	index := make(map[[2]State]int)
	for _, tr := range transitions() {
		if tr.internal() {
			continue
		}
		key := [2]State{tr.From, tr.To}
		i, ok := index[key]
		if !ok {
			i = len(edges)
			index[key] = i
			edges = append(edges, svgEdge{From: tr.From, To: tr.To})
		}
		label := tr.Trigger.Label()
		if tr.Trigger == Sign {
			if tr.To == Signed {
				label += "(同意)"
			} else {
				label += "(不同意)"
			}
		}
		edges[i].Labels = append(edges[i].Labels, label)
	}
	return edges
}

// internalLabels lists the Chinese names of the internal triggers of s,
// leaving out suspend and resume, which every open state has.
func internalLabels(s State) []string {
	var out []string
	for _, tr := range transitions() {
		if tr.From == s && tr.internal() && tr.Trigger != Suspend && tr.Trigger != Resume {
			out = append(out, tr.Trigger.Label())
		}
	}
	return out
}

// clip moves p from the centre c of a box towards direction d until it
// meets the box border.
func clip(p point, d point) point {
	tx, ty := math.Inf(1), math.Inf(1)
	if d.X != 0 {
		tx = (svgBoxW / 2) / math.Abs(d.X)
	}
	if d.Y != 0 {
		ty = (svgBoxH / 2) / math.Abs(d.Y)
	}
	t := math.Min(tx, ty)
	return point{p.X + d.X*t, p.Y + d.Y*t}
}

// SVG draws the workflow as a standalone, scalable <svg>: one box per state
// (Chinese name and code), one arrow per transition labelled with the
// Chinese trigger names. The current state is filled and bold and carries
// class "current" and aria-current; states in visited (taken from the
// review's own transition log, never inferred) get a lighter fill.
//
// Only the title and the look of each box depend on the review; the rest
// is drawn once (svgStatic) and copied.
func SVG(current State, visited []State) string {
	return drawSVG(svgStatic(), current, visited)
}

// svgStatic holds the parts of the diagram that are the same for every
// review, drawn on first use from the definition and never modified.
var svgStatic = sync.OnceValue(newSVGParts)

// Looks of a state's box.
const (
	lookPlain   = iota // not visited
	lookVisited        // in the review's transition log
	lookCurrent        // the review's state
	svgLooks
)

// svgParts are the pieces of the diagram, drawn in advance.
type svgParts struct {
	head  string // the <svg> start tag
	body  string // the arrow marker, the arrows and their labels
	boxes []svgBox
	tail  string // the legend and the closing tags
	size  int    // the length of the longest diagram, for one allocation
}

// svgBox is one state's box, in each look.
type svgBox struct {
	state State
	looks [svgLooks]string
}

// drawSVG assembles the diagram of a review in current, having visited
// the states in visited, from parts.
func drawSVG(parts *svgParts, current State, visited []State) string {
	seen := make(map[State]bool, len(visited))
	for _, s := range visited {
		seen[s] = true
	}
	title := "评审流程图"
	if current.Valid() {
		title += "，当前状态：" + current.Label()
	}
	var b strings.Builder
	b.Grow(parts.size + len(title))
	b.WriteString(parts.head)
	b.WriteString(`<title id="workflow-graph-title">`)
	b.WriteString(esc(title))
	b.WriteString(`</title>`)
	b.WriteString(parts.body)
	b.WriteString(`<g class="states">`)
	for _, box := range parts.boxes {
		look := lookPlain
		switch {
		case box.state == current:
			look = lookCurrent
		case seen[box.state]:
			look = lookVisited
		}
		b.WriteString(box.looks[look])
	}
	b.WriteString(`</g>`)
	b.WriteString(parts.tail)
	return b.String()
}

// newSVGParts draws the parts of the diagram.
func newSVGParts() *svgParts {
	edges := svgEdges()
	pairs := make(map[[2]State]bool, len(edges))
	for _, e := range edges {
		pairs[[2]State{e.From, e.To}] = true
	}

	laneX := svgMarginX + float64(svgCols-1)*svgColPitch + svgBoxW + 40
	width := laneX + svgMarginX
	height := svgMarginY + svgRows*svgRowPitch + svgLegendH

	parts := &svgParts{}
	parts.head = fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-labelledby="workflow-graph-title" class="workflow-graph" font-family="'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif">`, width, height)

	var b strings.Builder
	b.WriteString(`<defs><marker id="workflow-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>`)

	// Edges first, so boxes paint over any overlap.
	b.WriteString(`<g class="transitions" fill="none" stroke="#6b7280" stroke-width="1.3">`)
	var labels strings.Builder
	for _, e := range edges {
		label := strings.Join(e.Labels, "、")
		if e.From == Appeal && e.To == Accepted {
			// Routed round the right-hand side: appeal → lane → up → accepted.
			a, c := center(Appeal), center(Accepted)
			x0, x1 := a.X+svgBoxW/2, c.X+svgBoxW/2
			fmt.Fprintf(&b, `<path class="transition" data-from="%s" data-to="%s" d="M%.1f,%.1f H%.1f V%.1f H%.1f" marker-end="url(#workflow-arrow)"><title>%s</title></path>`,
				esc(string(e.From)), esc(string(e.To)), x0, a.Y, laneX, c.Y, x1, esc(label))
			writeLabel(&labels, label, (x1+laneX)/2, c.Y-5, "middle")
			continue
		}
		p, q := center(e.From), center(e.To)
		dx, dy := q.X-p.X, q.Y-p.Y
		l := math.Hypot(dx, dy)
		d := point{dx / l, dy / l}
		n := point{-d.Y, d.X} // the side a back-and-forth pair's arrow is moved to
		paired := pairs[[2]State{e.To, e.From}]
		if paired {
			p = point{p.X + n.X*svgPairGap, p.Y + n.Y*svgPairGap}
			q = point{q.X + n.X*svgPairGap, q.Y + n.Y*svgPairGap}
		}
		s, t := clip(p, d), clip(q, point{-d.X, -d.Y})
		fmt.Fprintf(&b, `<line class="transition" data-from="%s" data-to="%s" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" marker-end="url(#workflow-arrow)"><title>%s</title></line>`,
			esc(string(e.From)), esc(string(e.To)), s.X, s.Y, t.X, t.Y, esc(label))
		mx, my := (s.X+t.X)/2, (s.Y+t.Y)/2
		anchor := "middle"
		switch {
		case math.Abs(d.Y) < 0.1: // horizontal: on the arrow's own side of a pair, else above
			if !paired || n.Y < 0 {
				my -= 6
			} else {
				my += 15
			}
		case math.Abs(d.X) < 0.1: // vertical: on the arrow's own side of a pair, else right
			anchor = "start"
			mx += 5
			if paired && n.X < 0 {
				anchor = "end"
				mx -= 10
			}
			my += 4
		default: // diagonal: on the line, in the gap between columns
			my += 4
		}
		writeLabel(&labels, label, mx, my, anchor)
	}
	b.WriteString(`</g>`)
	b.WriteString(`<g class="transition-labels" font-size="11" fill="#374151" stroke="#ffffff" stroke-width="3" paint-order="stroke">`)
	b.WriteString(labels.String())
	b.WriteString(`</g>`)
	parts.body = b.String()

	// States.
	size := len(parts.head) + len(parts.body) + len(`<title id="workflow-graph-title"></title><g class="states"></g>`)
	for _, s := range States() {
		box := svgBox{state: s}
		longest := 0
		for look := range svgLooks {
			box.looks[look] = drawState(s, look)
			longest = max(longest, len(box.looks[look]))
		}
		parts.boxes = append(parts.boxes, box)
		size += longest
	}

	// Legend.
	b.Reset()
	ly := svgMarginY + svgRows*svgRowPitch + 10
	b.WriteString(`<g class="legend" font-size="12" fill="#374151">`)
	swatches := []struct{ fill, stroke, text string }{
		{"#1d4ed8", "#1e3a8a", "当前状态"},
		{"#dbeafe", "#60a5fa", "已经过"},
		{"#ffffff", "#9ca3af", "未经过"},
	}
	x := svgMarginX
	for _, sw := range swatches {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="18" height="12" rx="3" fill="%s" stroke="%s"/>`, x, ly, sw.fill, sw.stroke)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, x+24, ly+10, esc(sw.text))
		x += 110
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, svgMarginX, ly+34,
		esc("双线框为终止状态；除草稿、已退审、已归档外，评审中心可随时中止、恢复评审。"))
	b.WriteString(`</g></svg>`)
	parts.tail = b.String()
	parts.size = size + len(parts.tail)
	return parts
}

// drawState draws the box of state s in one look.
func drawState(s State, look int) string {
	c := center(s)
	class, fill, stroke, textFill, weight := "state", "#ffffff", "#9ca3af", "#111827", "normal"
	aria := ""
	strokeW := "1.2"
	switch look {
	case lookCurrent:
		class += " current"
		fill, stroke, textFill, weight = "#1d4ed8", "#1e3a8a", "#ffffff", "bold"
		aria = ` aria-current="step"`
		strokeW = "2.5"
	case lookVisited:
		class += " visited"
		fill, stroke = "#dbeafe", "#60a5fa"
	}
	if s.Terminal() {
		class += " terminal"
	}
	tip := s.Label()
	if in := internalLabels(s); len(in) > 0 {
		tip += "(可办理:" + strings.Join(in, "、") + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<g class="%s" data-state="%s"%s><title>%s</title>`, class, esc(string(s)), aria, esc(tip))
	fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.0f" height="%.0f" rx="8" fill="%s" stroke="%s" stroke-width="%s"/>`,
		c.X-svgBoxW/2, c.Y-svgBoxH/2, svgBoxW, svgBoxH, fill, stroke, strokeW)
	if s.Terminal() {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.0f" height="%.0f" rx="6" fill="none" stroke="%s" stroke-width="0.8"/>`,
			c.X-svgBoxW/2+3, c.Y-svgBoxH/2+3, svgBoxW-6, svgBoxH-6, stroke)
	}
	// Only the Chinese name: the state's code stays in data-state.
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="14" font-weight="%s" fill="%s">%s</text>`,
		c.X, c.Y+5, weight, textFill, esc(s.Label()))
	b.WriteString(`</g>`)
	return b.String()
}

func writeLabel(b *strings.Builder, text string, x, y float64, anchor string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, x, y, anchor, esc(text))
}

func esc(s string) string { return html.EscapeString(s) }
