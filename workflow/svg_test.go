package workflow

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// svgElement is one start element seen while decoding.
type svgElement struct {
	name  string
	attrs map[string]string
}

// decodeSVG checks that doc is well-formed XML and returns its elements.
func decodeSVG(t *testing.T, doc string) []svgElement {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	var out []svgElement
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			attrs := make(map[string]string, len(el.Attr))
			for _, a := range el.Attr {
				attrs[a.Name.Local] = a.Value
			}
			out = append(out, svgElement{name: el.Name.Local, attrs: attrs})
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Fatalf("SVG ends with %d unclosed elements", depth)
	}
	return out
}

func TestSVG(t *testing.T) {
	tests := []struct {
		name    string
		current State
		visited []State
	}{
		{"draft with nothing visited", Draft, nil},
		{"opinion sent after the main path", OpinionSent, []State{Draft, Submitted, Notified, Accepted, Delegated, InReview, CenterCheck}},
		{"archived", Archived, []State{Draft, Submitted, Notified, Accepted, Delegated, InReview, CenterCheck, OpinionSent, Signed, Concluded, Processed}},
		{"appeal, a side state", Appeal, []State{Concluded}},
		{"unknown current state", State("bogus"), []State{Draft}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := SVG(tt.current, tt.visited)
			els := decodeSVG(t, doc)
			if len(els) == 0 || els[0].name != "svg" {
				t.Fatalf("root element is not <svg>")
			}
			root := els[0].attrs
			if root["width"] != "100%" || !strings.HasPrefix(root["viewBox"], "0 0 ") {
				t.Errorf("root width=%q viewBox=%q, want 100%% and a viewBox", root["width"], root["viewBox"])
			}
			visited := make(map[State]bool)
			for _, s := range tt.visited {
				visited[s] = true
			}
			states := make(map[State]string)
			var currents, edges int
			for _, el := range els {
				class := el.attrs["class"]
				if el.name == "g" && strings.Fields(class + " x")[0] == "state" {
					s := State(el.attrs["data-state"])
					states[s] = class
					isCurrent := strings.Contains(class, "current")
					if isCurrent {
						currents++
						if el.attrs["aria-current"] != "step" {
							t.Errorf("current state %q has no aria-current", s)
						}
					}
					if isCurrent != (s == tt.current) {
						t.Errorf("state %q class %q: current = %v, want %v", s, class, isCurrent, s == tt.current)
					}
					wantVisited := visited[s] && s != tt.current
					if got := strings.Contains(class, "visited"); got != wantVisited {
						t.Errorf("state %q class %q: visited = %v, want %v", s, class, got, wantVisited)
					}
				}
				if class == "transition" {
					edges++
				}
			}
			if len(states) != len(States()) {
				t.Errorf("SVG draws %d states, want %d", len(states), len(States()))
			}
			wantCurrents := 0
			if tt.current.Valid() {
				wantCurrents = 1
			}
			if currents != wantCurrents {
				t.Errorf("SVG marks %d current states, want %d", currents, wantCurrents)
			}
			if want := len(svgEdges()); edges != want || want < 25 {
				t.Errorf("SVG draws %d arrows, want %d", edges, want)
			}
			for _, label := range []string{"已发征求意见书", "签署意见(不同意)", "取消委托", "逾期视同同意"} {
				if !strings.Contains(doc, label) {
					t.Errorf("SVG lacks label %q", label)
				}
			}
		})
	}
}

func TestSVGEdgesCoverEveryMove(t *testing.T) {
	drawn := make(map[[2]State]bool)
	for _, e := range svgEdges() {
		drawn[[2]State{e.From, e.To}] = true
	}
	for _, m := range expectedMoves() {
		if m.from == m.to {
			continue
		}
		if !drawn[[2]State{m.from, m.to}] {
			t.Errorf("no arrow for %s --%s--> %s", m.from, m.trigger, m.to)
		}
	}
	if !drawn[[2]State{OpinionSent, Disputed}] {
		t.Errorf("no arrow for sign (disagree) opinion_sent -> disputed")
	}
}

func TestSVGLayoutHasNoOverlaps(t *testing.T) {
	cells := make(map[[2]int]State)
	for _, s := range States() {
		col, row, ok := gridPos(s)
		if !ok {
			t.Errorf("state %q has no grid position", s)
			continue
		}
		if col < 0 || col >= svgCols || row < 0 || row >= svgRows {
			t.Errorf("state %q at (%d,%d) is outside the %dx%d grid", s, col, row, svgCols, svgRows)
		}
		if other, taken := cells[[2]int{col, row}]; taken {
			t.Errorf("states %q and %q share cell (%d,%d)", s, other, col, row)
		}
		cells[[2]int{col, row}] = s
	}
}

func TestEscape(t *testing.T) {
	if got := esc(`<a & "b">`); got != "&lt;a &amp; &#34;b&#34;&gt;" {
		t.Errorf("esc = %q", got)
	}
}

// TestSVGShowsNoStateCodes: people read the Chinese names only; a state's
// code (in_review, opinion_sent) is never drawn as text.
func TestSVGShowsNoStateCodes(t *testing.T) {
	doc := SVG(InReview, []State{Draft, Submitted})
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if cd, ok := tok.(xml.CharData); ok {
			text := strings.TrimSpace(string(cd))
			for _, s := range States() {
				if text == string(s) {
					t.Errorf("the diagram shows the code %q", text)
				}
			}
		}
	}
}

func BenchmarkSVG(b *testing.B) {
	visited := []State{Draft, Submitted, Notified, Accepted, Delegated, InReview, CenterCheck}
	for b.Loop() {
		if SVG(OpinionSent, visited) == "" {
			b.Fatal("empty diagram")
		}
	}
}

// TestSVGDrawnOnceEqualsFresh: the diagram assembled from the parts drawn
// once is, byte for byte, the one drawn afresh, for every current state
// (and an unknown one) and every kind of visited list.
func TestSVGDrawnOnceEqualsFresh(t *testing.T) {
	fresh := newSVGParts()
	visiteds := [][]State{nil, States(), {Draft, Submitted, Notified, Accepted}, {State("bogus"), Draft, Draft}}
	for _, s := range States() {
		visiteds = append(visiteds, []State{s})
	}
	for _, current := range append(States(), State("bogus"), State("")) {
		for _, visited := range visiteds {
			if got, want := SVG(current, visited), drawSVG(fresh, current, visited); got != want {
				t.Errorf("SVG(%q, %v) differs from the diagram drawn afresh", current, visited)
			}
		}
	}
}

// TestSVGSizeCoversEveryDiagram: the length set aside for a diagram is
// enough for the longest, so assembling one allocates the text once.
func TestSVGSizeCoversEveryDiagram(t *testing.T) {
	parts := svgStatic()
	for _, current := range States() {
		title := "评审流程图，当前状态：" + current.Label()
		if got := len(SVG(current, States())); got > parts.size+len(title) {
			t.Errorf("SVG(%q, all visited) is %d bytes, more than the %d set aside", current, got, parts.size+len(title))
		}
	}
}
