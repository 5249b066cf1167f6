package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestArchiveDisposal: archives whose retention period is over are listed
// to the finance section of their jurisdiction, and each disposal is
// confirmed by a person with a note, once, in the audit trail.
func TestArchiveDisposal(t *testing.T) {
	e := newPagesEnv(t, true)
	db := e.s.DB
	// A finance section of one county, without the city-wide grant.
	var jur int64
	if err := db.QueryRow("SELECT jurisdiction_id FROM reviews GROUP BY jurisdiction_id ORDER BY COUNT(*) DESC LIMIT 1").Scan(&jur); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO users (username, display_name, password_hash, role, org_id, jurisdiction_id, city_grant, active, demo, created_at)
		SELECT 'caizheng_county', '县财政', password_hash, role, org_id, ?, FALSE, TRUE, TRUE, created_at FROM users WHERE username = 'caizheng'`, jur); err != nil {
		t.Fatal(err)
	}
	pick := func(cond string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := db.QueryRow("SELECT id FROM reviews WHERE "+cond+" AND id NOT IN (SELECT review_id FROM archive_records) ORDER BY id LIMIT 1", args...).Scan(&id); err != nil {
			t.Fatalf("no review where %s: %v", cond, err)
		}
		return id
	}
	now := time.Now()
	archive := func(id int64, number string, received time.Time, years int) {
		t.Helper()
		if _, err := db.Exec(`INSERT INTO archive_records (review_id, archive_number, paper_received_on, received_by, retention_years, created_at)
			VALUES (?, ?, ?, '王晓燕', ?, ?)`, id, number, received.Format(time.DateOnly), years, now); err != nil {
			t.Fatal(err)
		}
	}
	due := pick("jurisdiction_id = ?", jur)
	archive(due, "巴财评档-1995-0001", now.AddDate(-31, 0, 0), 30)
	kept := pick("jurisdiction_id = ?", jur)
	archive(kept, "巴财评档-2025-0002", now.AddDate(-1, 0, 0), 30)
	other := pick("jurisdiction_id <> ?", jur)
	archive(other, "巴财评档-1990-0003", now.AddDate(-40, 0, 0), 10)

	for _, user := range []string{"admin", "pingshen", "jianshe"} {
		if resp, _ := e.get(e.as(user), "/archives/disposal"); resp.StatusCode != 403 {
			t.Errorf("%s opened the disposal list: %d", user, resp.StatusCode)
		}
	}
	cz := e.as("caizheng_county")
	resp, body := e.get(cz, "/archives/disposal")
	page := string(body)
	if resp.StatusCode != 200 || !strings.Contains(page, "巴财评档-1995-0001") {
		t.Fatalf("due archive not listed: %d", resp.StatusCode)
	}
	if strings.Contains(page, "巴财评档-2025-0002") || strings.Contains(page, "巴财评档-1990-0003") {
		t.Errorf("lists an archive still kept or outside the jurisdiction")
	}
	path := func(id int64) string { return "/archives/disposal/" + itoa(id) + "/confirm" }
	if resp, body := e.post(cz, path(due), url.Values{"note": {""}}); resp.StatusCode != 422 || !strings.Contains(string(body), "请填写处置依据") {
		t.Errorf("confirm without a note: %d", resp.StatusCode)
	}
	if resp, _ := e.post(cz, path(kept), url.Values{"note": {"鉴定同意"}}); resp.StatusCode != 404 {
		t.Errorf("confirm of an archive still kept: %d, want 404", resp.StatusCode)
	}
	if resp, _ := e.post(cz, path(other), url.Values{"note": {"鉴定同意"}}); resp.StatusCode != 404 {
		t.Errorf("confirm outside the jurisdiction: %d, want 404", resp.StatusCode)
	}
	if resp, _ := e.post(cz, path(due), url.Values{"note": {"经档案鉴定小组鉴定同意销毁"}}); resp.StatusCode != 303 {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	if resp, _ := e.post(cz, path(due), url.Values{"note": {"再次确认"}}); resp.StatusCode != 422 {
		t.Errorf("second confirmation: %d, want 422", resp.StatusCode)
	}
	_, body = e.get(cz, "/archives/disposal")
	if !strings.Contains(string(body), "已确认") || !strings.Contains(string(body), "经档案鉴定小组鉴定同意销毁") {
		t.Errorf("the confirmation is not shown")
	}
	var events, records int
	_ = db.QueryRow("SELECT COUNT(*) FROM audit_events WHERE action = 'archive_disposal_confirmed' AND review_id = ?", due).Scan(&events)
	_ = db.QueryRow("SELECT COUNT(*) FROM archive_records WHERE review_id = ?", due).Scan(&records)
	if events != 1 || records != 1 {
		t.Errorf("audit events %d (want 1), archive records %d (want 1: nothing deleted)", events, records)
	}
}
