package chaos

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"finreview/internal/billing"
	"finreview/internal/deadline"
	"finreview/internal/firm"
	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestClockAcrossHolidayWeek moves an injected clock across the 2025
// National Day week: an opinion letter sent on 2025-09-30 has five working
// days (10-09, 10-10, the make-up Saturday 10-11, 10-13, 10-14), so it is
// not deemed agreed on 10-13 and is on 10-15, exactly once.
func TestClockAcrossHolidayWeek(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.DB.Exec(`INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id, submitted_amount, audited_amount, firm_id, created_at, updated_at)
		SELECT p.id, 'settlement', 'opinion_sent', p.jurisdiction_id, p.unit_org_id, 1000000.00, 950000.00,
		  (SELECT org_id FROM firms ORDER BY org_id LIMIT 1), NOW(6), NOW(6) FROM projects p WHERE p.code = 'LH-2026-001'`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	sent := time.Date(2025, 9, 30, 16, 0, 0, 0, shanghai)
	if err := s.InTx(ctx, func(q *store.Queries) error {
		cal, err := deadline.LoadCalendar(ctx, q)
		if err != nil {
			return err
		}
		_, err = deadline.Schedule(ctx, q, cal, id, deadline.KindOpinion, sent, 5)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	now := sent
	clock := func() time.Time { return now }
	log := slog.New(slog.DiscardHandler)
	svc := review.NewService(review.Options{Store: s, Firms: firm.NewService(s, clock), Billing: billing.NewService(s, clock),
		Now: clock, Log: log, ReportWorkdays: 20, IntakeWorkdays: 5})
	engine := deadline.NewEngine(deadline.EngineOptions{Store: s, Log: log, Now: clock, Instance: "clock", Fire: svc.FireDeadline})

	for _, step := range []struct {
		at    time.Time
		state string
	}{
		{time.Date(2025, 10, 1, 9, 0, 0, 0, shanghai), "opinion_sent"},
		{time.Date(2025, 10, 8, 18, 0, 0, 0, shanghai), "opinion_sent"},
		{time.Date(2025, 10, 11, 12, 0, 0, 0, shanghai), "opinion_sent"},
		{time.Date(2025, 10, 13, 12, 0, 0, 0, shanghai), "opinion_sent"},
		{time.Date(2025, 10, 14, 17, 0, 0, 0, shanghai), "opinion_sent"},
		{time.Date(2025, 10, 15, 9, 0, 0, 0, shanghai), "deemed_agreed"},
		{time.Date(2025, 10, 20, 9, 0, 0, 0, shanghai), "deemed_agreed"},
	} {
		t.Run(step.at.Format("2006-01-02 15:04"), func(t *testing.T) {
			now = step.at
			if _, err := engine.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			var state string
			if err := s.DB.QueryRow("SELECT state FROM reviews WHERE id = ?", id).Scan(&state); err != nil {
				t.Fatal(err)
			}
			if state != step.state {
				t.Fatalf("state %s, want %s", state, step.state)
			}
		})
	}
	var events int
	if err := s.DB.QueryRow("SELECT COUNT(*) FROM review_events WHERE review_id = ? AND trig = 'deem_agreed'", id).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 1 {
		t.Errorf("%d deem_agreed events, want 1", events)
	}
	// The opinion deadline ends fired by the engine, and none stays open.
	var fired, open int
	if err := s.DB.QueryRow(`SELECT COALESCE(SUM(state = 'fired' AND fired_by = 'clock'), 0), COALESCE(SUM(state IN ('pending', 'paused')), 0)
		FROM deadlines WHERE review_id = ? AND kind = 'opinion'`, id).Scan(&fired, &open); err != nil {
		t.Fatal(err)
	}
	if fired != 1 || open != 0 {
		t.Errorf("opinion deadlines: %d fired by the engine, %d open; want 1 and 0", fired, open)
	}
}
