package web_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestAuditLogCountIsBoundedAndExportWhole: a page of an audit log of
// 10,012 events counts 1,000 events past its first row and says 共 1000
// 条以上 with the next page offered (page 2: 共 1020 条以上), a review's
// seven events say their exact total, and the Excel export still holds
// every event the filter selects, past the 5,000 of a former batch.
func TestAuditLogCountIsBoundedAndExportWhole(t *testing.T) {
	e := newPagesEnv(t, false)
	if _, err := e.s.DB.ExecContext(t.Context(), `INSERT INTO audit_events (stream, seq, at, actor_name, action, review_id,
		  detail, prev_hash, hash)
		SELECT IF(s.seq <= 10005, 'bulk:login', 'review:999999'), s.seq, NOW(6), '批量', IF(s.seq <= 10005, 'login', 'grant_role'),
		  IF(s.seq <= 10005, NULL, 999999), '{}', REPEAT('0', 64), REPEAT('0', 64)
		FROM seq_1_to_10012 s`); err != nil {
		t.Fatal(err)
	}
	s := e.as("shenji")
	_, body := e.get(s, "/audit")
	if page := string(body); !strings.Contains(page, "共 1000 条以上") || !strings.Contains(page, "第 1 页") || !strings.Contains(page, "下一页") {
		t.Fatalf("an audit log of 10,012 events does not say 共 1000 条以上 with a next page")
	}
	_, body = e.get(s, "/audit?page=2&size=20")
	if page := string(body); !strings.Contains(page, "共 1020 条以上") || !strings.Contains(page, "第 2 页") {
		t.Fatalf("page 2 of an audit log of 10,012 events does not say 共 1020 条以上")
	}
	_, body = e.get(s, "/audit?review=999999")
	if page := string(body); !strings.Contains(page, "共 7 条</span>") || !strings.Contains(page, "第 1 / 1 页") {
		t.Fatalf("a review's 7 events do not say 共 7 条")
	}
	resp, body := e.get(s, "/audit/export.xlsx?action=login")
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("审计日志")
	logins := 0
	for _, r := range rows[1:] {
		if len(r) > 4 && r[4] == "login" {
			logins++
		}
	}
	if logins < 10005 {
		t.Fatalf("the export holds %d sign-in events, want at least 10,005", logins)
	}
}
