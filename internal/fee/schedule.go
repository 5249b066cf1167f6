package fee

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// MaxRatePlaces is the most decimal places a rate or ratio may have: rates
// are stored as DECIMAL(9,6).
const MaxRatePlaces = 6

//go:embed example-schedule.json
var exampleScheduleJSON []byte

// Band is one segment of the progressive table: the part of the submitted
// amount above the previous band's UpTo and up to this UpTo is charged Rate.
// A nil UpTo marks the open last band.
type Band struct {
	UpTo *decimal.Decimal
	Rate decimal.Decimal
}

// Schedule is a versioned fee schedule (费率表). Rates are data chosen by the
// date a review was delegated; EffectiveFrom is a date written YYYY-MM-DD.
type Schedule struct {
	Name                 string
	Version              int
	EffectiveFrom        string
	Discount             decimal.Decimal // 0.5 = 五折
	ReductionRate        decimal.Decimal // 核减追加付费率
	PenaltyThreshold     decimal.Decimal // 0.05: the 5% rule
	UnilateralFirstRatio decimal.Decimal // share paid at once on a unilateral conclusion
	Bands                []Band
	StageSplit           *StageSplit // nil: the stage split policy is off
	Example              bool        // the built-in example, not an official schedule

	// fast is the schedule's figures as the integer path of Compute uses
	// them, built once by ParseSchedule. Compute checks that the figures are
	// still the ones it was built from and builds afresh when they are not.
	fast *fastSchedule
}

// FieldError is a refused input, naming the offending field (a JSON path such
// as "bands[2].up_to" for schedules, or "submitted" for a fee input) with a
// Chinese message for people.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Code is the stable English code of every FieldError.
func (e *FieldError) Code() string { return "invalid_field" }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Example returns the built-in example schedule. It is an example, not the
// official regional table, and its Example field says so.
func Example() Schedule {
	s, err := ParseSchedule(exampleScheduleJSON)
	if err != nil {
		panic(fmt.Sprintf("fee: embedded example schedule: %v", err))
	}
	s.Example = true
	return s
}

// ParseSchedule decodes a schedule in the JSON form of
// data/fee-schedule.example.json and validates it. Unknown fields are refused.
func ParseSchedule(data []byte) (Schedule, error) {
	var w wireSchedule
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Schedule{}, decodeError(err)
	}
	if dec.More() {
		return Schedule{}, fieldErr("schedule", "JSON 之后还有多余内容")
	}
	// Every refused field is reported at once: the values that are not
	// decimals, then the rules on the others.
	s, errs := w.schedule()
	var all []error
	for _, e := range errs {
		all = append(all, e)
	}
	for _, e := range s.problems() {
		// A value that did not decode is not judged again (nor a list
		// left empty by it).
		judged := true
		for _, u := range errs {
			judged = judged && u.Field != e.Field && !strings.HasPrefix(u.Field, e.Field+"[")
		}
		if judged {
			all = append(all, e)
		}
	}
	if len(all) > 0 {
		return Schedule{}, errors.Join(all...)
	}
	s.fast = newFastSchedule(s)
	return s, nil
}

// UnmarshalJSON decodes and validates a schedule, like ParseSchedule.
func (s *Schedule) UnmarshalJSON(data []byte) error {
	parsed, err := ParseSchedule(data)
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}

// MarshalJSON writes the schedule in the form of
// data/fee-schedule.example.json: decimals as strings, up_to null for the
// open band; version and stage_split only when set.
func (s Schedule) MarshalJSON() ([]byte, error) {
	out := wireSchedule{
		Name:                 s.Name,
		Version:              s.Version,
		EffectiveFrom:        s.EffectiveFrom,
		Discount:             decimalText(s.Discount),
		ReductionRate:        decimalText(s.ReductionRate),
		PenaltyThreshold:     decimalText(s.PenaltyThreshold),
		UnilateralFirstRatio: decimalText(s.UnilateralFirstRatio),
		Bands:                make([]wireBand, len(s.Bands)),
	}
	for i, b := range s.Bands {
		out.Bands[i].Rate = decimalText(b.Rate)
		out.Bands[i].UpTo = rawDecimal{present: true, null: true}
		if b.UpTo != nil {
			out.Bands[i].UpTo = decimalText(*b.UpTo)
		}
	}
	if s.StageSplit != nil {
		out.StageSplit = &wireStageSplit{
			SameFirm:       decimalTexts(s.StageSplit.SameFirm),
			DifferentFirms: decimalTexts(s.StageSplit.DifferentFirms),
		}
	}
	return json.Marshal(out)
}

