package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"finreview/internal/store"
)

// A user names a colleague to stand in, sees it in force, and ends it; a
// mistake is answered on the form; a third user cannot end it.
func TestStandInPages(t *testing.T) {
	e := newPagesEnv(t, false)
	ctx := context.Background()
	me, err := e.s.UserByUsername(ctx, "pingshen")
	if err != nil {
		t.Fatal(err)
	}
	mate, err := e.s.InsertUser(ctx, store.User{Username: "pingshen2", DisplayName: "李代办", PasswordHash: "x", Role: me.Role,
		OrgID: me.OrgID, JurisdictionID: me.JurisdictionID, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	s := e.as("pingshen")
	resp, body := e.get(s, "/stand-ins")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "李代办") {
		t.Fatalf("page: %d, colleague offered: %v", resp.StatusCode, strings.Contains(string(body), "李代办"))
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")

	resp, body = e.post(s, "/stand-ins", url.Values{"colleague_id": {itoa(mate)}, "starts_on": {tomorrow}, "ends_on": {today}, "reason": {"年休假"}})
	if resp.StatusCode != 422 || !strings.Contains(string(body), "结束日期不能早于开始日期") || !strings.Contains(string(body), "年休假") {
		t.Fatalf("a period ending before it starts: %d", resp.StatusCode)
	}
	resp, _ = e.post(s, "/stand-ins", url.Values{"colleague_id": {itoa(mate)}, "starts_on": {today}, "ends_on": {tomorrow}, "reason": {"年休假"}})
	if resp.StatusCode != 303 {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	list, err := e.s.StandInsOf(ctx, me.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("stored: %+v %v", list, err)
	}
	if _, body = e.get(s, "/stand-ins"); !strings.Contains(string(body), "生效中") {
		t.Fatal("the stand-in is not shown in force")
	}
	if resp, _ = e.post(e.as("caizheng"), "/stand-ins/"+itoa(list[0].ID)+"/revoke", url.Values{}); resp.StatusCode != 404 {
		t.Fatalf("a third user ending it: %d, want 404", resp.StatusCode)
	}
	if resp, _ = e.post(s, "/stand-ins/"+itoa(list[0].ID)+"/revoke", url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if _, body = e.get(s, "/stand-ins"); !strings.Contains(string(body), "已撤销") {
		t.Fatal("the stand-in is not shown revoked")
	}
}
