package web_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"finreview/internal/store"
)

// TestSecurityEventsAndAuditorExport: failed sign-ins and permission
// refusals land in the audit trail, and only the security auditor exports
// the trail and the sign-in history to Excel, the export itself audited.
func TestSecurityEventsAndAuditorExport(t *testing.T) {
	e := newPagesEnv(t, false)
	ctx := context.Background()
	if _, ok := e.login("caizheng", "wrong-password"); ok {
		t.Fatal("a wrong password signed in")
	}
	jianshe := e.as("jianshe")
	if resp, _ := e.get(jianshe, "/admin/users"); resp.StatusCode != 403 {
		t.Fatalf("refusal status %d", resp.StatusCode)
	}
	for _, action := range []string{"login_failed", "access_denied"} {
		events, n, err := e.s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: action})
		if err != nil || n != 1 {
			t.Fatalf("%s: %d events, %v", action, n, err)
		}
		if action == "access_denied" && (events[0].ObjectID != "jianshe" || !strings.Contains(events[0].Detail, "/admin/users")) {
			t.Fatalf("refusal event %+v", events[0])
		}
	}
	for _, user := range []string{"admin", "anquan", "pingshen"} {
		if resp, _ := e.get(e.as(user), "/audit/export.xlsx"); resp.StatusCode != 403 {
			t.Fatalf("%s exports: status %d", user, resp.StatusCode)
		}
	}
	shenji := e.as("shenji")
	_, page := e.get(shenji, "/audit")
	if !strings.Contains(string(page), `data-testid="audit-export"`) {
		t.Fatal("the auditor's page has no export link")
	}
	resp, body := e.get(shenji, "/audit/export.xlsx?"+url.Values{"action": {"login_failed"}}.Encode())
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("审计日志")
	if len(rows) != 2 || rows[1][3] != "登录失败" || rows[1][7] != "caizheng" {
		t.Fatalf("audit sheet %v", rows)
	}
	logins, _ := x.GetRows("登录记录")
	var failed bool
	for _, r := range logins[1:] {
		failed = failed || r[1] == "caizheng" && r[3] == "失败"
	}
	if !failed {
		t.Fatalf("sign-in sheet lacks the failure: %v", logins)
	}
	if _, n, _ := e.s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: "audit_export"}); n != 1 {
		t.Fatalf("%d audit_export events, want 1", n)
	}
	req := httptest.NewRequest("GET", "/audit/export.xlsx", nil)
	if resp, _ := e.send(req); resp.StatusCode == 200 {
		t.Fatal("an anonymous export was answered")
	}
}