// Validate checks the rules of FEES.md "Bad input": a non-empty name, a real
// effective date, at least one band, up_to values above zero and strictly
// increasing, exactly the last band open, and every rate and ratio in [0, 1]
// with at most MaxRatePlaces decimals. Band limits are money (two decimals).
// Every refused field is reported (errors.Join), in the order above.
func (s Schedule) Validate() error {
	errs := s.problems()
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

// problems lists what Validate refuses, field by field.
func (s Schedule) problems() []*FieldError {
	var errs []*FieldError
	if strings.TrimSpace(s.Name) == "" {
		errs = append(errs, fieldErr("name", "名称不能为空"))
	}
	if s.Version < 0 {
		errs = append(errs, fieldErr("version", "版本号不能为负数"))
	}
	if _, err := time.Parse(time.DateOnly, s.EffectiveFrom); err != nil {
		errs = append(errs, fieldErr("effective_from", "生效日期须为 YYYY-MM-DD 格式的有效日期,而不是 %q", s.EffectiveFrom))
	}
	for _, fe := range []*FieldError{
		checkRatio("discount", s.Discount),
		checkRatio("reduction_rate", s.ReductionRate),
		checkRatio("penalty_threshold", s.PenaltyThreshold),
		checkRatio("unilateral_first_ratio", s.UnilateralFirstRatio),
	} {
		if fe != nil {
			errs = append(errs, fe)
		}
	}
	if len(s.Bands) == 0 {
		errs = append(errs, fieldErr("bands", "至少需要一个分段"))
	}
	var prev decimal.Decimal
	last := len(s.Bands) - 1
	for i, b := range s.Bands {
		path := fmt.Sprintf("bands[%d]", i)
		switch {
		case b.UpTo == nil && i != last:
			errs = append(errs, fieldErr(path+".up_to", "只有最后一段可以不设上限(null)"))
		case b.UpTo != nil && i == last:
			errs = append(errs, fieldErr(path+".up_to", "最后一段的上限须为 null(不设上限)"))
		case b.UpTo == nil:
		case b.UpTo.Sign() <= 0:
			errs = append(errs, fieldErr(path+".up_to", "上限须大于 0"))
		case !hasAtMostTwoPlaces(*b.UpTo):
			errs = append(errs, fieldErr(path+".up_to", "上限最多两位小数"))
		case i > 0 && b.UpTo.Cmp(prev) <= 0:
			errs = append(errs, fieldErr(path+".up_to", "上限须大于上一段的上限 %s", prev.String()))
		default:
			prev = *b.UpTo
		}
		if fe := checkRatio(path+".rate", b.Rate); fe != nil {
			errs = append(errs, fe)
		}
	}
	if s.StageSplit != nil {
		if err := s.StageSplit.Validate(); err != nil {
			fe := &FieldError{Field: "stage_split", Msg: err.Error()}
			if errors.As(err, &fe) {
				fe = &FieldError{Field: "stage_split." + fe.Field, Msg: fe.Msg}
			}
			errs = append(errs, fe)
		}
	}
	return errs
}

func checkRatio(field string, v decimal.Decimal) *FieldError {
	if v.Sign() < 0 || v.Cmp(decimal.New(1, 0)) > 0 {
		return fieldErr(field, "须在 0 到 1 之间,而不是 %s", v.String())
	}
	if v.Exponent() < -MaxRatePlaces && !v.Round(MaxRatePlaces).Equal(v) {
		return fieldErr(field, "最多 %d 位小数", MaxRatePlaces)
	}
	return nil
}

// wire types: what the JSON file holds, read and written alike (version
// and stage_split are written only when set).

type wireSchedule struct {
	Name                 string          `json:"name"`
	Version              int             `json:"version,omitempty"`
	EffectiveFrom        string          `json:"effective_from"`
	Discount             rawDecimal      `json:"discount"`
	ReductionRate        rawDecimal      `json:"reduction_rate"`
	PenaltyThreshold     rawDecimal      `json:"penalty_threshold"`
	UnilateralFirstRatio rawDecimal      `json:"unilateral_first_ratio"`
	Bands                []wireBand      `json:"bands"`
	StageSplit           *wireStageSplit `json:"stage_split,omitempty"`
}

type wireBand struct {
	UpTo rawDecimal `json:"up_to"`
	Rate rawDecimal `json:"rate"`
}

type wireStageSplit struct {
	SameFirm       []rawDecimal `json:"same_firm"`
	DifferentFirms []rawDecimal `json:"different_firms"`
}

// rawDecimal keeps a JSON decimal (a string such as "0.003", or a plain
// number) as text until its path is known, so errors can name the field.
type rawDecimal struct {
	present bool
	null    bool
	text    string
}

// decimalText is d as the file writes it.
func decimalText(d decimal.Decimal) rawDecimal {
	return rawDecimal{present: true, text: d.String()}
}

// MarshalJSON writes the decimal as a string, or null.
func (r rawDecimal) MarshalJSON() ([]byte, error) {
	if r.null {
		return []byte("null"), nil
	}
	return json.Marshal(r.text)
}

func (r *rawDecimal) UnmarshalJSON(b []byte) error {
	r.present = true
	switch {
	case string(b) == "null":
		r.null = true
	case len(b) > 0 && b[0] == '"':
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return fmt.Errorf("decimal string %s: %w", b, err)
		}
		r.text = s
	default:
		r.text = string(b)
	}
	return nil
}

