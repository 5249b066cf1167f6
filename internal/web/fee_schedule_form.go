package web

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"finreview/internal/billing"
	"finreview/internal/fee"
)

// The fee schedule is edited as a form of figures and bands, never as
// JSON: the form is turned into the schedule's stored document here, and
// a refusal is shown in Chinese at its field. A preview button computes
// the fee of a sample amount with the figures as typed, before saving.

const scheduleBandRows = 8

type scheduleBandRow struct {
	Index            int
	No               int
	UpTo, Rate       string
	UpToErr, RateErr string
}

type scheduleForm struct {
	Name, EffectiveFrom, Discount, ReductionRate, PenaltyThreshold, UnilateralFirstRatio string
	Bands                                                                                []scheduleBandRow
	// StageSplit carries the latest version's stage split policy unchanged.
	StageSplit            string
	Sample, SampleAudited string
	Errors                map[string]string
	Preview               *schedulePreview
}

type schedulePreview struct {
	Submitted, Audited, BasicFee, ReductionFee, TotalFee, ContractorShare string
}

// scheduleFieldLabels names the schedule's figures.
var scheduleFieldLabels = map[string]string{
	"name": "名称", "effective_from": "生效日期", "discount": "折扣", "reduction_rate": "核减追加付费率",
	"penalty_threshold": "施工单位承担阈值", "unilateral_first_ratio": "单方结论先付比例", "bands": "分段",
	"sample": "示例送审金额", "sample_audited": "示例审定金额",
}

func scheduleFormOf(s fee.Schedule) scheduleForm {
	f := scheduleForm{Name: s.Name, EffectiveFrom: s.EffectiveFrom, Discount: s.Discount.String(),
		ReductionRate: s.ReductionRate.String(), PenaltyThreshold: s.PenaltyThreshold.String(),
		UnilateralFirstRatio: s.UnilateralFirstRatio.String(), Sample: "10000000.00", SampleAudited: "9000000.00",
		Errors: map[string]string{}}
	if s.StageSplit != nil {
		if b, err := json.Marshal(s); err == nil {
			var m map[string]json.RawMessage
			if json.Unmarshal(b, &m) == nil {
				f.StageSplit = string(m["stage_split"])
			}
		}
	}
	for i := range scheduleBandRows {
		row := scheduleBandRow{Index: i, No: i + 1}
		if i < len(s.Bands) {
			row.Rate = s.Bands[i].Rate.String()
			if s.Bands[i].UpTo != nil {
				row.UpTo = s.Bands[i].UpTo.String()
			}
		}
		f.Bands = append(f.Bands, row)
	}
	return f
}

func readScheduleForm(c *fiber.Ctx) scheduleForm {
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	f := scheduleForm{Name: v("name"), EffectiveFrom: v("effective_from"), Discount: v("discount"),
		ReductionRate: v("reduction_rate"), PenaltyThreshold: v("penalty_threshold"),
		UnilateralFirstRatio: v("unilateral_first_ratio"), StageSplit: v("stage_split"),
		Sample: strings.ReplaceAll(v("sample"), ",", ""), SampleAudited: strings.ReplaceAll(v("sample_audited"), ",", ""),
		Errors: map[string]string{}}
	for i := range scheduleBandRows {
		f.Bands = append(f.Bands, scheduleBandRow{Index: i, No: i + 1,
			UpTo: strings.ReplaceAll(v(fmt.Sprintf("band_up_to_%d", i)), ",", ""), Rate: v(fmt.Sprintf("band_rate_%d", i))})
	}
	return f
}

// check flags every empty figure at once, before the schedule's own rules.
func (f *scheduleForm) check() {
	for k, val := range map[string]string{"name": f.Name, "effective_from": f.EffectiveFrom, "discount": f.Discount,
		"reduction_rate": f.ReductionRate, "penalty_threshold": f.PenaltyThreshold, "unilateral_first_ratio": f.UnilateralFirstRatio} {
		if val == "" {
			f.Errors[k] = "请填写" + scheduleFieldLabels[k]
		}
	}
	if len(f.bands()) == 0 {
		f.Errors["bands"] = "请至少填写一段的费率"
	}
	for i, b := range f.Bands {
		if b.UpTo != "" && b.Rate == "" {
			f.Bands[i].RateErr = "请填写第 " + strconv.Itoa(b.No) + " 段的费率"
			f.Errors["bands"] = "分段有误,见标红的格子"
		}
	}
}

