package input_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"finreview/internal/input"
)

// bidiControls are the direction formatting characters the rule refuses.
func bidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// FuzzCheck holds input.Check to a reference written from the rule:
// accepted text is valid UTF-8 with no control character (line breaks
// and tabs only in multi-line text), no bidi control and at most max
// characters; a refusal is an *input.FieldError naming the field.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "临河区养老服务中心", "LH-2026-001", "a\x00b", "a\u202eb", "\u2066x\u2069", "\u200e", "\u200f", "\u061c",
		"\u0085", "\x7f", "\x1b[31m", "line\nbreak", "tab\there", "crlf\r\n", "\xff\xfe", "\xc0\xaf", "\xed\xa0\x80",
		"𠀀", "𪚥𫠝", "🏗️👷", "\ufffd", "\u200b", "\ufeff", strings.Repeat("长", 201)} {
		f.Add(s, false, 200)
		f.Add(s, true, 0)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool, max int) {
		err := input.Check("name", s, multiline, max)
		want := utf8.ValidString(s)
		for _, r := range s {
			if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) || bidiControl(r) {
				want = false
			}
		}
		if max > 0 && utf8.RuneCountInString(s) > max {
			want = false
		}
		if (err == nil) != want {
			t.Fatalf("Check(%q, multiline=%v, max=%d) = %v, the rule says accepted=%v", s, multiline, max, err, want)
		}
		if err != nil {
			var fe *input.FieldError
			if !errors.As(err, &fe) || fe.Field() != "name" || fe.Message() == "" {
				t.Fatalf("Check(%q): %#v does not name the field", s, err)
			}
			return
		}
		// What one line accepts, several lines accept too.
		if !multiline && input.Lines("name", s, max) != nil {
			t.Fatalf("Line accepts %q but Lines refuses it", s)
		}
	})
}