// plainDecimal matches ^[0-9]+(\.[0-9]+)?$.
func plainDecimal(s string) bool {
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" || (hasPoint && frac == "") {
		return false
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
		}
	}
	return true
}

func (r rawDecimal) decimal(field string) (decimal.Decimal, *FieldError) {
	if !r.present || r.null {
		return decimal.Decimal{}, fieldErr(field, "必填")
	}
	if !plainDecimal(r.text) {
		return decimal.Decimal{}, fieldErr(field, "须为非负小数,如 \"0.5\",而不是 %q", r.text)
	}
	d, err := decimal.NewFromString(r.text)
	if err != nil {
		return decimal.Decimal{}, fieldErr(field, "须为非负小数,如 \"0.5\",而不是 %q", r.text)
	}
	return d, nil
}

// schedule decodes the decimals, listing every one that is not; those
// are left zero (an up_to, nil).
func (w wireSchedule) schedule() (Schedule, []*FieldError) {
	s := Schedule{Name: w.Name, Version: w.Version, EffectiveFrom: w.EffectiveFrom}
	var errs []*FieldError
	dec := func(r rawDecimal, field string) decimal.Decimal {
		d, err := r.decimal(field)
		if err != nil {
			errs = append(errs, err)
		}
		return d
	}
	s.Discount = dec(w.Discount, "discount")
	s.ReductionRate = dec(w.ReductionRate, "reduction_rate")
	s.PenaltyThreshold = dec(w.PenaltyThreshold, "penalty_threshold")
	s.UnilateralFirstRatio = dec(w.UnilateralFirstRatio, "unilateral_first_ratio")
	s.Bands = make([]Band, len(w.Bands))
	for i, b := range w.Bands {
		path := fmt.Sprintf("bands[%d]", i)
		if b.UpTo.present && !b.UpTo.null {
			if u, err := b.UpTo.decimal(path + ".up_to"); err != nil {
				errs = append(errs, err)
			} else {
				s.Bands[i].UpTo = &u
			}
		}
		s.Bands[i].Rate = dec(b.Rate, path+".rate")
	}
	if w.StageSplit != nil {
		split := StageSplit{}
		var err *FieldError
		if split.SameFirm, err = rawDecimals("stage_split.same_firm", w.StageSplit.SameFirm); err != nil {
			errs = append(errs, err)
		}
		if split.DifferentFirms, err = rawDecimals("stage_split.different_firms", w.StageSplit.DifferentFirms); err != nil {
			errs = append(errs, err)
		}
		s.StageSplit = &split
	}
	return s, errs
}

func rawDecimals(field string, raw []rawDecimal) ([]decimal.Decimal, *FieldError) {
	out := make([]decimal.Decimal, len(raw))
	for i, r := range raw {
		d, err := r.decimal(fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

func decimalTexts(ds []decimal.Decimal) []rawDecimal {
	out := make([]rawDecimal, len(ds))
	for i, d := range ds {
		out[i] = decimalText(d)
	}
	return out
}

// decodeError turns an encoding/json error into a FieldError naming the field
// where possible.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fieldErr(typeErr.Field, "类型不正确,应为 %s", typeErr.Type.String())
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if unquoted, uerr := strconv.Unquote(name); uerr == nil {
			name = unquoted
		}
		if name == "" {
			return fieldErr("schedule", "未知字段(空字段名)")
		}
		return fieldErr(name, "未知字段")
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fieldErr("schedule", "JSON 格式错误(第 %d 字节附近)", syntaxErr.Offset)
	}
	return fieldErr("schedule", "无法解析 JSON: %v", err)
}
