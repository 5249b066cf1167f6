package web

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// provinceApp is the app over the demo city grown to a province's size:
// 1,400 construction units spread over the jurisdictions and 120 firms.
func provinceApp(b testing.TB) (*App, *store.Store) {
	b.Helper()
	s := testenv.DB(b)
	testenv.Demo(b, s)
	ctx := context.Background()
	jurs, err := s.Jurisdictions(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var rows []string
	var args []any
	add := func(kind, name string, jur int64) {
		rows = append(rows, "(?, ?, ?, NOW())")
		args = append(args, kind, name, jur)
	}
	for i := range 1400 {
		add(store.OrgUnit, fmt.Sprintf("巴彦淖尔市某建设单位有限公司%04d", i), jurs[i%len(jurs)].ID)
	}
	for i := range 120 {
		add(store.OrgFirm, fmt.Sprintf("某工程造价咨询有限公司%03d", i), jurs[i%len(jurs)].ID)
	}
	if _, err := s.DB.ExecContext(ctx, "INSERT INTO organizations (kind, name, jurisdiction_id, created_at) VALUES "+
		strings.Join(rows, ","), args...); err != nil {
		b.Fatal(err)
	}
	a, err := New(Deps{Log: slog.New(slog.DiscardHandler), Auth: auth.NewService(s, nil), Services: FillServices(s, nil, Services{})})
	if err != nil {
		b.Fatal(err)
	}
	return a, s
}

// BenchmarkFilterOptions is the review list's selects as its page builds
// and writes them, for a center with a city grant (every unit) and for a
// jurisdiction's center (its units), on a province's organizations.
func BenchmarkFilterOptions(b *testing.B) {
	a, s := provinceApp(b)
	ctx := context.Background()
	jurs, err := s.Jurisdictions(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		p    auth.Principal
	}{
		{"city", auth.Principal{Role: auth.ReviewCenter, JurisdictionID: jurs[0].ID, CityGrant: true}},
		{"jurisdiction", auth.Principal{Role: auth.ReviewCenter, JurisdictionID: jurs[1].ID}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// A unit of the jurisdiction chosen, as a filtered list has it.
			var unit string
			if err := s.DB.QueryRowContext(ctx, "SELECT MAX(id) FROM organizations WHERE kind = ? AND jurisdiction_id = ?",
				store.OrgUnit, jurs[1].ID).Scan(&unit); err != nil {
				b.Fatal(err)
			}
			chosen := map[string]string{"state": "in_review", "unit": unit}
			for b.Loop() {
				o, err := a.filterOptions(ctx, bc.p, chosen)
				if err != nil {
					b.Fatal(err)
				}
				for _, os := range []options{o.States, o.Kinds, o.Jurisdictions} {
					_ = os.HTML()
				}
				_, _ = o.Units.HTML(), o.Firms.HTML()
			}
		})
	}
}

var optionValue = regexp.MustCompile(`<option value="(\d+)"( selected)?>`)

// TestFilterOptionsLeaveTheSharedListsAlone: the selects of a
// jurisdiction's center hold its units alone, built from the lists this
// instance shares between requests, which stay as they were; the written
// select is kept for the next request, which marks its own choice.
func TestFilterOptionsLeaveTheSharedListsAlone(t *testing.T) {
	a, _ := provinceApp(t)
	ctx := context.Background()
	jurs, err := a.auth.JurisdictionChoices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	units, err := a.auth.OrganizationChoices(ctx, auth.OrgUnit)
	if err != nil {
		t.Fatal(err)
	}
	jursBefore, unitsBefore := slices.Clone(jurs), slices.Clone(units)
	bound := auth.Principal{Role: auth.ReviewCenter, JurisdictionID: jurs[1].ID}
	inJur := map[string]bool{}
	var other string
	for _, u := range units {
		if u.JurisdictionID == jurs[1].ID {
			inJur[strconv.FormatInt(u.ID, 10)] = true
		} else {
			other = strconv.FormatInt(u.ID, 10)
		}
	}
	var mine string
	for code := range inJur {
		mine = code
		break
	}
	o, err := a.filterOptions(ctx, bound, map[string]string{"unit": mine})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(jurs, jursBefore) || !slices.Equal(units, unitsBefore) {
		t.Fatal("building the selects modified the shared lists")
	}
	if len(o.Jurisdictions) != 1 || o.Jurisdictions[0].Code != strconv.FormatInt(jurs[1].ID, 10) {
		t.Errorf("jurisdictions offered %+v", o.Jurisdictions)
	}
	got := optionValue.FindAllStringSubmatch(string(o.Units.HTML()), -1)
	if len(got) != len(inJur) {
		t.Errorf("%d units offered, the jurisdiction has %d", len(got), len(inJur))
	}
	for _, m := range got {
		if !inJur[m[1]] {
			t.Errorf("unit %s of another jurisdiction offered", m[1])
		}
		if (m[2] != "") != (m[1] == mine) {
			t.Errorf("unit %s marked %q, chosen %s", m[1], m[2], mine)
		}
	}
	// The next request reuses the written select and marks its own choice
	// (none: a unit of another jurisdiction), the first's left unmarked.
	again, err := a.filterOptions(ctx, bound, map[string]string{"unit": other})
	if err != nil {
		t.Fatal(err)
	}
	if again.Units.w != o.Units.w {
		t.Error("the select was written again for the same list and scope")
	}
	if h := string(again.Units.HTML()); strings.Contains(h, " selected") || strings.Contains(h, `value="`+other+`"`) {
		t.Error("a unit of another jurisdiction is offered or marked")
	}
	// The city's select is a select of its own, of every unit.
	city, err := a.filterOptions(ctx, auth.Principal{Role: auth.ReviewCenter, JurisdictionID: jurs[0].ID, CityGrant: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(optionValue.FindAllString(string(city.Units.HTML()), -1)); n != len(units) {
		t.Errorf("the city is offered %d units of %d", n, len(units))
	}
	if !slices.Equal(jurs, jursBefore) || !slices.Equal(units, unitsBefore) {
		t.Fatal("building the selects modified the shared lists")
	}
}
