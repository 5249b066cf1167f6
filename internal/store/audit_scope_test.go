package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/audit"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestAuditAndFirmFiguresFollowScope: the audit log and a firm's figures
// show a review's events, amounts and delegations only to those who see
// the review; another jurisdiction, unit or firm sees none of them, and a
// county's bureau sees the sign-ins of its own people only.
func TestAuditAndFirmFiguresFollowScope(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	wuyuan, err := s.JurisdictionByName(ctx, "五原县")
	if err != nil {
		t.Fatal(err)
	}
	otherUnit, err := s.OrganizationByName(ctx, "五原县民政局")
	if err != nil {
		t.Fatal(err)
	}
	var firm, otherFirm int64
	if err := s.DB.QueryRowContext(ctx, "SELECT MIN(id), MAX(id) FROM organizations WHERE kind = 'firm'").Scan(&firm, &otherFirm); err != nil {
		t.Fatal(err)
	}
	if firm == otherFirm {
		t.Fatal("the demo city needs two firms")
	}
	// The review, delegated to firm and concluded with an audited amount.
	now := time.Now().Truncate(time.Second)
	if _, err := s.DB.ExecContext(ctx, `UPDATE reviews SET firm_id = ?, delegated_at = ?, concluded_at = ?, audited_amount = ?
		WHERE id = ?`, firm, now.AddDate(0, 0, -20), now, "11111111.11", r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertDelegation(ctx, store.Delegation{ReviewID: r.ID, FirmID: firm, At: now.AddDate(0, 0, -20)}); err != nil {
		t.Fatal(err)
	}
	// Two people, one of the review's jurisdiction and one of 五原县, sign in.
	own, err := s.InsertUser(ctx, store.User{Username: "scope_own", DisplayName: "本区", PasswordHash: "x", Role: "review_center",
		JurisdictionID: r.JurisdictionID, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := s.InsertUser(ctx, store.User{Username: "scope_foreign", DisplayName: "外县", PasswordHash: "x", Role: "review_center",
		JurisdictionID: wuyuan.ID, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []audit.Entry{
		{ActorID: own, ActorName: "本区", Action: "conclude", ReviewID: r.ID, ObjectType: "review", ObjectID: "scope-review",
			Detail: map[string]string{"audited_amount": "11111111.11", "sha256": "abc"}},
		{ActorID: own, ActorName: "本区", Action: "login", ObjectType: "user", ObjectID: "scope_own", Detail: map[string]string{"ip": "10.1.1.1"}},
		{ActorID: foreign, ActorName: "外县", Action: "login", ObjectType: "user", ObjectID: "scope_foreign", Detail: map[string]string{"ip": "10.2.2.2"}},
	} {
		if err := s.InTx(ctx, func(q *store.Queries) error {
			_, err := audit.Append(ctx, q, now, e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}

	seen := func(sc store.Scope) map[string]bool {
		t.Helper()
		events, _, err := s.AuditEvents(ctx, sc, store.AuditEventsFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, e := range events {
			out[e.ObjectID] = true
		}
		// The review filter must not open a review the scope does not see.
		byReview, n, err := s.AuditEvents(ctx, sc, store.AuditEventsFilter{ReviewID: r.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if (n > 0) != out["scope-review"] || (len(byReview) > 0) != out["scope-review"] {
			t.Fatalf("review filter disagrees with the listing: %d events, listing %v", n, out["scope-review"])
		}
		return out
	}
	tests := []struct {
		name                          string
		scope                         store.Scope
		review, ownLogin, foreignSeen bool
		done                          int
	}{
		{"the city sees everything", store.Scope{All: true}, true, true, true, 1},
		{"the review's county", store.Scope{JurisdictionID: r.JurisdictionID}, true, true, false, 1},
		{"another county", store.Scope{JurisdictionID: wuyuan.ID}, false, false, true, 0},
		{"the review's unit", store.Scope{UnitID: r.UnitOrgID}, true, false, false, 1},
		{"another unit", store.Scope{UnitID: otherUnit.ID}, false, false, false, 0},
		{"the delegated firm", store.Scope{FirmID: firm}, true, false, false, 1},
		{"another firm", store.Scope{FirmID: otherFirm}, false, false, false, 0},
		{"no scope", store.Scope{}, false, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := seen(tt.scope)
			if got["scope-review"] != tt.review || got["scope_own"] != tt.ownLogin || got["scope_foreign"] != tt.foreignSeen {
				t.Fatalf("sees review %v, own sign-in %v, foreign sign-in %v; want %v %v %v", got["scope-review"], got["scope_own"],
					got["scope_foreign"], tt.review, tt.ownLogin, tt.foreignSeen)
			}
			st, err := s.FirmStatsRows(ctx, tt.scope, firm)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Done) != tt.done {
				t.Fatalf("firm statistics over %d concluded reviews, want %d", len(st.Done), tt.done)
			}
			if tt.done == 1 && !st.Done[0].Audited.Decimal.Equal(decimal.RequireFromString("11111111.11")) {
				t.Fatalf("audited amount %s", st.Done[0].Audited.Decimal)
			}
			ds, err := s.FirmDelegations(ctx, tt.scope, firm, 20)
			if err != nil {
				t.Fatal(err)
			}
			mine := 0
			for _, d := range ds {
				if d.ReviewID == r.ID {
					mine++
				}
			}
			if mine != tt.done {
				t.Fatalf("firm delegations show the review %d times, want %d", mine, tt.done)
			}
		})
	}
}
