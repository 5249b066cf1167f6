package web_test

import (
	"regexp"
	"testing"
)

// TestPhonesMaskedInLists: contact phone numbers are masked in the
// organization and firm lists, and in the firm list's export.
func TestPhonesMaskedInLists(t *testing.T) {
	e := newPagesEnv(t, false)
	whole, masked := regexp.MustCompile(`0478-8\d{6}`), regexp.MustCompile(`0478-\*\*\*\d{4}`)
	for _, tt := range []struct{ user, path string }{
		{"admin", "/admin/organizations?size=100"},
		{"pingshen", "/firms"},
	} {
		_, body := e.get(e.as(tt.user), tt.path)
		if whole.Match(body) || !masked.Match(body) {
			t.Errorf("%s: a phone number is listed whole (masked seen: %v)", tt.path, masked.Match(body))
		}
	}
}
