package standin_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/auth/standin"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

type env struct {
	t   *testing.T
	ctx context.Context
	s   *store.Store
	svc *standin.Service
	now time.Time
}

func newEnv(t *testing.T) *env {
	s := testenv.DB(t)
	testenv.Demo(t, s)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	return &env{t: t, ctx: context.Background(), s: s, svc: standin.NewService(s, func() time.Time { return now }), now: now}
}

func (e *env) principal(username string) auth.Principal {
	e.t.Helper()
	u, err := e.s.UserByUsername(e.ctx, username)
	if err != nil {
		e.t.Fatal(err)
	}
	return auth.FromUser(u)
}

// colleague adds a user like base (role, organization, jurisdiction).
func (e *env) colleague(base auth.Principal, name string, mutate func(*store.User)) int64 {
	e.t.Helper()
	u := store.User{Username: name, DisplayName: name, PasswordHash: "x", Role: string(base.Role), OrgID: base.OrgID,
		JurisdictionID: base.JurisdictionID, Active: true}
	if mutate != nil {
		mutate(&u)
	}
	id, err := e.s.InsertUser(e.ctx, u)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func TestAddValidates(t *testing.T) {
	e := newEnv(t)
	p := e.principal("pingshen")
	mate := e.colleague(p, "同事甲", nil)
	inactive := e.colleague(p, "同事乙", func(u *store.User) { u.Active = false })
	otherRole := e.colleague(p, "科室丙", func(u *store.User) { u.Role = string(auth.FinanceSection) })
	unit := e.principal("jianshe")
	today := "2026-11-23"
	tests := []struct {
		name  string
		in    standin.Input
		field string // "" = accepted
	}{
		{"no colleague", standin.Input{StartsOn: today, EndsOn: today, Reason: "年休假"}, "colleague_id"},
		{"oneself", standin.Input{ColleagueID: p.UserID, StartsOn: today, EndsOn: today, Reason: "年休假"}, "colleague_id"},
		{"unknown user", standin.Input{ColleagueID: 99999999, StartsOn: today, EndsOn: today, Reason: "年休假"}, "colleague_id"},
		{"inactive colleague", standin.Input{ColleagueID: inactive, StartsOn: today, EndsOn: today, Reason: "年休假"}, "colleague_id"},
		{"another role", standin.Input{ColleagueID: otherRole, StartsOn: today, EndsOn: today, Reason: "年休假"}, "colleague_id"},
		{"another organization", standin.Input{ColleagueID: unit.UserID, StartsOn: today, EndsOn: today, Reason: "年休假"}, "colleague_id"},
		{"bad start", standin.Input{ColleagueID: mate, StartsOn: "2026-02-30", EndsOn: today, Reason: "年休假"}, "starts_on"},
		{"in the past", standin.Input{ColleagueID: mate, StartsOn: "2026-11-22", EndsOn: today, Reason: "年休假"}, "starts_on"},
		{"ends before it starts", standin.Input{ColleagueID: mate, StartsOn: "2026-11-25", EndsOn: "2026-11-24", Reason: "年休假"}, "ends_on"},
		{"longer than allowed", standin.Input{ColleagueID: mate, StartsOn: today, EndsOn: "2027-02-21", Reason: "年休假"}, "ends_on"},
		{"no reason", standin.Input{ColleagueID: mate, StartsOn: today, EndsOn: today, Reason: "  "}, "reason"},
		{"reason too long", standin.Input{ColleagueID: mate, StartsOn: today, EndsOn: today, Reason: strings.Repeat("假", 201)}, "reason"},
		{"the longest allowed", standin.Input{ColleagueID: mate, StartsOn: today, EndsOn: "2027-02-20", Reason: "年休假"}, ""},
		{"one day", standin.Input{ColleagueID: mate, StartsOn: today, EndsOn: today, Reason: "出差"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Add(e.ctx, p, tt.in)
			var fe *standin.FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field() != tt.field):
				t.Fatalf("got %v, want a field error on %s", err, tt.field)
			}
		})
	}
}

