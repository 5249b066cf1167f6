package fee

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzParseSchedule feeds arbitrary JSON to ParseSchedule: it never panics,
// every refusal is a *FieldError naming a field, and an accepted schedule
// validates, prints back to JSON that parses to the same schedule, and
// computes a fee without error or negative figures.
func FuzzParseSchedule(f *testing.F) {
	f.Add(string(exampleScheduleJSON))
	for _, seed := range []string{
		`{}`,
		`null`,
		`[]`,
		`{"name":"x","effective_from":"2025-01-01","discount":"1","reduction_rate":"0","penalty_threshold":"0.05","unilateral_first_ratio":"1","bands":[{"up_to":null,"rate":"0.001"}]}`,
		`{"name":"x","effective_from":"2025-02-30","discount":"1","reduction_rate":"0","penalty_threshold":"0.05","unilateral_first_ratio":"1","bands":[{"up_to":null,"rate":"0.001"}]}`,
		`{"name":"x","effective_from":"2025-01-01","discount":"1.5","reduction_rate":"0","penalty_threshold":"0.05","unilateral_first_ratio":"1","bands":[{"up_to":null,"rate":"0.001"}]}`,
		`{"name":"x","effective_from":"2025-01-01","discount":"1","reduction_rate":"0","penalty_threshold":"0.05","unilateral_first_ratio":"1","bands":[{"up_to":"100","rate":"0.001"},{"up_to":"50","rate":"0.001"},{"up_to":null,"rate":"0"}]}`,
		`{"name":"x","effective_from":"2025-01-01","discount":1e400,"reduction_rate":"0","penalty_threshold":"0.05","unilateral_first_ratio":"1","bands":[]}`,
		`{"name":"x","effective_from":"2025-01-01","discount":"NaN","reduction_rate":"-0","penalty_threshold":"0.05","unilateral_first_ratio":"1","bands":[{"up_to":null,"rate":"0.001"}]}`,
		`{"name":"x","unknown":1}`,
		`{"name":"x"} {"name":"y"}`,
		`{"name":"<script>alert(1)</script>","effective_from":"2025-01-01","discount":"0.5","reduction_rate":"0.05","penalty_threshold":"0.05","unilateral_first_ratio":"0.8","bands":[{"up_to":"1e2","rate":"0.003"},{"up_to":null,"rate":"0.0005"}]}`,
		`{"name":"x","effective_from":"2025-01-01","discount":"1","reduction_rate":"0","penalty_threshold":"0.05","unilateral_first_ratio":"1","bands":[{"up_to":null,"rate":"0.001"}],"stage_split":{"same_firm":["0.5","0.5"],"different_firms":["1"]}}`,
		`{"name":"x","effective_from":"2025-01-01","discount":"0.00000000000000000000000000001","reduction_rate":"0","penalty_threshold":"0.05","unilateral_first_ratio":"1","bands":[{"up_to":"99999999999999999999999999","rate":"0.001"},{"up_to":null,"rate":"0.001"}]}`,
		"{\"name\":\"\x00\",\"bands\":[{}]}",
		`{"name":"x","version":-1}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSchedule([]byte(in))
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Msg == "" {
				t.Fatalf("ParseSchedule(%q) refused with %T %v, want a *FieldError", in, err, err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted schedule does not validate: %v", err)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal accepted schedule: %v", err)
		}
		back, err := ParseSchedule(out)
		if err != nil {
			t.Fatalf("printed schedule %s does not parse: %v", out, err)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(out) {
			t.Fatalf("round trip changed the schedule:\n%s\n%s", out, again)
		}
		for _, amounts := range [][2]string{{"1000000.00", "950000.00"}, {"0.01", "0.01"}, {"123456789012.34", "1.00"}} {
			res, err := Compute(s, Input{Kind: Settlement, Outcome: Normal,
				Submitted: decimal.RequireFromString(amounts[0]), Audited: decimal.RequireFromString(amounts[1])})
			if err != nil {
				t.Fatalf("compute with accepted schedule %s: %v", out, err)
			}
			if res.TotalFee.Sign() < 0 || res.BasicFee.Sign() < 0 || res.PayableLater.Sign() < 0 {
				t.Fatalf("negative fee %+v from schedule %s", res, out)
			}
		}
	})
}
