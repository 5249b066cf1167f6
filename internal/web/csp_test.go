package web_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"finreview/templates"
)

// The Content-Security-Policy allows scripts from /static only: no
// template may hold an inline script or an inline event handler.
func TestTemplatesHoldNoInlineScript(t *testing.T) {
	inlineScript := regexp.MustCompile(`(?i)<script\b[^>]*>`)
	handler := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	jsURL := regexp.MustCompile(`(?i)(href|src|action)\s*=\s*"\s*javascript:`)
	err := fs.WalkDir(templates.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(templates.FS, path)
		if err != nil {
			return err
		}
		for _, m := range inlineScript.FindAllString(string(b), -1) {
			if !strings.Contains(m, `src="/static/`) {
				t.Errorf("%s: inline script %s", path, m)
			}
		}
		if m := handler.FindString(string(b)); m != "" {
			t.Errorf("%s: inline event handler %q", path, m)
		}
		if m := jsURL.FindString(string(b)); m != "" {
			t.Errorf("%s: javascript: URL %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
