package fee

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestExampleSchedule(t *testing.T) {
	s := Example()
	if !s.Example {
		t.Error("Example().Example = false")
	}
	if s.EffectiveFrom != "2018-03-15" || !strings.HasPrefix(s.Name, "示例") {
		t.Errorf("name %q, effective from %q", s.Name, s.EffectiveFrom)
	}
	if len(s.Bands) != 5 || s.Bands[4].UpTo != nil || !s.Bands[1].UpTo.Equal(decimal.New(50000000, 0)) {
		t.Fatalf("bands = %+v", s.Bands)
	}
	checks := map[string][2]decimal.Decimal{
		"discount":               {s.Discount, decimal.New(5, -1)},
		"reduction_rate":         {s.ReductionRate, decimal.New(5, -2)},
		"penalty_threshold":      {s.PenaltyThreshold, decimal.New(5, -2)},
		"unilateral_first_ratio": {s.UnilateralFirstRatio, decimal.New(8, -1)},
		"bands[3].rate":          {s.Bands[3].Rate, decimal.New(1, -3)},
	}
	for name, c := range checks {
		if !c[0].Equal(c[1]) {
			t.Errorf("%s = %s, want %s", name, c[0], c[1])
		}
	}
}

func TestExampleScheduleMatchesSharedData(t *testing.T) {
	shared, err := os.ReadFile("example-schedule.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, exampleScheduleJSON) {
		t.Error("embedded example differs from example-schedule.json")
	}
}

