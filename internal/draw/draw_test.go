package draw

import (
	"errors"
	"slices"
	"testing"
)

func pool(n int, specialty string) []Candidate {
	out := make([]Candidate, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, Candidate{ID: int64(i), Name: "专家" + string(rune('A'+i-1)), Specialty: specialty})
	}
	return out
}

func TestDrawIsReproducible(t *testing.T) {
	p := pool(20, "土建工程")
	req := Request{Specialty: "土建工程", Main: 3, Reserve: 2, UnitID: 900}
	first, err := Draw(p, req, 42)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("same seed gives the same experts", func(t *testing.T) {
		again, err := Draw(p, req, 42)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(IDs(again.Main), IDs(first.Main)) || !slices.Equal(IDs(again.Reserve), IDs(first.Reserve)) {
			t.Errorf("draw changed: %v/%v then %v/%v", IDs(first.Main), IDs(first.Reserve), IDs(again.Main), IDs(again.Reserve))
		}
	})
	t.Run("pool order does not matter", func(t *testing.T) {
		rev := slices.Clone(p)
		slices.Reverse(rev)
		again, err := Draw(rev, req, 42)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(IDs(again.Main), IDs(first.Main)) || !slices.Equal(IDs(again.Reserve), IDs(first.Reserve)) {
			t.Errorf("reversed pool drew %v/%v, want %v/%v", IDs(again.Main), IDs(again.Reserve), IDs(first.Main), IDs(first.Reserve))
		}
	})
	t.Run("the seed is kept in the result", func(t *testing.T) {
		if first.Seed != 42 {
			t.Errorf("seed = %d", first.Seed)
		}
	})
	t.Run("another seed gives another draw", func(t *testing.T) {
		differs := false
		for s := uint64(1); s <= 20 && !differs; s++ {
			other, err := Draw(p, req, 42+s)
			if err != nil {
				t.Fatal(err)
			}
			differs = !slices.Equal(IDs(other.Main), IDs(first.Main))
		}
		if !differs {
			t.Error("twenty other seeds all drew the same main experts")
		}
	})
	t.Run("main and reserve are distinct", func(t *testing.T) {
		all := append(IDs(first.Main), IDs(first.Reserve)...)
		if len(all) != 5 {
			t.Fatalf("drew %d experts, want 5", len(all))
		}
		seen := map[int64]bool{}
		for _, id := range all {
			if seen[id] {
				t.Errorf("expert %d drawn twice", id)
			}
			seen[id] = true
		}
	})
	t.Run("a fixed seed gives a fixed answer", func(t *testing.T) {
		// Guards against an accidental change of the algorithm, which
		// would make recorded draws unverifiable.
		got, err := Draw(pool(10, "x"), Request{Main: 2, Reserve: 1}, 20260401)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(IDs(got.Main), []int64{9, 7}) || !slices.Equal(IDs(got.Reserve), []int64{2}) {
			t.Errorf("got %v/%v, want [9 7]/[2]", IDs(got.Main), IDs(got.Reserve))
		}
	})
}

func TestDrawAvoidance(t *testing.T) {
	base := []Candidate{
		{ID: 1, Name: "甲", Specialty: "土建工程"},
		{ID: 2, Name: "乙", Specialty: "土建工程", EmployerOrgID: 100},               // works for the unit
		{ID: 3, Name: "丙", Specialty: "土建工程", EmployerOrgID: 300},               // works for a contractor
		{ID: 4, Name: "丁", Specialty: "土建工程", FirmID: 200},                      // belongs to the firm
		{ID: 5, Name: "戊", Specialty: "土建工程", EmployerOrgID: 200},               // employed by the firm
		{ID: 6, Name: "己", Specialty: "土建工程", RelatedOrgIDs: []int64{777, 100}}, // declared relation with the unit
		{ID: 7, Name: "庚", Specialty: "土建工程", RelatedOrgIDs: []int64{300}},      // declared relation with the contractor
		{ID: 8, Name: "辛", Specialty: "安装工程"},                                   // another specialty
		{ID: 9, Name: "壬", Specialty: "土建工程"},                                   // drawn lately
		{ID: 10, Name: "癸", Specialty: "土建工程", RecentDraws: 3},                  // drawn often
		{ID: 11, Name: "子", Specialty: "土建工程", EmployerOrgID: 555, RelatedOrgIDs: []int64{556}},
	}
	req := Request{Specialty: "土建工程", Main: 1, Reserve: 1, UnitID: 100, FirmID: 200, ContractorIDs: []int64{300},
		ExcludeIDs: []int64{9}, MaxRecent: 3}
	res, err := Draw(base, req, 7)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[int64]string{}
	for _, e := range res.Excluded {
		reasons[e.ID] = e.Reason
	}
	tests := []struct {
		name string
		id   int64
		want string
	}{
		{"same unit as the construction unit", 2, ReasonUnit},
		{"employed by a contractor", 3, ReasonContractor},
		{"member of the delegated firm", 4, ReasonFirm},
		{"employed by the delegated firm", 5, ReasonFirm},
		{"declared relation with the unit", 6, ReasonRelation},
		{"declared relation with a contractor", 7, ReasonRelation},
		{"other specialty", 8, ReasonSpecialty},
		{"drawn in the last draws", 9, ReasonExcluded},
		{"drawn too often lately", 10, ReasonRecent},
		{"eligible expert", 1, ""},
		{"unrelated employer and relation", 11, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if reasons[tc.id] != tc.want {
				t.Errorf("expert %d: reason %q, want %q", tc.id, reasons[tc.id], tc.want)
			}
		})
	}
	t.Run("only eligible experts are drawn", func(t *testing.T) {
		got := append(IDs(res.Main), IDs(res.Reserve)...)
		slices.Sort(got)
		if !slices.Equal(got, []int64{1, 11}) {
			t.Errorf("drew %v, want [1 11]", got)
		}
		if res.Eligible != 2 {
			t.Errorf("eligible = %d, want 2", res.Eligible)
		}
	})
}

func TestDrawErrors(t *testing.T) {
	tests := []struct {
		name  string
		pool  []Candidate
		req   Request
		short bool
		field string
	}{
		{"too few of the specialty", pool(3, "土建工程"), Request{Specialty: "土建工程", Main: 3, Reserve: 1}, true, ""},
		{"all excluded", pool(2, "x"), Request{Main: 1, ExcludeIDs: []int64{1, 2}}, true, ""},
		{"empty pool", nil, Request{Main: 1}, true, ""},
		{"no main expert asked", pool(3, "x"), Request{Main: 0}, false, "main"},
		{"negative reserve", pool(3, "x"), Request{Main: 1, Reserve: -1}, false, "reserve"},
		{"duplicate ids count once", []Candidate{{ID: 1}, {ID: 1}}, Request{Main: 2}, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Draw(tc.pool, tc.req, 1)
			var se *ShortError
			var re *RequestError
			switch {
			case tc.short:
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want *ShortError", err)
				}
				if se.Need != tc.req.Main+tc.req.Reserve || se.HTTPStatus() != 409 || se.Code() != "not_enough_experts" {
					t.Errorf("short error %+v", se)
				}
			default:
				if !errors.As(err, &re) || re.Field() != tc.field {
					t.Fatalf("err = %v, want a request error on %s", err, tc.field)
				}
			}
		})
	}
	t.Run("short error says how many there are", func(t *testing.T) {
		_, err := Draw(pool(3, "土建工程"), Request{Specialty: "土建工程", Main: 3, Reserve: 1}, 1)
		if want := "符合回避规则的专家不足(土建工程):需要 4 名,仅有 3 名"; err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	})
}