func (f *scheduleForm) bands() []scheduleBandRow {
	var out []scheduleBandRow
	for _, b := range f.Bands {
		if b.UpTo != "" || b.Rate != "" {
			out = append(out, b)
		}
	}
	return out
}

// document is the schedule as the stored JSON document.
func (f *scheduleForm) document() []byte {
	type band struct {
		UpTo *string `json:"up_to"`
		Rate string  `json:"rate"`
	}
	doc := map[string]any{"name": f.Name, "effective_from": f.EffectiveFrom, "discount": f.Discount,
		"reduction_rate": f.ReductionRate, "penalty_threshold": f.PenaltyThreshold,
		"unilateral_first_ratio": f.UnilateralFirstRatio}
	var bands []band
	for _, b := range f.bands() {
		var up *string
		if b.UpTo != "" {
			up = &b.UpTo
		}
		bands = append(bands, band{UpTo: up, Rate: b.Rate})
	}
	doc["bands"] = bands
	if f.StageSplit != "" && f.StageSplit != "null" {
		doc["stage_split"] = json.RawMessage(f.StageSplit)
	}
	b, _ := json.Marshal(doc)
	return b
}

var bandPath = regexp.MustCompile(`^bands\[(\d+)\]\.(up_to|rate)$`)

// refuse shows every refused field of a schedule at its field, in
// Chinese (the first refusal of each); it reports whether err was such a
// refusal.
func (f *scheduleForm) refuse(err error) bool {
	fs, ok := fieldErrors(err)
	for _, fm := range fs {
		f.refuseField(fm.Field, fm.Msg)
	}
	return ok
}

func (f *scheduleForm) refuseField(path, msg string) {
	fail := func(at *string, msg string) {
		if *at == "" {
			*at = msg
		}
	}
	if m := bandPath.FindStringSubmatch(path); m != nil {
		n, _ := strconv.Atoi(m[1])
		rows := f.bands()
		if n < len(rows) {
			i := rows[n].Index
			label := fmt.Sprintf("第 %d 段", i+1)
			if m[2] == "up_to" {
				fail(&f.Bands[i].UpToErr, label+"上限:"+msg)
			} else {
				fail(&f.Bands[i].RateErr, label+"费率:"+msg)
			}
		}
		msg, path = "分段有误,见标红的格子", "bands"
	}
	key := strings.SplitN(path, ".", 2)[0]
	key = strings.SplitN(key, "[", 2)[0]
	if _, ok := scheduleFieldLabels[key]; !ok {
		key = "form"
	}
	if _, seen := f.Errors[key]; !seen {
		f.Errors[key] = msg
	}
}

// parse checks the figures as typed: every empty or refused one is
// flagged at once; ok when there is none.
func (f *scheduleForm) parse() (s fee.Schedule, ok bool) {
	f.check()
	s, err := billing.CheckSchedule(f.document())
	if err != nil && !f.refuse(err) {
		f.Errors["form"] = "费率表有误,请检查各项"
	}
	return s, len(f.Errors) == 0
}

// preview computes the sample's fee with the figures as typed (s, when
// they parsed), after checking the sample amounts.
func (f *scheduleForm) preview(s fee.Schedule, parsed bool) {
	sub, err := fee.ParseAmount(f.Sample)
	if err != nil || !sub.IsPositive() {
		f.Errors["sample"] = "示例送审金额须为大于 0 的金额"
	}
	aud, err := fee.ParseAmount(f.SampleAudited)
	if err != nil || aud.IsNegative() {
		f.Errors["sample_audited"] = "示例审定金额须为不小于 0 的金额"
	}
	if !parsed || len(f.Errors) > 0 {
		return
	}
	r, err := fee.Compute(s, fee.Input{Kind: fee.Settlement, Outcome: fee.Normal, Submitted: sub, Audited: aud})
	if err != nil {
		f.Errors["sample"] = "无法按此费率表计算:" + errText(err)
		return
	}
	money := func(d decimal.Decimal) string { return FormatMoney(d) }
	f.Preview = &schedulePreview{Submitted: money(sub), Audited: money(aud), BasicFee: money(r.BasicFee),
		ReductionFee: money(r.ReductionFee), TotalFee: money(r.TotalFee), ContractorShare: money(r.ContractorShare)}
}