func TestScheduleJSONRoundTrip(t *testing.T) {
	s := Example()
	s.Version = 3
	split := DefaultStageSplit()
	s.StageSplit = &split
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"discount":"0.5"`, `{"up_to":null,"rate":"0.0005"}`, `{"up_to":"10000000","rate":"0.003"}`,
		`"version":3`, `"same_firm":["0.3","0.3","0.4"]`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("JSON lacks %s: %s", want, out)
		}
	}
	if strings.Contains(string(out), "example") {
		t.Errorf("JSON carries the example flag: %s", out)
	}
	var back Schedule
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(out) {
		t.Errorf("round trip changed the schedule:\n%s\n%s", out, again)
	}
	t.Run("example without version or stage split omits them", func(t *testing.T) {
		out, err := json.Marshal(Example())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "version") || strings.Contains(string(out), "stage_split") {
			t.Errorf("JSON = %s", out)
		}
	})
}

const validSchedule = `{
  "name": "测试费率表", "effective_from": "2024-01-01",
  "discount": "0.5", "reduction_rate": "0.05", "penalty_threshold": "0.05", "unilateral_first_ratio": "0.8",
  "bands": [{"up_to": "100", "rate": "0.01"}, {"up_to": "200", "rate": "0.005"}, {"up_to": null, "rate": "0.001"}]
}`

func TestParseScheduleRefuses(t *testing.T) {
	tests := []struct {
		name    string
		old     string // replaced in validSchedule by new
		new     string
		field   string
		msgPart string
	}{
		{"valid as written", "", "", "", ""},
		{"numbers instead of strings are fine", `"discount": "0.5"`, `"discount": 0.5`, "", ""},
		{"empty name", `"name": "测试费率表"`, `"name": " "`, "name", "名称"},
		{"bad date", `"2024-01-01"`, `"2024-02-30"`, "effective_from", "日期"},
		{"missing discount", `"discount": "0.5", `, ``, "discount", "必填"},
		{"discount above one", `"discount": "0.5"`, `"discount": "1.5"`, "discount", "0 到 1"},
		{"negative reduction rate", `"reduction_rate": "0.05"`, `"reduction_rate": "-0.05"`, "reduction_rate", "非负"},
		{"exponent refused", `"penalty_threshold": "0.05"`, `"penalty_threshold": "5e-2"`, "penalty_threshold", "非负"},
		{"first ratio above one", `"unilateral_first_ratio": "0.8"`, `"unilateral_first_ratio": "1.01"`, "unilateral_first_ratio", "0 到 1"},
		{"ratio may be exactly one", `"unilateral_first_ratio": "0.8"`, `"unilateral_first_ratio": "1"`, "", ""},
		{"no bands", `"bands": [{"up_to": "100", "rate": "0.01"}, {"up_to": "200", "rate": "0.005"}, {"up_to": null, "rate": "0.001"}]`, `"bands": []`, "bands", "至少"},
		{"up_to not increasing", `{"up_to": "200", "rate": "0.005"}`, `{"up_to": "100", "rate": "0.005"}`, "bands[1].up_to", "大于上一段"},
		{"up_to zero", `{"up_to": "100", "rate": "0.01"}`, `{"up_to": "0", "rate": "0.01"}`, "bands[0].up_to", "大于 0"},
		{"open band in the middle", `{"up_to": "200", "rate": "0.005"}`, `{"up_to": null, "rate": "0.005"}`, "bands[1].up_to", "最后一段"},
		{"missing up_to in the middle", `{"up_to": "200", "rate": "0.005"}`, `{"rate": "0.005"}`, "bands[1].up_to", "最后一段"},
		{"last band closed", `{"up_to": null, "rate": "0.001"}`, `{"up_to": "300", "rate": "0.001"}`, "bands[2].up_to", "null"},
		{"up_to with three decimals", `"up_to": "100"`, `"up_to": "100.005"`, "bands[0].up_to", "两位小数"},
		{"rate above one", `"rate": "0.005"`, `"rate": "2"`, "bands[1].rate", "0 到 1"},
		{"rate with seven decimals", `"rate": "0.005"`, `"rate": "0.0050001"`, "bands[1].rate", "6 位小数"},
		{"rate missing", `"rate": "0.001"`, `"ratio": "0.001"`, "ratio", "未知字段"},
		{"unknown field", `"name"`, `"colour": "red", "name"`, "colour", "未知字段"},
		{"name of wrong type", `"name": "测试费率表"`, `"name": 7`, "name", "类型"},
		{"not JSON", validSchedule, `{"name": `, "schedule", "JSON"},
		{"stage split shares must add up", `"bands"`, `"stage_split": {"same_firm": ["0.3","0.3"], "different_firms": ["0.4"]}, "bands"`, "stage_split.same_firm", "之和"},
		{"stage split share out of range", `"bands"`, `"stage_split": {"same_firm": ["1"], "different_firms": ["0.4", "1.2"]}, "bands"`, "stage_split.different_firms[1]", "0 到 1"},
		{"stage split valid", `"bands"`, `"stage_split": {"same_firm": ["0.3","0.3","0.4"], "different_firms": ["0.4","0.5","0.6"]}, "bands"`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := validSchedule
			if tc.old != "" {
				if !strings.Contains(text, tc.old) {
					t.Fatalf("test schedule lacks %q", tc.old)
				}
				text = strings.Replace(text, tc.old, tc.new, 1)
			}
			s, err := ParseSchedule([]byte(text))
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused a valid schedule: %v", err)
				}
				if len(s.Bands) != 3 || s.Example {
					t.Errorf("schedule = %+v", s)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v, want a FieldError on %s", err, tc.field)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Msg, tc.msgPart) {
				t.Errorf("error = %q, want field %s and a message with %q", err, tc.field, tc.msgPart)
			}
			if err.Error() != fe.Field+": "+fe.Msg {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestStageFees(t *testing.T) {
	split := DefaultStageSplit()
	if err := split.Validate(); err != nil {
		t.Fatalf("default split invalid: %v", err)
	}
	tests := []struct {
		name     string
		total    string
		sameFirm bool
		want     []string
	}{
		{"same firm 30/30/40", "50987.65", true, []string{"15296.30", "15296.30", "20395.05"}},
		{"same firm last takes the remainder", "0.05", true, []string{"0.02", "0.02", "0.01"}},
		{"different firms capped at 100 percent", "50987.65", false, []string{"20395.06", "25493.83", "5098.76"}},
		{"different firms of zero", "0", false, []string{"0.00", "0.00", "0.00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			total := dec(t, tc.total)
			got := StageFees(total, split, tc.sameFirm)
			if len(got) != len(tc.want) {
				t.Fatalf("stages = %v, want %v", got, tc.want)
			}
			var sum decimal.Decimal
			for i, w := range tc.want {
				if got[i].StringFixed(2) != w {
					t.Errorf("stage %d = %s, want %s", i+1, got[i].StringFixed(2), w)
				}
				sum = sum.Add(got[i])
			}
			if !sum.Equal(total) {
				t.Errorf("stages add up to %s, want %s", sum, total)
			}
		})
	}
	t.Run("different firms below 100 percent pay less than the whole", func(t *testing.T) {
		got := StageFees(decimal.New(1000, 0), StageSplit{SameFirm: []decimal.Decimal{decimal.New(1, 0)}, DifferentFirms: []decimal.Decimal{decimal.New(4, -1)}}, false)
		if len(got) != 1 || got[0].StringFixed(2) != "400.00" {
			t.Errorf("stages = %v, want [400.00]", got)
		}
	})
}

// TestParseScheduleReportsEveryField: a schedule with several bad fields
// is refused with each of them (errors.Join), in order; a value that is
// not a decimal is refused once, not judged again by the rules.
func TestParseScheduleReportsEveryField(t *testing.T) {
	text := strings.NewReplacer(`"name": "测试费率表"`, `"name": ""`, `"discount": "0.5"`, `"discount": "八折"`,
		`"rate": "0.005"`, `"rate": "2"`).Replace(validSchedule)
	_, err := ParseSchedule([]byte(text))
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error = %v, want several", err)
	}
	var fields []string
	for _, e := range joined.Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a FieldError", e)
		}
		fields = append(fields, fe.Field)
	}
	if got := strings.Join(fields, " "); got != "discount name bands[1].rate" {
		t.Fatalf("refused fields %q, want discount, name and bands[1].rate", got)
	}
}
