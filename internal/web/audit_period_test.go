package web_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"finreview/internal/audit"
	"finreview/internal/store"
)

// TestAuditLogOfAPeriod: the audit log and the auditor's export read the
// events of the days asked for, the last one whole, in Beijing time; a bad
// date or a last day before the first is refused next to its field.
func TestAuditLogOfAPeriod(t *testing.T) {
	e := newPagesEnv(t, false)
	ctx := context.Background()
	bj := time.FixedZone("CST", 8*3600)
	for _, ev := range []struct {
		at     time.Time
		reason string
	}{
		{time.Date(2026, 3, 1, 23, 30, 0, 0, bj), "三月一日深夜"},
		{time.Date(2026, 3, 2, 0, 10, 0, 0, bj), "三月二日凌晨"},
		{time.Date(2026, 3, 5, 23, 59, 0, 0, bj), "三月五日深夜"},
		{time.Date(2026, 3, 6, 0, 0, 0, 0, bj), "三月六日零点"},
	} {
		if err := audit.Record(ctx, e.s, ev.at, audit.Entry{ActorName: "系统", Action: "set_security_policy",
			ObjectType: "policy", ObjectID: "password", Detail: map[string]any{"reason": ev.reason}}); err != nil {
			t.Fatal(err)
		}
	}
	shenji := e.as("shenji")
	period := url.Values{"action": {"set_security_policy"}, "from": {"2026-03-02"}, "to": {"2026-03-05"}}
	resp, page := e.get(shenji, "/audit?"+period.Encode())
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for reason, want := range map[string]bool{"三月一日深夜": false, "三月二日凌晨": true, "三月五日深夜": true, "三月六日零点": false} {
		if strings.Contains(string(page), reason) != want {
			t.Errorf("page shows %s: %v, want %v", reason, !want, want)
		}
	}
	if !strings.Contains(string(page), "from=2026-03-02&amp;to=2026-03-05") {
		t.Error("the export link does not carry the period")
	}

	resp, body := e.get(shenji, "/audit/export.xlsx?"+period.Encode())
	if resp.StatusCode != 200 {
		t.Fatalf("export status %d", resp.StatusCode)
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("审计日志")
	if len(rows) != 3 || !strings.Contains(rows[1][8], "三月五日深夜") || !strings.Contains(rows[2][8], "三月二日凌晨") {
		t.Fatalf("exported %v", rows)
	}
	events, _, err := e.s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: "audit_export"})
	if err != nil || len(events) != 1 {
		t.Fatalf("%d audit_export events, %v", len(events), err)
	}
	for _, want := range []string{`"period_from":"2026-03-02"`, `"period_to":"2026-03-05"`, `"events":2`} {
		if !strings.Contains(events[0].Detail, want) {
			t.Errorf("export event %s lacks %s", events[0].Detail, want)
		}
	}

	for _, c := range []struct {
		query url.Values
		field string
		msg   string
	}{
		{url.Values{"from": {"2026-13-01"}}, "from", "日期格式应为 YYYY-MM-DD"},
		{url.Values{"to": {"2026/03/05"}}, "to", "日期格式应为 YYYY-MM-DD"},
		{url.Values{"from": {"2026-03-05"}, "to": {"2026-03-02"}}, "to", "结束日期不能早于开始日期"},
		{url.Values{"to": {"9999-12-31"}}, "to", "日期应在 1900 年至 9998 年之间"},
		{url.Values{"from": {"0001-01-01"}}, "from", "日期应在 1900 年至 9998 年之间"},
	} {
		resp, page := e.get(shenji, "/audit?"+c.query.Encode())
		if resp.StatusCode != 422 || !strings.Contains(string(page), c.msg) {
			t.Errorf("page %v: status %d, message %q shown: %v", c.query, resp.StatusCode, c.msg, strings.Contains(string(page), c.msg))
		}
		resp, body := e.get(shenji, "/audit/export.xlsx?"+c.query.Encode())
		if resp.StatusCode != 422 || !strings.Contains(string(body), c.msg) {
			t.Errorf("export %v: status %d, body %.200s", c.query, resp.StatusCode, body)
		}
	}
}

// TestReviewListOfAPeriod: the review list reads the same period fields as
// the audit log: reviews created within the days, bad dates flagged and
// ignored.
func TestReviewListOfAPeriod(t *testing.T) {
	e := newPagesEnv(t, true)
	pingshen := e.as("pingshen")
	const none = "没有符合条件的评审任务"
	for _, c := range []struct {
		query string
		empty bool
		msg   string
	}{
		{"to=2099-12-31", false, ""},
		{"from=2099-01-01", true, ""},
		{"to=2000-01-01", true, ""},
		{"from=2099-13-01", false, "日期格式应为 YYYY-MM-DD"},
		{"from=2099-01-01&to=2000-01-01", true, "结束日期不能早于开始日期"},
		{"to=9999-12-31", false, "日期应在 1900 年至 9998 年之间"},
	} {
		_, page := e.get(pingshen, "/reviews?"+c.query)
		if strings.Contains(string(page), none) != c.empty {
			t.Errorf("%s: empty %v, want %v", c.query, !c.empty, c.empty)
		}
		if c.msg != "" && !strings.Contains(string(page), c.msg) {
			t.Errorf("%s: no message %q", c.query, c.msg)
		}
	}
}

// TestAPIReviewListOfAPeriod: the JSON API's list reads its dates as the
// pages do and refuses a bad one with 422 naming the field, rather than
// failing on a day past the database's last.
func TestAPIReviewListOfAPeriod(t *testing.T) {
	e := newE2E(t)
	tok := e.token("pingshen")
	for _, c := range []struct {
		query  string
		status int
		field  string
	}{
		{"to=2099-12-31", 200, ""},
		{"from=2026-02-30", 422, `"field":"from"`},
		{"to=9999-12-31", 422, `"field":"to"`},
		{"from=2026-03-05&to=2026-03-02", 422, `"field":"to"`},
	} {
		status, body := e.call("GET", "/api/v1/reviews?"+c.query, tok, nil)
		if status != c.status || (c.field != "" && !strings.Contains(string(body), c.field)) {
			t.Errorf("%s: %d %s", c.query, status, body)
		}
	}
}
