package draw

import (
	"encoding/json"
	"slices"
	"testing"
)

// A recorded draw keeps its pool, request and exclusions as JSON, and
// VerifyDraw reads them back years later: the JSON names stay as they were
// first recorded.
func TestRecordedJSONForm(t *testing.T) {
	pool := []Candidate{
		{ID: 7, Name: "张工", Specialty: "土建工程", EmployerOrgID: 30, FirmID: 40, RelatedOrgIDs: []int64{50, 51}, RecentDraws: 2},
		{ID: 8, Name: "李工", Specialty: "安装工程"},
	}
	req := Request{Specialty: "土建工程", Main: 3, Reserve: 2, UnitID: 900, FirmID: 40, ContractorIDs: []int64{60},
		ExcludeIDs: []int64{9}, MaxRecent: 5}
	ex := []Exclusion{{ID: 7, Name: "张工", Reason: ReasonFirm}}
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"pool", pool, `[{"id":7,"name":"张工","specialty":"土建工程","employer_org_id":30,"firm_id":40,"related_org_ids":[50,51],"recent_draws":2},` +
			`{"id":8,"name":"李工","specialty":"安装工程","recent_draws":0}]`},
		{"request", req, `{"specialty":"土建工程","main":3,"reserve":2,"unit_id":900,"firm_id":40,"contractor_ids":[60],"exclude_ids":[9],"max_recent":5}`},
		{"request without options", Request{Specialty: "土建工程", Main: 1, UnitID: 900}, `{"specialty":"土建工程","main":1,"reserve":0,"unit_id":900}`},
		{"exclusions", ex, `[{"id":7,"name":"张工","reason":"与承办中介机构为同一机构,须回避"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("JSON\n got %s\nwant %s", b, tc.want)
			}
		})
	}
	t.Run("read back", func(t *testing.T) {
		var gotPool []Candidate
		var gotReq Request
		if err := json.Unmarshal([]byte(`[{"id":7,"name":"张工","specialty":"土建工程","employer_org_id":30,"firm_id":40,"related_org_ids":[50,51],"recent_draws":2}]`), &gotPool); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(`{"specialty":"土建工程","main":3,"reserve":2,"unit_id":900,"firm_id":40,"contractor_ids":[60],"exclude_ids":[9],"max_recent":5}`), &gotReq); err != nil {
			t.Fatal(err)
		}
		if len(gotPool) != 1 || gotPool[0].EmployerOrgID != 30 || gotPool[0].FirmID != 40 || !slices.Equal(gotPool[0].RelatedOrgIDs, []int64{50, 51}) ||
			gotPool[0].RecentDraws != 2 {
			t.Errorf("pool read back as %+v", gotPool)
		}
		if gotReq.Main != 3 || gotReq.Reserve != 2 || gotReq.UnitID != 900 || !slices.Equal(gotReq.ContractorIDs, []int64{60}) ||
			!slices.Equal(gotReq.ExcludeIDs, []int64{9}) || gotReq.MaxRecent != 5 {
			t.Errorf("request read back as %+v", gotReq)
		}
	})
}
