package demo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// checkDossiers: a review's dossier, its parts read in one batch, equals
// what the plain queries read one by one, for every review of the demo
// city (all states, with delegations, deadlines, fee statements, papers,
// suspensions, archive records and timelines).
func checkDossiers(t *testing.T, s *store.Store) {
	ctx := context.Background()
	ids := testenv.IDs(t, s, "SELECT id FROM reviews ORDER BY id")
	if len(ids) < 19 {
		t.Fatalf("demo city has %d reviews", len(ids))
	}
	// Text with quotes, backslashes, a newline and Chinese in a reason.
	if _, err := s.DB.Exec(`UPDATE review_events SET reason = 'a"b\\c
中文' WHERE review_id = ? ORDER BY id LIMIT 1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		d, err := s.ReviewDossier(ctx, store.Scope{All: true}, id)
		if err != nil {
			t.Fatalf("review %d: %v", id, err)
		}
		want := store.ReviewDossier{Review: d.Review, Calendar: d.Calendar}
		if want.Review, err = s.Review(ctx, store.Scope{All: true}, id); err != nil {
			t.Fatal(err)
		}
		if want.Review.SupervisorID != 0 {
			u, err := s.User(ctx, want.Review.SupervisorID)
			if err != nil {
				t.Fatal(err)
			}
			want.SupervisorName = u.DisplayName
			seen["supervisor"] = true
		}
		if d.SupervisorName != want.SupervisorName {
			t.Fatalf("review %d supervisor %q, want %q", id, d.SupervisorName, want.SupervisorName)
		}
		if g, err := s.ActiveDelegation(ctx, id); err == nil {
			want.Delegation = &g
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if want.Deadlines, err = s.ReviewDeadlines(ctx, id); err != nil {
			t.Fatal(err)
		}
		if f, err := s.FeeStatementByReview(ctx, id); err == nil {
			want.Statement = &f
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if want.Papers, err = s.Papers(ctx, id); err != nil {
			t.Fatal(err)
		}
		if want.Suspensions, err = s.Suspensions(ctx, id); err != nil {
			t.Fatal(err)
		}
		if a, err := s.ArchiveRecordFor(ctx, id); err == nil {
			want.Archive = &a
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if want.Events, err = s.ReviewEvents(ctx, id); err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2]any{
			"review": {want.Review, d.Review}, "delegation": {want.Delegation, d.Delegation}, "deadlines": {want.Deadlines, d.Deadlines},
			"fee statement": {want.Statement, d.Statement}, "papers": {want.Papers, d.Papers}, "suspensions": {want.Suspensions, d.Suspensions},
			"archive": {want.Archive, d.Archive}, "events": {want.Events, d.Events},
		} {
			w, g := show(pair[0]), show(pair[1])
			if w != g {
				t.Fatalf("review %d %s:\nplain %s\njson  %s", id, name, w, g)
			}
			if !strings.HasPrefix(w, "<nil>") && w != "[]" {
				seen[name] = true
			}
		}
		// Without the optional parts: the same review, deadlines, papers
		// and suspensions, and nothing else.
		bare, err := s.ReviewDossierParts(ctx, store.Scope{All: true}, id, store.DossierParts{})
		if err != nil {
			t.Fatal(err)
		}
		want.Delegation, want.Statement, want.Archive, want.Events = nil, nil, nil, nil
		if w, g := show(want), show(bare); w != g {
			t.Fatalf("review %d without optional parts:\nplain %s\nread  %s", id, w, g)
		}
	}
	for _, name := range []string{"delegation", "deadlines", "fee statement", "papers", "suspensions", "archive", "events", "supervisor"} {
		if !seen[name] {
			t.Errorf("no demo review has any %s: the comparison proves nothing for it", name)
		}
	}
}

// show prints a value with its pointers followed, times by their wall
// clock and zone, decimals by their digits.
func show(v any) string {
	return strings.ReplaceAll(fmt.Sprintf("%+v", deref(v)), "0x", "")
}

func deref(v any) any {
	switch x := v.(type) {
	case *store.Delegation:
		if x != nil {
			return *x
		}
	case *store.FeeStatement:
		if x != nil {
			return *x
		}
	case *store.ArchiveRecord:
		if x != nil {
			return *x
		}
	default:
		return v
	}
	return nil
}

// checkGetParts: Get reads a review's delegation, fee statement and
// archive record only when the review can have them; for every review of
// the demo city (every state), it has each one the whole dossier has.
func checkGetParts(t *testing.T, s *store.Store, svc *review.Service) {
	ctx := context.Background()
	admin, err := s.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	p := auth.FromUser(admin)
	ids := testenv.IDs(t, s, "SELECT id FROM reviews ORDER BY id")
	seen := map[string]bool{}
	for _, id := range ids {
		v, err := svc.Get(ctx, p, id)
		if err != nil {
			t.Fatalf("review %d: %v", id, err)
		}
		whole, err := s.ReviewDossier(ctx, store.Scope{All: true}, id)
		if err != nil {
			t.Fatal(err)
		}
		if whole.Review.FirmID != 0 && show(v.Delegation) != show(whole.Delegation) {
			t.Errorf("review %d (%s) delegation %s, whole %s", id, v.Review.State, show(v.Delegation), show(whole.Delegation))
		}
		if show(v.Fee) != show(whole.Statement) {
			t.Errorf("review %d (%s) fee statement %s, whole %s", id, v.Review.State, show(v.Fee), show(whole.Statement))
		}
		if (v.Archive != nil) != (whole.Archive != nil) {
			t.Errorf("review %d (%s) archive %v, whole %v", id, v.Review.State, v.Archive != nil, whole.Archive != nil)
		}
		seen["delegation"] = seen["delegation"] || whole.Delegation != nil
		seen["fee statement"] = seen["fee statement"] || whole.Statement != nil
		seen["archive"] = seen["archive"] || whole.Archive != nil
	}
	for _, name := range []string{"delegation", "fee statement", "archive"} {
		if !seen[name] {
			t.Errorf("no demo review has any %s: the comparison proves nothing for it", name)
		}
	}
}
