package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"finreview/internal/docs"
	"finreview/internal/input"
)

// fieldOf is the field a client error names, or "" when it names none.
func fieldOf(err error) string {
	var fe fieldError
	if errors.As(err, &fe) {
		return fe.Field()
	}
	return ""
}

// FuzzListParams: the list parameters (page, per_page, size, year,
// month) either parse within their bounds, with an offset that cannot
// overflow, or are refused with an error naming the parameter.
func FuzzListParams(f *testing.F) {
	for _, s := range []string{"", "1", "2", "20", "200", "201", "0", "-1", "99999999999999999999", "9223372036854775807",
		"-9223372036854775808", "1000000", "1000001", " 7 ", "+3", "007", "1e3", "0x10", "NaN", "١", "\x00", "a\u202eb", "\xff"} {
		f.Add(s, s, "", "2026", "2026-11")
		f.Add("1", "", s, s, s)
	}
	for _, y := range []string{"0", "10000", "1989", "2201", "0000-00", "2026-13", "2026-1", "2026-00", "20261-01", "二〇二六年十一月"} {
		f.Add("", "", "", y, y)
	}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, shanghai)
	f.Fuzz(func(t *testing.T, page, perPage, size, year, month string) {
		pg, err := parsePaging(page, perPage, size)
		if err != nil {
			if fld := fieldOf(err); fld != "page" && fld != "per_page" && fld != "size" {
				t.Fatalf("parsePaging(%q, %q, %q): %v names %q", page, perPage, size, err, fld)
			}
		} else {
			if pg.Page < 1 || pg.Page > maxPage || pg.Size < 1 || pg.Size > maxPerPage || pg.Offset() < 0 ||
				pg.Offset() > maxPage*maxPerPage {
				t.Fatalf("parsePaging(%q, %q, %q) = %+v, offset %d", page, perPage, size, pg, pg.Offset())
			}
			if p := strings.TrimSpace(page); p != "" {
				if n, err := strconv.Atoi(p); err != nil || n != pg.Page {
					t.Fatalf("page %q read as %d", page, pg.Page)
				}
			}
		}
		y, err := parseYear(year, 2026)
		switch {
		case err != nil && fieldOf(err) != "year":
			t.Fatalf("parseYear(%q): %v", year, err)
		case err == nil && (y < minYear || y > maxYear):
			t.Fatalf("parseYear(%q) = %d", year, y)
		case err == nil && strings.TrimSpace(year) != "" && strconv.Itoa(y) != strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(year), "+"), "0"):
			t.Fatalf("parseYear(%q) = %d does not round-trip", year, y)
		}
		m, err := parseMonth(month, now)
		switch {
		case err != nil && fieldOf(err) != "month":
			t.Fatalf("parseMonth(%q): %v", month, err)
		case err == nil && strings.TrimSpace(month) != "" && m.Format("2006-01") != strings.TrimSpace(month):
			t.Fatalf("parseMonth(%q) = %s does not round-trip", month, m.Format("2006-01"))
		case err == nil && (m.Day() != 1 || m.Location() != shanghai):
			t.Fatalf("parseMonth(%q) = %s", month, m)
		}
	})
}

