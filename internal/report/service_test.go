package report_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/report"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// testClock is a clock moved by hand.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// sharedEnv is the demo city with a service on a hand-moved clock, and the
// finance sections (without the city-wide grant) of two jurisdictions:
// mine (临河区), with three reviews concluded in the clock's month and one
// in review, and other (五原县), with one concluded.
type sharedEnv struct {
	ctx         context.Context
	s           *store.Store
	clock       *testClock
	svc         *report.Service
	mine, other auth.Principal
}

func newSharedEnv(t *testing.T) sharedEnv {
	t.Helper()
	ctx := context.Background()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	c := &testClock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	e := sharedEnv{ctx: ctx, s: s, clock: c, svc: report.NewService(s, c.now)}
	jurisdiction := func(code string) int64 {
		var id int64
		if err := s.DB.QueryRowContext(ctx, "SELECT jurisdiction_id FROM projects WHERE code = ?", code).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	e.mine = auth.Principal{UserID: 1, Role: auth.FinanceSection, JurisdictionID: jurisdiction("LH-2026-001")}
	e.other = auth.Principal{UserID: 2, Role: auth.FinanceSection, JurisdictionID: jurisdiction("WY-2026-001")}
	concluded := c.t.AddDate(0, 0, -3)
	for _, amount := range []string{"1200000.00", "860000.50", "30000.00"} {
		e.addReview(t, "LH-2026-001", "concluded", amount, concluded)
	}
	e.addReview(t, "LH-2026-001", "in_review", "500000.00", time.Time{})
	e.addReview(t, "WY-2026-001", "concluded", "4100000.00", concluded)
	return e
}

// addReview adds a review of the project in a state, audited at 95 % of
// the amount and concluded at the time given (none when zero).
func (e sharedEnv) addReview(t *testing.T, project, state, amount string, concluded time.Time) {
	t.Helper()
	var at any
	if !concluded.IsZero() {
		at = concluded
	}
	if _, err := e.s.DB.ExecContext(e.ctx, `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id,
		  submitted_amount, audited_amount, submitted_at, concluded_at, created_at, updated_at)
		SELECT id, 'settlement', ?, jurisdiction_id, unit_org_id, ?, ROUND(? * 0.95, 2), ?, ?, ?, ? FROM projects WHERE code = ?`,
		state, amount, amount, e.clock.t.AddDate(0, -1, 0), at, e.clock.t, e.clock.t, project); err != nil {
		t.Fatal(err)
	}
}

func (e sharedEnv) dashboard(t *testing.T, p auth.Principal) report.Dashboard {
	t.Helper()
	d, err := e.svc.Dashboard(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// direct computes a scope's dashboard without sharing.
func (e sharedEnv) direct(t *testing.T, p auth.Principal) report.Dashboard {
	t.Helper()
	d, err := report.LoadDashboard(e.ctx, &e.s.Queries, p.Scope(), e.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSharedDashboardKeepsScope: the shared dashboard of one jurisdiction
// never answers another's staff; each gets its own scope's figures, the
// same as computed directly.
func TestSharedDashboardKeepsScope(t *testing.T) {
	e := newSharedEnv(t)
	mine := e.dashboard(t, e.mine) // shared first
	other := e.dashboard(t, e.other)
	if other.Total == mine.Total {
		t.Fatalf("the other jurisdiction's staff see %d reviews, the same as the first jurisdiction's", other.Total)
	}
	if got, want := fmt.Sprintf("%+v", other), fmt.Sprintf("%+v", e.direct(t, e.other)); got != want {
		t.Fatalf("other jurisdiction's shared dashboard\n%s\nwant\n%s", got, want)
	}
	if got, want := fmt.Sprintf("%+v", e.dashboard(t, e.mine)), fmt.Sprintf("%+v", e.direct(t, e.mine)); got != want {
		t.Fatalf("shared dashboard\n%s\nwant\n%s", got, want)
	}
	city := e.dashboard(t, auth.Principal{UserID: 3, Role: auth.FinanceSection, JurisdictionID: e.mine.JurisdictionID, CityGrant: true})
	if city.Total <= mine.Total {
		t.Fatalf("city-wide total %d, not above one jurisdiction's %d", city.Total, mine.Total)
	}
}

// TestSharedBulletinKeepsScope: the same for the monthly bulletin, whose
// figures are shared per scope and month.
func TestSharedBulletinKeepsScope(t *testing.T) {
	e := newSharedEnv(t)
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	mine, err := e.svc.Bulletin(e.ctx, e.mine, month)
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.svc.Bulletin(e.ctx, e.other, month)
	if err != nil {
		t.Fatal(err)
	}
	if len(other.ByJurisdiction) != 1 || other.Total.Figures[0].Count != 1 || mine.Total.Figures[0].Count != 3 {
		t.Fatalf("this month: the other jurisdiction's bulletin has %d jurisdictions and %d reviews, the first %d reviews; want 1, 1 and 3",
			len(other.ByJurisdiction), other.Total.Figures[0].Count, mine.Total.Figures[0].Count)
	}
	jurs, err := e.s.Jurisdictions(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []auth.Principal{e.mine, e.other} {
		var own []store.Jurisdiction
		for _, j := range jurs {
			if j.ID == p.JurisdictionID {
				own = append(own, j)
			}
		}
		want, err := report.Load(e.ctx, &e.s.Queries, p.Scope(), own, month, e.clock.now())
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Bulletin(e.ctx, p, month)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Fatalf("bulletin of jurisdiction %d\n%+v\nwant\n%+v", p.JurisdictionID, got, want)
		}
	}
	if !other.Total.Figures[0].Submitted.Equal(decimal.RequireFromString("4100000.00")) {
		t.Fatalf("the other jurisdiction's month submitted %s, want its own 4,100,000.00", other.Total.Figures[0].Submitted)
	}
}

// TestSharedDashboardFreshness: a change shows once the figures are older
// than report.FiguresFresh (after one refresh), and figures older than
// report.FiguresMaxAge are never shown.
func TestSharedDashboardFreshness(t *testing.T) {
	e := newSharedEnv(t)
	start := e.clock.t
	before := e.dashboard(t, e.mine)
	if !before.At.Equal(start) {
		t.Fatalf("At = %v, want %v", before.At, start)
	}
	e.addReview(t, "LH-2026-001", "draft", "1000.00", time.Time{})
	e.clock.t = start.Add(report.FiguresFresh - time.Second)
	if d := e.dashboard(t, e.mine); d.Total != before.Total || !d.At.Equal(start) {
		t.Fatalf("within FiguresFresh: %d reviews at %v, want the shared %d at %v", d.Total, d.At, before.Total, start)
	}
	e.clock.t = start.Add(report.FiguresFresh)
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := e.dashboard(t, e.mine)
		if d.Total == before.Total+1 {
			if !d.At.Equal(e.clock.t) {
				t.Fatalf("refreshed figures At = %v, want %v", d.At, e.clock.t)
			}
			break
		}
		if d.Total != before.Total || time.Now().After(deadline) {
			t.Fatalf("after FiguresFresh: %d reviews, want %d then %d", d.Total, before.Total, before.Total+1)
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.addReview(t, "LH-2026-001", "draft", "1000.00", time.Time{})
	e.clock.t = e.clock.t.Add(report.FiguresMaxAge)
	if d := e.dashboard(t, e.mine); d.Total != before.Total+2 || !d.At.Equal(e.clock.t) {
		t.Fatalf("after FiguresMaxAge: %d reviews at %v, want %d at %v", d.Total, d.At, before.Total+2, e.clock.t)
	}
}

// TestServiceWarm: after the start-up warm-up the deployment-wide scope's
// first readers (the city grant's staff) get the figures computed then,
// without computing them: a review added since is not in them yet.
func TestServiceWarm(t *testing.T) {
	e := newSharedEnv(t)
	city := auth.Principal{UserID: 3, Role: auth.FinanceSection, JurisdictionID: e.mine.JurisdictionID, CityGrant: true}
	warmedAt := e.clock.t
	if err := e.svc.Warm(e.ctx); err != nil {
		t.Fatal(err)
	}
	want := e.direct(t, city)
	e.addReview(t, "LH-2026-001", "concluded", "1000.00", warmedAt.Add(-time.Hour))
	e.clock.t = warmedAt.Add(report.FiguresFresh - time.Second)
	if d := e.dashboard(t, city); d.Total != want.Total || !d.At.Equal(warmedAt) {
		t.Fatalf("first read: %d reviews at %v, want the warm-up's %d at %v", d.Total, d.At, want.Total, warmedAt)
	}
	b, err := e.svc.Bulletin(e.ctx, city, time.Date(2026, 11, 1, 0, 0, 0, 0, calendar.Location()))
	if err != nil {
		t.Fatal(err)
	}
	if n := b.Total.Figures[0].Count; n != 4 || !b.At.Equal(warmedAt) {
		t.Fatalf("first read of this month's bulletin: %d concluded at %v, want the warm-up's 4 at %v", n, b.At, warmedAt)
	}
}

// TestServiceTurnMonth: when a month begins, the upkeep computes its
// deployment-wide bulletin, so its first reader does not wait; within a
// month it computes nothing.
func TestServiceTurnMonth(t *testing.T) {
	e := newSharedEnv(t)
	city := auth.Principal{UserID: 3, Role: auth.ReviewCenter, JurisdictionID: e.mine.JurisdictionID, CityGrant: true}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	november := time.Date(2026, 11, 1, 0, 0, 0, 0, calendar.Location())
	december := november.AddDate(0, 1, 0)
	if got := report.TurnMonth(e.svc, e.ctx, november, log); !got.Equal(november) {
		t.Fatalf("within the month: %v, want %v", got, november)
	}
	e.clock.t = december.Add(time.Minute)
	turned := e.clock.t
	if got := report.TurnMonth(e.svc, e.ctx, november, log); !got.Equal(december) {
		t.Fatalf("after the month's end: %v, want %v", got, december)
	}
	e.addReview(t, "LH-2026-001", "concluded", "1000.00", december.Add(30*time.Second))
	e.clock.t = turned.Add(10 * time.Second)
	b, err := e.svc.Bulletin(e.ctx, city, december)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.Total.Figures[0].Count; n != 0 || !b.At.Equal(turned) {
		t.Fatalf("first read of December's bulletin: %d concluded at %v, want the upkeep's 0 at %v", n, b.At, turned)
	}
}
