package web

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// A file the server hands out is named for the browser in UTF-8 (RFC 5987's
// filename*), with an ASCII name beside it for clients that do not read it.

// ContentDisposition builds a header value with an ASCII fallback name
// (filename="____(__).pdf") and the UTF-8 name in RFC 5987 form
// (filename* with the UTF-8 charset and every non-ASCII byte as %XX).
func ContentDisposition(kind, name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '\\' || r == ';' || r == '%':
			ascii.WriteByte('_')
		case r >= 0x20 && r < 0x7f:
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	fallback := ascii.String()
	if strings.Trim(fallback, "_. ") == "" {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i >= 0 && utf8.ValidString(name[i:]) && isASCII(name[i:]) {
			ext = name[i:]
		}
		fallback = "document" + ext
	}
	return disposition(kind, fallback, name)
}

// disposition is the header value of kind (attachment, inline) naming the
// file name, and fallback, an ASCII name, for clients that read no
// filename*.
func disposition(kind, fallback, name string) string {
	return kind + `; filename="` + fallback + `"; filename*=UTF-8''` + rfc5987(name)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// rfc5987 percent-encodes every byte but RFC 5987's attr-char.
func rfc5987(s string) string {
	const attr = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(attr, ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

// xlsxType is the media type of an Excel workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// workbookHeaders marks the answer as a workbook to save as name, or as
// fallback, an ASCII name, where the client reads no filename*.
func workbookHeaders(c *fiber.Ctx, fallback, name string) {
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, disposition("attachment", fallback, name))
}

// sendWorkbook answers with the workbook b, to save as name.
func sendWorkbook(c *fiber.Ctx, fallback, name string, b []byte) error {
	workbookHeaders(c, fallback, name)
	return c.Send(b)
}
