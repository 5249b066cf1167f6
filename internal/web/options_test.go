package web

import (
	"html/template"
	"strings"
	"testing"
)

// TestOptionsHTML: a select's options written in Go are escaped as the
// templates escape text and attributes, and only the chosen one is marked.
func TestOptionsHTML(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   options
		want string
	}{
		{"none", nil, ""},
		{"plain", options{{Code: "7", Label: "临河区"}, {Code: "8", Label: "五原县", Selected: true}},
			`<option value="7">临河区</option><option value="8" selected>五原县</option>`},
		{"hostile", options{{Code: `1" onclick="x`, Label: `<script>&'"</script>`}},
			`<option value="1&#34; onclick=&#34;x">&lt;script&gt;&amp;&#39;&#34;&lt;/script&gt;</option>`},
		{"outside the BMP", options{{Code: "9", Label: "𠀀建设单位", Selected: true}},
			`<option value="9" selected>𠀀建设单位</option>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(tc.in.HTML()); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	// The same as the template that wrote them before.
	tpl := template.Must(template.New("o").Parse(`{{range .}}<option value="{{.Code}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}`))
	in := options{{Code: "3", Label: "A&B <公司>", Selected: true}, {Code: "4", Label: "乙"}}
	var b strings.Builder
	if err := tpl.Execute(&b, in); err != nil {
		t.Fatal(err)
	}
	if got := string(in.HTML()); got != b.String() {
		t.Errorf("got %s, the template wrote %s", got, b.String())
	}
}

func BenchmarkOptionsHTML(b *testing.B) {
	in := make(options, 1400)
	for i := range in {
		in[i] = selectOption{Code: "100000", Label: "巴彦淖尔市临河区某建设单位有限公司"}
	}
	for b.Loop() {
		_ = in.HTML()
	}
}
