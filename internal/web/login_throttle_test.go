package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"finreview/internal/auth"
)

// TestLockedAccountSaysWhenItUnlocks: after MaxUserFailures wrong
// passwords the API and the sign-in page answer 429 with the time the
// account unlocks, the right password included.
func TestLockedAccountSaysWhenItUnlocks(t *testing.T) {
	app, _ := foundationApp(t)
	post := func(body string) (int, string) {
		req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, b := do(t, app, req)
		return resp.StatusCode, b
	}
	for i := 0; i < auth.MaxUserFailures; i++ {
		if status, body := post(`{"username":"caizheng","password":"wrong"}`); status != 401 {
			t.Fatalf("failure %d: %d %s", i, status, body)
		}
	}
	status, body := post(`{"username":"caizheng","password":"Demo@2026"}`)
	if status != 429 || !strings.Contains(body, `"code":"throttled"`) || !strings.Contains(body, "自动解锁") {
		t.Fatalf("right password on the locked account: %d %s", status, body)
	}
	if c, status := login(t, app, "caizheng", "Demo@2026"); c != nil || status != 429 {
		t.Fatalf("sign-in page: status %d cookie %v", status, c)
	}
	if c, status := login(t, app, "jianshe", "Demo@2026"); c == nil {
		t.Fatalf("another account from the same address: status %d", status)
	}
}