// While a stand-in runs, messages to the user reach the colleague too,
// marked; not before it starts, and not once it is revoked.
func TestMessagesReachTheStandIn(t *testing.T) {
	e := newEnv(t)
	p := e.principal("pingshen")
	mate := e.colleague(p, "同事甲", nil)
	notify := func(at time.Time) {
		t.Helper()
		if err := e.s.InTx(e.ctx, func(q *store.Queries) error {
			return q.NotifyUsers(e.ctx, []int64{p.UserID}, store.Notification{Kind: "nudge", Title: "催办", Body: "请尽快办理", CreatedAt: at})
		}); err != nil {
			t.Fatal(err)
		}
	}
	copies := func() []store.Notification {
		t.Helper()
		items, _, err := e.s.Notifications(e.ctx, mate, 50, 0)
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	si, err := e.svc.Add(e.ctx, p, standin.Input{ColleagueID: mate, StartsOn: "2026-11-24", EndsOn: "2026-11-25", Reason: "出差"})
	if err != nil {
		t.Fatal(err)
	}
	notify(e.now) // the day before it starts
	if n := len(copies()); n != 0 {
		t.Fatalf("%d copies before the stand-in starts", n)
	}
	own, _, err := e.s.Notifications(e.ctx, p.UserID, 50, 0)
	if err != nil || len(own) != 1 || own[0].Title != "催办" || own[0].Body != "请尽快办理" || own[0].ReviewID != 0 ||
		!own[0].CreatedAt.Equal(e.now) {
		t.Fatalf("the user's own message: %+v %v", own, err)
	}
	notify(e.now.AddDate(0, 0, 1))
	got := copies()
	if len(got) != 1 || !strings.HasPrefix(got[0].Title, "〔代"+p.Name+"〕") {
		t.Fatalf("copies while it runs: %+v", got)
	}
	notify(e.now.AddDate(0, 0, 3)) // after its end date: it ended by itself
	if n := len(copies()); n != 1 {
		t.Fatalf("%d copies after the end date, want still 1", n)
	}

	t.Run("only the two people concerned may end it", func(t *testing.T) {
		if err := e.svc.Revoke(e.ctx, e.principal("caizheng"), si.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a third user revoking: %v, want not found", err)
		}
		if err := e.svc.Revoke(e.ctx, p, si.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Revoke(e.ctx, p, si.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoking twice: %v", err)
		}
		notify(e.now.AddDate(0, 0, 1))
		if n := len(copies()); n != 1 {
			t.Fatalf("%d copies after revoking, want still 1", n)
		}
	})
	t.Run("listed for both and audited", func(t *testing.T) {
		for _, who := range []auth.Principal{p, auth.FromUser(store.User{ID: mate, Role: string(p.Role)})} {
			list, err := e.svc.List(e.ctx, who)
			if err != nil || len(list) != 1 || !list[0].RevokedAt.Valid {
				t.Fatalf("list for %d: %+v %v", who.UserID, list, err)
			}
		}
		events, _, err := e.s.AuditEvents(e.ctx, store.Scope{All: true}, store.AuditEventsFilter{ActorID: p.UserID})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		for _, ev := range events {
			if ev.ObjectID == strconv.FormatInt(si.ID, 10) {
				actions[ev.Action] = true
			}
		}
		if !actions["add_stand_in"] || !actions["revoke_stand_in"] {
			t.Fatalf("audit actions %v", actions)
		}
	})
}

func TestStateOf(t *testing.T) {
	at := func(day string) time.Time {
		d, _ := time.ParseInLocation("2006-01-02 15:04", day+" 23:59", time.FixedZone("CST", 8*3600))
		return d
	}
	si := store.StandIn{StartsOn: "2026-11-24", EndsOn: "2026-11-25"}
	revoked := si
	revoked.RevokedAt.Valid = true
	tests := []struct {
		si   store.StandIn
		day  string
		want standin.State
	}{
		{si, "2026-11-23", standin.Upcoming},
		{si, "2026-11-24", standin.Running},
		{si, "2026-11-25", standin.Running}, // the end date counts
		{si, "2026-11-26", standin.Ended},
		{revoked, "2026-11-24", standin.Revoked},
	}
	for _, tt := range tests {
		if got := standin.StateOf(tt.si, at(tt.day)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.day, got, tt.want)
		}
	}
}
