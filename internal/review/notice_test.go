package review_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"finreview/internal/review"
	"finreview/internal/review/notice"
	"finreview/workflow"
)

// The events people must hear of write notices of their own kind, in the
// transition's transaction, and the dispatcher carries them outside: a
// suspension reaches the unit's phone with the project and review kind.
func TestTransitionsWriteNoticesOfTheirKind(t *testing.T) {
	h := newHarness(t)
	id := h.toInReview("LH-2026-003")
	count := func(kind string, user int64) int {
		t.Helper()
		var n int
		if err := h.s.DB.QueryRow("SELECT COUNT(*) FROM notifications WHERE review_id = ? AND kind = ? AND user_id = ?", id, kind, user).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	firm, unit := h.firmUser(id), h.p("jianshe")
	if count("delegated", firm.UserID) != 1 {
		t.Fatalf("the firm has no delegation notice")
	}
	h.must("pingshen", id, workflow.Suspend, "等待补充资料", "expected_workdays", "5")
	if count("suspended", unit.UserID) != 1 || count("suspended", firm.UserID) != 1 {
		t.Fatalf("suspension not told to the unit and the firm")
	}
	h.must("pingshen", id, workflow.Resume, "")
	if count("resumed", unit.UserID) != 1 {
		t.Fatalf("resumption not told to the unit")
	}

	var mu sync.Mutex
	var texts []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct{ ID, Phone, Text string }
		json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		texts = append(texts, b.Text)
		mu.Unlock()
	}))
	defer gw.Close()
	if _, err := h.s.DB.Exec("UPDATE users SET phone = '13800138000', sms_quiet = '' WHERE id = ?", unit.UserID); err != nil {
		t.Fatal(err)
	}
	// Only the notices written from now on go out: mark the earlier ones.
	if _, err := h.s.DB.Exec("UPDATE notifications SET fanned_out = TRUE WHERE kind <> 'suspended'"); err != nil {
		t.Fatal(err)
	}
	d := notice.NewDispatcher(notice.Options{Store: h.s, SMS: notice.NewGateway(notice.GatewayOptions{URL: gw.URL, Key: "k"}),
		Signature: "财政评审", Interval: time.Second})
	if n, err := d.RunOnce(h.ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v; want the unit's SMS", n, err)
	}
	r := h.state(id)
	want := []string{"【财政评审】", "工程结算", "暂停评审"}
	if len(texts) != 1 || utf8.RuneCountInString(texts[0]) > notice.SMSSegment {
		t.Fatalf("SMS %q: want one of at most %d characters", texts, notice.SMSSegment)
	}
	for _, w := range want {
		if !strings.Contains(texts[0], w) {
			t.Errorf("SMS %q lacks %q", texts[0], w)
		}
	}
	if p := []rune(r.ProjectName); !strings.Contains(texts[0], string(p[:6])) {
		t.Errorf("SMS %q lacks the project %q", texts[0], r.ProjectName)
	}
	t.Logf("SMS: %s", texts[0])
}

// A drawn expert with an account hears it, as a notice of its own kind.
func TestDrawNotifiesExperts(t *testing.T) {
	h := newHarness(t)
	pool := h.addExperts("爆破工程", 2)
	expert := h.p("zhuanjia")
	if _, err := h.s.DB.Exec("UPDATE experts SET user_id = ? WHERE id = ?", expert.UserID, pool[0]); err != nil {
		t.Fatal(err)
	}
	id := h.toDisputed("LH-2026-002")
	if _, err := h.svc.Draw(h.ctx, h.p("pingshen"), id, review.PurposeDispute, "爆破工程", 2, 0); err != nil {
		t.Fatalf("draw: %v", err)
	}
	var n int
	if err := h.s.DB.QueryRow("SELECT COUNT(*) FROM notifications WHERE review_id = ? AND kind = 'expert_drawn' AND user_id = ?",
		id, expert.UserID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d expert_drawn notices for the drawn expert, want 1", n)
	}
}
