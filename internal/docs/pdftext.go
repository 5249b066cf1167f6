package docs

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
)

// MissingGlyph is drawn in a PDF for a character that no embedded font can
// show: the 缺字 mark 〓 (U+3013), as Chinese typesetting marks a missing
// character. Emoji and the rare CJK characters outside the Basic
// Multilingual Plane (𠀀 U+20000, 𪚥 U+2A6A5) come out this way; the
// paper's snapshot and every text view keep the original.
const MissingGlyph = '〓'

// glyphCoverage knows which characters the embedded fonts have glyphs for.
type glyphCoverage struct {
	fonts map[string]*sfnt.Font
}

// coverage parses the embedded fonts once; they are constants of the
// binary, so the result never changes.
var coverage = sync.OnceValue(func() *glyphCoverage {
	c := &glyphCoverage{fonts: map[string]*sfnt.Font{}}
	for name, data := range map[string][]byte{fontSong: songFont(), fontHei: heiFont, fontCJK: cjkFont, fontLatin: latinFont} {
		f, err := sfnt.Parse(data)
		if err != nil {
			panic("embedded font " + name + ": " + err.Error())
		}
		c.fonts[name] = f
	}
	return c
})

func has(f *sfnt.Font, buf *sfnt.Buffer, r rune) bool {
	g, err := f.GlyphIndex(buf, r)
	return err == nil && g != 0
}

// glyphs maps each character of the text to itself when an embedded font
// shows it, else to MissingGlyph, and remembers the answers.
type glyphs struct {
	cov   *glyphCoverage
	buf   sfnt.Buffer
	known map[rune]rune
	fonts map[fontKey]string
}

type fontKey struct {
	r     rune
	first string
}

func newGlyphs() *glyphs {
	return &glyphs{cov: coverage(), known: map[rune]rune{}, fonts: map[fontKey]string{}}
}

// shown is the character drawn for r: r itself, MissingGlyph, or -1 for
// nothing at all (variation selectors, which only choose among forms of
// the character before them).
func (g *glyphs) shown(r rune) rune {
	if v, ok := g.known[r]; ok {
		return v
	}
	v := g.resolve(r)
	g.known[r] = v
	return v
}

func (g *glyphs) resolve(r rune) rune {
	switch {
	case r == utf8.RuneError:
		return MissingGlyph // invalid UTF-8, a lone surrogate
	case (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF):
		return -1
	case r > 0xFFFF:
		// The PDF library indexes glyph widths by 16-bit code and has no
		// glyphs there anyway (it panics on such a rune).
		return MissingGlyph
	case unicode.IsControl(r):
		return MissingGlyph
	}
	for _, f := range g.cov.fonts {
		if has(f, &g.buf, r) {
			return r
		}
	}
	return MissingGlyph
}

// font is the embedded font r is drawn with in a face: the first of the
// face's fonts that has it.
func (g *glyphs) font(face []string, r rune) string {
	k := fontKey{r, face[0]}
	if v, ok := g.fonts[k]; ok {
		return v
	}
	v := face[0]
	for _, name := range face {
		if has(g.cov.fonts[name], &g.buf, r) {
			v = name
			break
		}
	}
	g.fonts[k] = v
	return v
}

// Covered reports whether an embedded font has a glyph for r.
func Covered(r rune) bool {
	g := newGlyphs()
	for _, f := range g.cov.fonts {
		if has(f, &g.buf, r) {
			return true
		}
	}
	return false
}

// Face is the embedded font r is drawn with in the body text or, when
// title is set, in the title: FontSong (AR PL SungtiL GB) for the body,
// FontHei (Droid Sans Fallback cut to GB 2312) for the title, then FontCJK
// (the full Droid Sans Fallback) and FontLatin (DejaVu Sans).
func Face(title bool, r rune) string {
	face := faceBody
	if title {
		face = faceTitle
	}
	return newGlyphs().font(face, r)
}

// Printable is s as the PDF draws it: valid UTF-8 of characters the
// embedded fonts have, everything else as MissingGlyph. Line breaks stay
// (CR LF and CR become LF), a tab becomes a space.
func (g *glyphs) Printable(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // an invalid byte comes as utf8.RuneError
		switch r {
		case '\n':
			b.WriteByte('\n')
			continue
		case '\r':
			b.WriteByte('\n')
			continue
		case '\t':
			b.WriteByte(' ')
			continue
		}
		if v := g.shown(r); v >= 0 {
			b.WriteRune(v)
		}
	}
	return b.String()
}

// printable returns the content with every text as Printable, leaving c
// (whose JSON is the paper's snapshot) untouched.
func (g *glyphs) printable(c Content) Content {
	p := g.Printable
	out := c
	out.Kind, out.Issuer, out.DocNumber, out.Title = p(c.Kind), p(c.Issuer), p(c.DocNumber), p(c.Title)
	out.Addressee, out.Signer, out.Date, out.Copies = p(c.Addressee), p(c.Signer), p(c.Date), p(c.Copies)
	out.Sections, out.Receipt = c.mapBody(p)
	return out
}

// attachedMark reports whether r belongs to the character before it (a
// combining mark, a joiner) and must not start a line.
func attachedMark(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) || r == 0x200D
}
