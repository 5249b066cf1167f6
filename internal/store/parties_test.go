package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// NotifyParties picks its recipients in the statement that inserts the
// notices; each kind of party is checked against the users listed in Go:
// active, of the role, not the actor, and of the organization, the
// project's contractors, or the jurisdiction and the city.
func TestNotifyParties(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	now := time.Now()
	contractors, err := s.ProjectContractors(ctx, r.ProjectID)
	if err != nil || len(contractors) == 0 {
		t.Fatalf("project contractors: %v %v", contractors, err)
	}
	// Users the rules must tell apart: inactive, another jurisdiction,
	// a city grant there, another organization.
	var other int64
	if err := s.DB.QueryRow("SELECT id FROM jurisdictions WHERE id <> ? ORDER BY id LIMIT 1", r.JurisdictionID).Scan(&other); err != nil {
		t.Fatal(err)
	}
	add := func(name, role string, org, jur int64, grant, active bool) store.User {
		t.Helper()
		u := store.User{Username: name, DisplayName: name, PasswordHash: "x", Role: role, OrgID: org, JurisdictionID: jur,
			CityGrant: grant, Active: active, CreatedAt: now}
		var err error
		if u.ID, err = s.InsertUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	add("center-away", "review_center", 0, other, false, true)
	add("center-city", "review_center", 0, other, true, true)
	add("center-off", "review_center", 0, r.JurisdictionID, false, false)
	add("finance-here", "finance_section", 0, r.JurisdictionID, false, true)
	add("unit-off", "construction_unit", r.UnitOrgID, r.JurisdictionID, false, false)
	add("contractor-2", "contractor", contractors[0], r.JurisdictionID, false, true)
	add("contractor-elsewhere", "contractor", r.UnitOrgID, r.JurisdictionID, false, true)

	var users []store.User
	rows, err := s.DB.Query("SELECT id, role, COALESCE(org_id, 0), jurisdiction_id, city_grant, active FROM users ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u store.User
		if err := rows.Scan(&u.ID, &u.Role, &u.OrgID, &u.JurisdictionID, &u.CityGrant, &u.Active); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	rows.Close()
	expect := func(p store.Parties) []int64 {
		var out []int64
		for _, u := range users {
			ok := u.Active && u.Role == p.Role && u.ID != p.Except
			switch {
			case p.OrgID != 0:
				ok = ok && u.OrgID == p.OrgID
			case p.ProjectID != 0:
				ok = ok && slices.Contains(contractors, u.OrgID)
			default:
				ok = ok && (u.CityGrant || u.JurisdictionID == p.JurisdictionID)
			}
			if ok {
				out = append(out, u.ID)
			}
		}
		return out
	}
	centers := expect(store.Parties{Role: "review_center", JurisdictionID: r.JurisdictionID})
	if len(centers) < 2 {
		t.Fatalf("review center users here: %v", centers)
	}
	// A recipient away today, with a stand-in: the stand-in gets a copy.
	day := now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	away, standIn := centers[len(centers)-1], users[0].ID
	if _, err := s.InsertStandIn(ctx, store.StandIn{UserID: away, StandInID: standIn, StartsOn: day, EndsOn: day, Reason: "出差", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	cases := []store.Parties{
		{Role: "review_center", JurisdictionID: r.JurisdictionID, Except: centers[0]},
		{Role: "finance_section", JurisdictionID: r.JurisdictionID},
		{Role: "construction_unit", OrgID: r.UnitOrgID},
		{Role: "contractor", ProjectID: r.ProjectID},
		{Role: "intermediary", OrgID: contractors[0]}, // nobody
	}
	for i, p := range cases {
		title := fmt.Sprintf("通知%d", i)
		err := s.InTx(ctx, func(q *store.Queries) error {
			return q.NotifyParties(ctx, p, store.Notification{ReviewID: r.ID, Kind: "transition", Title: title, Body: "正文", CreatedAt: now})
		})
		if err != nil {
			t.Fatal(err)
		}
		var got, copies []int64
		rows, err := s.DB.Query("SELECT user_id, title <> ? FROM notifications WHERE title LIKE ? ORDER BY user_id", title, "%"+title)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var copied bool
			if err := rows.Scan(&id, &copied); err != nil {
				t.Fatal(err)
			}
			if copied {
				copies = append(copies, id)
			} else {
				got = append(got, id)
			}
		}
		rows.Close()
		want := expect(p)
		if !slices.Equal(got, want) {
			t.Errorf("%+v: notified %v, want %v", p, got, want)
		}
		var wantCopies []int64
		if slices.Contains(want, away) {
			wantCopies = []int64{standIn}
		}
		if !slices.Equal(copies, wantCopies) {
			t.Errorf("%+v: stand-in copies to %v, want %v", p, copies, wantCopies)
		}
	}
}
