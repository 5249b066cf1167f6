package auth_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// unitNames are the names of the construction units svc offers.
func unitNames(t *testing.T, svc *auth.Service) []string {
	t.Helper()
	list, err := svc.OrganizationChoices(context.Background(), auth.OrgUnit)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range list {
		out = append(out, o.Name)
	}
	return out
}

// TestOrganizationChoicesTrust: an instance answers for the organization
// lists it read for auth.OrgTrust; a unit registered on it shows there at
// once, and on another instance (its own Store) within OrgTrust, as does
// a unit added by hand in the database.
func TestOrganizationChoicesTrust(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	now := func() time.Time { return *clock }
	advance := func(d time.Duration) { *clock = clock.Add(d) }
	svc := auth.NewService(s, now)
	other := auth.NewService(testenv.NodeStores(t, s, 1)[0], now)
	linhe, err := s.JurisdictionByName(ctx, "临河区")
	if err != nil {
		t.Fatal(err)
	}
	first := unitNames(t, svc)
	if len(first) == 0 || slices.Contains(first, "手工添加的建设单位") {
		t.Fatalf("units %v", first)
	}
	unitNames(t, other)

	if _, err := s.DB.ExecContext(ctx, "INSERT INTO organizations (kind, name, jurisdiction_id, created_at) VALUES (?, ?, ?, NOW())",
		store.OrgUnit, "手工添加的建设单位", linhe.ID); err != nil {
		t.Fatal(err)
	}
	advance(auth.OrgTrust - time.Second)
	if got := unitNames(t, svc); slices.Contains(got, "手工添加的建设单位") {
		t.Error("the list was read again within OrgTrust")
	}

	if _, err := svc.CreateOrganization(ctx, auth.CommandLine(), auth.NewOrganization{Kind: auth.OrgUnit,
		Name: "新登记的建设单位", JurisdictionID: linhe.ID}); err != nil {
		t.Fatal(err)
	}
	if got := unitNames(t, svc); !slices.Contains(got, "新登记的建设单位") || !slices.Contains(got, "手工添加的建设单位") {
		t.Errorf("a unit registered on the instance does not show there at once: %v", got)
	}
	if got := unitNames(t, other); slices.Contains(got, "新登记的建设单位") {
		t.Error("another instance read its list again within OrgTrust")
	}
	advance(time.Second)
	if got := unitNames(t, other); !slices.Contains(got, "新登记的建设单位") || !slices.Contains(got, "手工添加的建设单位") {
		t.Errorf("another instance does not show the new units after OrgTrust: %v", got)
	}

	// The kinds are kept apart, and firms read by id with their jurisdiction.
	firms, err := svc.OrganizationChoices(ctx, auth.OrgFirm)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Organizations(ctx, store.OrgFirm)
	if err != nil {
		t.Fatal(err)
	}
	if len(firms) != len(want) || len(firms) == 0 {
		t.Fatalf("%d firms offered, %d in the database", len(firms), len(want))
	}
	for i, f := range firms {
		if f != (auth.OrgChoice{ID: want[i].ID, Name: want[i].Name, JurisdictionID: want[i].JurisdictionID}) {
			t.Errorf("firm %d offered as %+v, is %+v", i, f, want[i])
		}
	}
}

// TestJurisdictionChoicesShareTheHeadersCopy: the list filters'
// jurisdictions come from the copy the page header's names are read
// from, 市本级 first, and are read again after NameTrust.
func TestJurisdictionChoicesShareTheHeadersCopy(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	js, err := svc.JurisdictionChoices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Jurisdictions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(js, want) || !js[0].IsCity {
		t.Fatalf("jurisdictions %+v, want %+v", js, want)
	}
	if _, err := s.DB.ExecContext(ctx, "UPDATE jurisdictions SET name = '临河区(改)' WHERE name = '临河区'"); err != nil {
		t.Fatal(err)
	}
	linhe := want[slices.IndexFunc(want, func(j auth.Jurisdiction) bool { return j.Name == "临河区" })]
	name, err := svc.JurisdictionName(ctx, linhe.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.JurisdictionChoices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if name != "临河区" || !slices.Equal(again, want) {
		t.Error("the jurisdictions were read again within NameTrust")
	}
	*clock = clock.Add(auth.NameTrust)
	again, err = svc.JurisdictionChoices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(again, func(j auth.Jurisdiction) bool { return j.Name == "临河区(改)" }) {
		t.Error("a jurisdiction renamed by hand does not show after NameTrust")
	}
}
