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
