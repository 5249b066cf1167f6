package docs_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"finreview/internal/docs"
	"finreview/internal/store"
)

// hostile are texts a project, unit or firm name may carry: characters
// outside the Basic Multilingual Plane, invalid UTF-8, lone surrogates
// (as CESU-8 bytes), combining marks, controls, and long unbroken runs.
var hostile = []string{
	"😀", "𠀀", "𪚥", "𠀀𪚥😀项目", "👨‍👩‍👧", "❤️", "葛\U000E0100",
	"\xff\xfe", "\xed\xa0\x80", "\xed\xb0\x80abc", "abc\xe4\xb8",
	"a\u0301\u0302\u0303", "\u0301开头", "\u20dd", "\x00\x01\x07\x1b[31m\x7f\u0085",
	"\u202eevil\u202c", "\ufeff\u200b\u200d", "\t\r\n\r",
	strings.Repeat("W", 5000), strings.Repeat("𠀀", 3000), strings.Repeat("，", 2000),
	strings.Repeat("a\u0301", 2000), strings.Repeat("中", 4000),
}

// paperWith puts s into every field of a paper.
func paperWith(s string) docs.Content {
	return docs.Content{Kind: s, Issuer: s, DocNumber: s, Title: s, Addressee: s, Signer: s, Date: s, Copies: s,
		Sections: []docs.Section{{Heading: s, Paragraphs: []string{s, s}, Rows: []docs.Row{{Label: s, Value: s}}}},
		Receipt:  []string{s}}
}

func writeNoPanic(t *testing.T, c docs.Content) (out []byte) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("WritePDF panicked: %v", r)
		}
	}()
	var buf bytes.Buffer
	if err := docs.WritePDF(&buf, c); err != nil {
		t.Fatalf("WritePDF: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("output is not a PDF")
	}
	return buf.Bytes()
}

// Every hostile text, in every field of every kind of paper, renders.
func TestWritePDFHostileText(t *testing.T) {
	for _, s := range hostile {
		t.Run(strings.ToValidUTF8(s[:min(len(s), 24)], "?"), func(t *testing.T) {
			writeNoPanic(t, paperWith(s))
		})
	}
}

// A paper for a project named with characters outside the BMP shows them
// as the 缺字 mark, while its content (the snapshot) keeps the name.
func TestWritePDFMarksMissingGlyphs(t *testing.T) {
	name := "𠀀𪚥村😀养老服务中心"
	c := docs.BuildContent(docs.PaperInput{Kind: docs.PaperConclusion, DocNumber: "巴财评〔2026〕3号", At: time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC),
		Review:       store.Review{Kind: "settlement", UnitName: "临河区民政局"},
		Project:      store.Project{Name: name, Code: "LH-2026-002"},
		Jurisdiction: store.Jurisdiction{Name: "市本级", IsCity: true}})
	text := pdfText(t, writeNoPanic(t, c))
	if !strings.Contains(text, "〓〓村〓养老服务中心") {
		t.Fatalf("missing glyphs not marked:\n%s", text)
	}
	if c.Sections[1].Rows[0].Value != name {
		t.Fatalf("content changed: %q", c.Sections[1].Rows[0].Value)
	}
}

// Random strings over the troublesome classes of characters render.
func TestWritePDFRandomText(t *testing.T) {
	pool := []rune{'a', 'Z', '5', ' ', '\n', '\t', '\r', 0, 0x1b, 0x7f, 0x85, 0x301, 0x20dd, 0x200d, 0x202e, 0xfe0f, 0xfeff,
		0xfffd, 0xfffe, 0xffff, 0xe000, '中', '〓', '，', '（', 0x20000, 0x2a6a5, 0x1f600, 0x10ffff, 0xe0100}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 30; i++ {
		var b strings.Builder
		for n := rng.IntN(400); n > 0; n-- {
			if rng.IntN(20) == 0 {
				b.WriteByte(byte(0x80 + rng.IntN(0x80))) // a stray byte
				continue
			}
			b.WriteRune(pool[rng.IntN(len(pool))])
		}
		writeNoPanic(t, paperWith(b.String()))
	}
}

func FuzzWritePDF(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		writeNoPanic(t, paperWith(s))
	})
}

// The mark drawn for missing characters, and the text of the papers, are
// in the embedded fonts; rare CJK characters outside the BMP are not.
func TestEmbeddedFontCoverage(t *testing.T) {
	for _, r := range []rune{docs.MissingGlyph, '巴', '〔', '，', 'A', '0', '—', '（', 0xFB01} {
		if !docs.Covered(r) {
			t.Errorf("%q (U+%04X) has no glyph", r, r)
		}
	}
	for _, r := range []rune{0x20000, 0x2A6A5} {
		if docs.Covered(r) {
			t.Errorf("U+%04X unexpectedly has a glyph", r)
		}
	}
}
