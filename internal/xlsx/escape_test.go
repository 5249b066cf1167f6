package xlsx

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"strings"
	"testing"
)

// xmlEscaped is text as xml.EscapeText writes it.
func xmlEscaped(text string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(text))
	return b.String()
}

// TestEscapeAsEncodingXML: a cell's text is written exactly as
// xml.EscapeText writes it, whatever it holds: markup characters, tabs and
// line breaks, control characters, invalid UTF-8, U+FFFD, U+FFFE, U+FFFF,
// characters outside the BMP, spaces at either end; and after what the
// line already holds.
func TestEscapeAsEncodingXML(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"临河区民政局", "临河区民政局"},
		{"  前后空格  ", "  前后空格  "},
		{`A&B <公司> "甲" '乙'`, "A&amp;B &lt;公司&gt; &#34;甲&#34; &#39;乙&#39;"},
		{`{"from":"draft","to":"submitted"}`, "{&#34;from&#34;:&#34;draft&#34;,&#34;to&#34;:&#34;submitted&#34;}"},
		{"第一行\n第二行\r\n\t缩进", "第一行&#xA;第二行&#xD;&#xA;&#x9;缩进"},
		{"a\x00b\x01c\x1fd\x7fe", "a\uFFFDb\uFFFDc\uFFFDd\x7fe"},
		{"bad \xff\xfe utf-8 \xe4\xb8", "bad \uFFFD\uFFFD utf-8 \uFFFD\uFFFD"},
		{"\xed\xa0\x80 surrogate", "\uFFFD\uFFFD\uFFFD surrogate"},
		{"kept \uFFFD, dropped \uFFFE \uFFFF", "kept \uFFFD, dropped \uFFFD \uFFFD"},
		{"𠀀 and 😀 and \U0010FFFF", "𠀀 and 😀 and \U0010FFFF"},
		{"\ue000 private \ufffc", "\ue000 private \ufffc"},
		{"&", "&amp;"},
		{"<<>>", "&lt;&lt;&gt;&gt;"},
	}
	for _, c := range cases {
		if ref := xmlEscaped(c.in); ref != c.want {
			t.Fatalf("case %q: xml.EscapeText writes %q, the table says %q", c.in, ref, c.want)
		}
		if got := string(escape(nil, c.in)); got != c.want {
			t.Errorf("escape(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := string(escape([]byte("<t>"), c.in)); got != "<t>"+c.want {
			t.Errorf("escape(%q) after <t> = %q, want %q", c.in, got, "<t>"+c.want)
		}
	}
	// Random mixes of the same pieces.
	pieces := []string{"a", " ", "中", "𠀀", "😀", "<", ">", "&", `"`, "'", "\t", "\n", "\r", "\x00", "\x1f", "\x7f",
		"\xff", "\xe4\xb8", "\xed\xa0\x80", "\uFFFD", "\uFFFE", "\uFFFF", "\u00e9", "\U0010FFFF"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rnd.IntN(12) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		in := b.String()
		if got, want := string(escape([]byte("x"), in)), "x"+xmlEscaped(in); got != want {
			t.Fatalf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEscape: escape writes what xml.EscapeText writes for any bytes.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "临河区", `{"a":"<b>"}`, "\xff\x00\t", "\uFFFD\uFFFE", "𠀀😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := string(escape(nil, in)), xmlEscaped(in); got != want {
			t.Fatalf("escape(%q) = %q, want %q", in, got, want)
		}
	})
}
