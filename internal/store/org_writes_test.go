package store_test

import (
	"context"
	"errors"
	"testing"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestOrganizationWritesCountsCommittedWrites: every write to the
// organizations through a Store moves its count: at once outside a
// transaction, at the commit inside one, never for a transaction rolled
// back; reads, other tables and another Store's writes do not.
func TestOrganizationWritesCountsCommittedWrites(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	j, err := s.InsertJurisdiction(ctx, store.Jurisdiction{Code: "150802", Name: "临河区"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	moved := func(what string, want uint64, f func()) {
		t.Helper()
		before := s.OrganizationWrites()
		f()
		if got := s.OrganizationWrites() - before; got != want {
			t.Errorf("%s moved the count by %d, want %d", what, got, want)
		}
	}
	var unit int64
	moved("an organization added", 1, func() {
		if unit, err = s.InsertOrganization(ctx, store.Organization{Kind: store.OrgUnit, Name: "临河区民政局", JurisdictionID: j}); err != nil {
			t.Fatal(err)
		}
	})
	moved("a read", 0, func() {
		if _, err := s.OrganizationChoices(ctx, store.OrgUnit); err != nil {
			t.Fatal(err)
		}
	})
	moved("a transaction adding two", 1, func() {
		err := s.InTx(ctx, func(q *store.Queries) error {
			before := s.OrganizationWrites()
			for _, name := range []string{"临河区教育局", "临河区卫健委"} {
				if _, err := q.InsertOrganization(ctx, store.Organization{Kind: store.OrgUnit, Name: name, JurisdictionID: j}); err != nil {
					return err
				}
			}
			if s.OrganizationWrites() != before {
				t.Error("a write was counted before its transaction committed")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	boom := errors.New("boom")
	moved("a transaction rolled back", 0, func() {
		err := s.InTx(ctx, func(q *store.Queries) error {
			if _, err := q.InsertOrganization(ctx, store.Organization{Kind: store.OrgUnit, Name: "撤回的单位", JurisdictionID: j}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
	})
	firm, err := s.InsertOrganization(ctx, store.Organization{Kind: store.OrgFirm, Name: "中介机构", JurisdictionID: j})
	if err != nil {
		t.Fatal(err)
	}
	f := store.Firm{OrgID: firm, Name: "中介机构", Qualification: "甲级", Status: "active", Jurisdictions: []int64{j}}
	if err := s.InsertFirm(ctx, f); err != nil {
		t.Fatal(err)
	}
	f.Name = "更名的中介机构"
	moved("a firm renamed", 1, func() {
		if err := s.UpdateFirm(ctx, f); err != nil {
			t.Fatal(err)
		}
	})
	moved("a write to another table", 0, func() {
		if _, err := s.InsertJurisdiction(ctx, store.Jurisdiction{Code: "150821", Name: "五原县"}, 2); err != nil {
			t.Fatal(err)
		}
	})
	other := testenv.NodeStores(t, s, 1)[0]
	moved("another Store's write", 0, func() {
		if _, err := other.InsertOrganization(ctx, store.Organization{Kind: store.OrgUnit, Name: "另一实例登记的单位", JurisdictionID: j}); err != nil {
			t.Fatal(err)
		}
	})
	choices, err := s.OrganizationChoices(ctx, store.OrgUnit)
	if err != nil {
		t.Fatal(err)
	}
	if len(choices) != 4 || choices[0] != (store.OrgChoice{ID: unit, Name: "临河区民政局", JurisdictionID: j}) {
		t.Errorf("units %+v", choices)
	}
}
