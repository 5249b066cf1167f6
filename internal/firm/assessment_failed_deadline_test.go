package firm_test

import (
	"context"
	"testing"
	"time"

	"finreview/internal/firm"
)

// A report deadline parked because its firing kept failing had passed:
// it counts as missed, not met.
func TestAssessmentCountsParkedDeadlineAsMissed(t *testing.T) {
	f := newFixture(t, "95", "90")
	ctx := context.Background()
	a := f.firms[0]
	r := f.review("settlement")
	if _, err := f.delegate(r.ID, firm.DelegateRequest{FirmID: a, Reason: "测试"}); err != nil {
		t.Fatal(err)
	}
	at := f.now
	if _, err := f.s.DB.ExecContext(ctx, `INSERT INTO deadlines (review_id, kind, due_at, workdays, state, fired_at, created_at)
		VALUES (?, 'report', ?, 20, 'failed', NULL, ?)`, r.ID, at.AddDate(0, 0, 20), at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	ms, err := f.s.PeriodMetrics(ctx, at.AddDate(0, -1, 0), at.AddDate(0, 3, 0), at.AddDate(0, 2, 0))
	if err != nil {
		t.Fatal(err)
	}
	if m := ms[a]; m.DeadlinesMet != 0 || m.DeadlinesMissed != 1 {
		t.Fatalf("met %d, missed %d; want 0 and 1", m.DeadlinesMet, m.DeadlinesMissed)
	}
}
