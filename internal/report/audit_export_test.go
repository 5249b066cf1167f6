package report_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"finreview/internal/audit"
	"finreview/internal/calendar"
	"finreview/internal/report"
	"finreview/internal/store"
)

// TestAuditWorkbookAsTrail: every cell of the audit export's sheet is the
// trail's own value (ids and hashes as text, the time in China's zone, a
// review's number or nothing), whatever text the events hold: markup
// characters, quotes, line breaks, spaces at either end, characters
// outside the BMP.
func TestAuditWorkbookAsTrail(t *testing.T) {
	env := newSharedEnv(t) // the demo city with a few reviews
	ctx, s := env.ctx, env.s
	var reviewID int64
	if err := s.DB.QueryRowContext(ctx, "SELECT MIN(id) FROM reviews").Scan(&reviewID); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 16, 30, 5, 0, time.UTC) // 00:30:05 the next day in Shanghai
	for i, e := range []audit.Entry{
		{ActorID: 1, ActorName: "  临河区 <财政局> & \"张伟\"  ", Action: "submit", ReviewID: reviewID, ObjectType: "review",
			ObjectID: "LH-2026-001", Detail: map[string]any{"note": "第一行\n第二行\t𠀀😀", "amount": "1234567.89"}},
		{ActorName: "系统", Action: "login_failed", ObjectType: "user", ObjectID: "caizheng", Detail: map[string]string{"ip": "10.1.1.1"}},
		{ActorID: 2, ActorName: "O'Brien", Action: "conclude", ReviewID: reviewID, ObjectType: "review", ObjectID: "007"},
	} {
		if err := s.InTx(ctx, func(q *store.Queries) error {
			_, err := audit.Append(ctx, q, at.Add(time.Duration(i)*time.Minute), e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	trail, total, err := s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Limit: 1000})
	if err != nil || total < 3 {
		t.Fatalf("%d events: %v", total, err)
	}
	label := func(action string) string { return "标签:" + action }
	var buf bytes.Buffer
	n, err := report.WriteAuditWorkbook(ctx, &s.Queries, store.Scope{All: true}, store.AuditEventsFilter{}, at.AddDate(0, 0, -1), label, &buf)
	if err != nil || n != total {
		t.Fatalf("%d events written of %d: %v", n, total, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("审计日志")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(trail)+1 {
		t.Fatalf("%d rows for %d events", len(rows), len(trail))
	}
	for i, e := range trail {
		review := ""
		if e.ReviewID != 0 {
			review = strconv.FormatInt(e.ReviewID, 10)
		}
		want := []string{strconv.FormatInt(e.ID, 10), e.At.In(calendar.Location()).Format("2006-01-02 15:04:05"), e.ActorName,
			label(e.Action), e.Action, review, e.ObjectType, e.ObjectID, e.Detail, e.Hash}
		got := rows[i+1]
		for len(got) < len(want) {
			got = append(got, "")
		}
		for c := range want {
			if got[c] != want[c] {
				t.Errorf("event %d column %s: %q, want %q", e.ID, rows[0][c], got[c], want[c])
			}
		}
	}
	if rows[len(trail)][1] != "2026-12-07 00:30:05" {
		t.Errorf("the first event's time %q, want China's", rows[len(trail)][1])
	}
}