// FuzzCheckJSON: a JSON body passes the input check only when every
// string in it, keys included, is valid UTF-8 text without controls or
// bidi characters; a refusal names the field (its path).
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"name":"临河区养老服务中心"}`, `{"name":"a\u0000b"}`, `{"name":"a\u202eb"}`, "{\"name\":\"\xff\xfe\"}",
		`{"reason":"第一行\n第二行"}`, `{"contractor_ids":["1","2\u0085"]}`, `{"a":{"b":{"c":"\u2066"}}}`, `{"k\u202e":"v"}`,
		"{\"k\xff\":1}", `{"name":"\ud800"}`, `{"name":"\ud840\udc00"}`, `{"name":"𠀀😀"}`, `[1,2`, `"\u0000"`, `null`, `1e400`,
		strings.Repeat("[", 40) + `"x"` + strings.Repeat("]", 40)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkJSON(body)
		var doc any
		dec := json.NewDecoder(bytes.NewReader(body))
		valid := dec.Decode(&doc) == nil && !dec.More()
		if err != nil {
			var fe *input.FieldError
			if !errors.As(err, &fe) || fe.Message() == "" {
				t.Fatalf("checkJSON(%q) = %#v, not a field error", body, err)
			}
			if fe.Field() == "" && !bytes.HasPrefix(bytes.TrimSpace(body), []byte(`"`)) {
				t.Fatalf("checkJSON(%q) = %v names no field", body, err)
			}
			return
		}
		if !valid || !utf8.Valid(body) {
			return // not JSON, or broken outside any string: the decoder refuses it
		}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if input.Lines("", x, 0) != nil {
					t.Fatalf("checkJSON(%q) let %q through", body, x)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					walk(k)
					walk(e)
				}
			}
		}
		walk(doc)
	})
}

// FuzzUploadParts: the part reader of an upload either returns the file
// part, with a known category and a clean file name, or refuses the body
// with a client error (a field error or a 400), whatever the bytes.
func FuzzUploadParts(f *testing.F) {
	part := func(fields [][2]string, filename string) []byte {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.SetBoundary("BOUNDARY")
		for _, kv := range fields {
			_ = w.WriteField(kv[0], kv[1])
		}
		if filename != "" {
			fw, _ := w.CreateFormFile("file", filename)
			_, _ = fw.Write([]byte("%PDF-1.4 test"))
		}
		_ = w.Close()
		return b.Bytes()
	}
	f.Add("BOUNDARY", part([][2]string{{"category", "submission"}, {"signed_sealed", "true"}}, "送审资料.pdf"))
	f.Add("BOUNDARY", part([][2]string{{"category", "submission"}}, "a\u202eFDP.exe"))
	f.Add("BOUNDARY", part([][2]string{{"category", "submission"}}, "名称\x00.pdf"))
	f.Add("BOUNDARY", part([][2]string{{"category", "submission"}}, "\xff\xfe.pdf"))
	f.Add("BOUNDARY", part([][2]string{{"category", "submission"}}, "𠀀报告.pdf"))
	f.Add("BOUNDARY", part([][2]string{{"category", "nope"}}, "a.pdf"))
	f.Add("BOUNDARY", part([][2]string{{"signed_sealed", "maybe"}, {"category", "submission"}}, "a.pdf"))
	f.Add("BOUNDARY", part([][2]string{{"category", "sub\u0085mission"}}, "a.pdf"))
	f.Add("BOUNDARY", part(nil, "a.pdf"))
	f.Add("BOUNDARY", part([][2]string{{"category", "submission"}}, ""))
	f.Add("BOUNDARY", []byte("--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%FF%FE.pdf\r\n\r\nx\r\n--BOUNDARY--\r\n"))
	f.Add("BOUNDARY", []byte("--BOUNDARY\r\n\r\n"))
	f.Add("", []byte("garbage"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		if boundary == "" {
			return // the handler refuses a missing boundary before reading
		}
		form, file, err := readUploadParts(multipart.NewReader(bytes.NewReader(body), boundary))
		if err != nil {
			if file != nil {
				t.Fatalf("an error with a file part: %v", err)
			}
			var st statusError
			if fieldOf(err) == "" && !(errors.As(err, &st) && st.HTTPStatus() == 400) {
				t.Fatalf("readUploadParts: %v is neither a field error nor a 400", err)
			}
			return
		}
		defer file.Close()
		if !docs.ValidCategory(form.Category) || input.Line("file", form.Filename, 255) != nil {
			t.Fatalf("accepted %+v", form)
		}
		// A body cut short surfaces while the file streams; the document
		// service reports it. Reading must not panic either way.
		_, _ = io.Copy(io.Discard, file)
	})
}
