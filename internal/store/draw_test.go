package store_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

func TestExpertDrawRoundTrip(t *testing.T) {
	s := testenv.DB(t)
	testenv.Demo(t, s)
	ctx := context.Background()
	p, err := s.ProjectByCode(ctx, "LH-2026-001")
	if err != nil {
		t.Fatal(err)
	}
	rid, err := s.InsertReview(ctx, store.Review{ProjectID: p.ID, Kind: "settlement", JurisdictionID: p.JurisdictionID,
		UnitOrgID: p.UnitOrgID})
	if err != nil {
		t.Fatal(err)
	}
	seeds := []struct {
		name string
		seed uint64
	}{
		{"largest unsigned seed", math.MaxUint64},
		{"seed above the signed range", 1<<63 + 12345},
		{"zero seed", 0},
	}
	for i, tc := range seeds {
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.InsertExpertDraw(ctx, store.ExpertDraw{ReviewID: rid, Purpose: "dispute", Specialty: "土建工程", Seed: tc.seed,
				MainCount: 2, ReserveCount: 1, MainIDs: []int64{5, 1}, ReserveIDs: []int64{2}, Excluded: "[]", Pool: "[]", Request: "{}",
				RedrawNo: i, DrawnAt: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			d, err := s.ExpertDrawByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.Seed != tc.seed || !slices.Equal(d.MainIDs, []int64{5, 1}) || !slices.Equal(d.ReserveIDs, []int64{2}) {
				t.Errorf("read back seed %d main %v reserve %v", d.Seed, d.MainIDs, d.ReserveIDs)
			}
		})
	}
	t.Run("a redraw number is used once", func(t *testing.T) {
		_, err := s.InsertExpertDraw(ctx, store.ExpertDraw{ReviewID: rid, Purpose: "dispute", Specialty: "土建工程", Excluded: "[]",
			Pool: "[]", Request: "{}", RedrawNo: 0, DrawnAt: time.Now()})
		if err == nil {
			t.Fatal("duplicate redraw number accepted")
		}
	})
}

func TestDrawCandidatesAndRecentDraws(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	now := time.Now()
	rid := seedReview(t, s).ID
	orgs, err := s.Organizations(ctx, "")
	if err != nil || len(orgs) < 2 {
		t.Fatalf("organizations: %v, %d", err, len(orgs))
	}
	var experts []int64
	for _, name := range []string{"甲", "乙"} {
		id, err := s.InsertExpert(ctx, store.Expert{Name: name, Specialty: "抽取测试", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		experts = append(experts, id)
	}
	for _, o := range []int64{orgs[1].ID, orgs[0].ID} {
		if err := s.DeclareExpertRelation(ctx, experts[0], o, "亲属", now); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddReviewExpert(ctx, rid, experts[1], "dispute", now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertExpertDraw(ctx, store.ExpertDraw{ReviewID: rid, Purpose: "dispute", Specialty: "抽取测试",
		MainCount: 1, ReserveCount: 1, MainIDs: []int64{experts[1]}, ReserveIDs: []int64{experts[0]}, Excluded: "[]",
		Pool: "[]", Request: "{}", DrawnAt: now}); err != nil {
		t.Fatal(err)
	}

	t.Run("candidates carry their relations and recent draws", func(t *testing.T) {
		got, err := s.DrawCandidates(ctx, "抽取测试", now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != experts[0] || got[1].ID != experts[1] {
			t.Fatalf("candidates %+v, want experts %v in order", got, experts)
		}
		want := []int64{min(orgs[0].ID, orgs[1].ID), max(orgs[0].ID, orgs[1].ID)}
		if !slices.Equal(got[0].RelatedOrgIDs, want) || got[1].RelatedOrgIDs != nil {
			t.Errorf("relations %v and %v, want %v and none", got[0].RelatedOrgIDs, got[1].RelatedOrgIDs, want)
		}
		if got[0].RecentDraws != 0 || got[1].RecentDraws != 1 {
			t.Errorf("recent draws %d and %d, want 0 and 1", got[0].RecentDraws, got[1].RecentDraws)
		}
	})
	t.Run("recent draws list main then reserve experts, other reviews only", func(t *testing.T) {
		got, err := s.RecentDrawnExpertIDs(ctx, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{experts[1], experts[0]}; !slices.Equal(got, want) {
			t.Errorf("recent %v, want %v", got, want)
		}
		got, err = s.RecentDrawnExpertIDs(ctx, rid, 50)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(got, experts[0]) || slices.Contains(got, experts[1]) {
			t.Errorf("recent %v names the excluded review's experts", got)
		}
	})
}
