package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/input"
)

// checkInput refuses, before any handler reads it, a request whose query,
// form or JSON body carries text no person types: broken UTF-8, control
// characters other than line breaks and tabs, direction overrides. The
// answer is 422 naming the field. Length and one-line rules are the
// services' (input.Line), which know each field.
func (a *App) checkInput(c *fiber.Ctx) error {
	if err := requestText(c); err != nil {
		// Named for people too: the page shows only the message.
		var fe *input.FieldError
		if errors.As(err, &fe) {
			return &input.FieldError{Name: fe.Name, Msg: "「" + fe.Name + "」" + fe.Msg}
		}
		return err
	}
	return c.Next()
}

// requestText checks the query, the form and the JSON body of a request.
func requestText(c *fiber.Ctx) error {
	var err error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if err == nil {
			err = checkPair(string(k), string(v))
		}
	})
	if err != nil {
		return err
	}
	if isUpload(c) {
		// Streamed: the upload handler checks its fields part by part
		// (readUploadParts); reading the body here would buffer the file.
		return nil
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		c.Context().PostArgs().VisitAll(func(k, v []byte) {
			if err == nil {
				err = checkPair(string(k), string(v))
			}
		})
		if err != nil {
			return err
		}
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		// Streamed: the upload handler checks its fields part by part
		// (readUploadParts); reading the body here would buffer the file.
		return nil
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON) || strings.HasPrefix(c.Path(), "/api/"):
		return checkJSON(c.Body())
	}
	return nil
}

// checkJSON checks every string of a JSON document, keys included, with
// input.Lines; a string is named by its path (contractor_ids.0). A body
// that is not JSON passes: decoding it fails in the handler with a 400.
func checkJSON(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var doc json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	return checkJSONValue("", doc, 0)
}

// maxJSONDepth bounds the nesting the check walks; deeper documents are
// refused.
const maxJSONDepth = 32

func checkJSONValue(path string, raw json.RawMessage, depth int) error {
	if depth > maxJSONDepth {
		return &input.FieldError{Name: path, Msg: "嵌套层次过深"}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil
		}
		// The raw keys: decoding replaced broken UTF-8 in them.
		if !utf8.Valid(raw) {
			for k, v := range obj {
				if !utf8.Valid(v) {
					return &input.FieldError{Name: join(path, k), Msg: "含有无效的字符编码"}
				}
			}
			return &input.FieldError{Name: join(path, ""), Msg: "含有无效的字符编码"}
		}
		for k, v := range obj {
			if err := input.Line(join(path, ""), k, 0); err != nil {
				return err
			}
			if err := checkJSONValue(join(path, k), v, depth+1); err != nil {
				return err
			}
		}
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil {
			return nil
		}
		for i, v := range arr {
			if err := checkJSONValue(join(path, strconv.Itoa(i)), v, depth+1); err != nil {
				return err
			}
		}
	case '"':
		if !utf8.Valid(raw) {
			return &input.FieldError{Name: path, Msg: "含有无效的字符编码"}
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil
		}
		// A lone surrogate escape (\ud800) decodes to U+FFFD: refuse it
		// as the broken text it is.
		if strings.ContainsRune(s, utf8.RuneError) && bytes.Contains(bytes.ToLower(raw), []byte(`\ud`)) {
			return &input.FieldError{Name: path, Msg: "含有无效的字符编码"}
		}
		return input.Lines(path, s, 0)
	}
	return nil
}

// checkPair checks a query or form parameter, its name included.
func checkPair(name, value string) error {
	if err := input.Line(fieldLabel(""), name, 0); err != nil {
		return err
	}
	return input.Lines(fieldLabel(name), value, 0)
}

// fieldLabel is how an error names a field: its name, or a label when
// the request gave it none.
func fieldLabel(name string) string {
	if name == "" {
		return "(字段名)"
	}
	return name
}

func join(path, name string) string {
	if path == "" {
		return fieldLabel(name)
	}
	return path + "." + fieldLabel(name)
}
