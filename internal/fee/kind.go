package fee

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Kind is the kind of review; it decides which fee rules apply.
type Kind string

// The review kinds of FEES.md, in the order they are listed to users.
const (
	Estimate         Kind = "estimate"
	Budget           Kind = "budget"
	Settlement       Kind = "settlement"
	Change           Kind = "change"
	FinalAccounts    Kind = "final_accounts"
	ProcurementFinal Kind = "procurement_final"
	Tracking         Kind = "tracking"
	SpecialCheck     Kind = "special_check"
)

// ErrUnknownKind is returned by ParseKind for a code that is not a review kind.
var ErrUnknownKind = errors.New("未知的评审类型")

// ErrUnknownOutcome is returned by ParseOutcome for a code that is not an outcome.
var ErrUnknownOutcome = errors.New("未知的评审结果")

// Kinds lists every review kind in display order.
func Kinds() []Kind {
	return []Kind{Estimate, Budget, Settlement, Change, FinalAccounts, ProcurementFinal, Tracking, SpecialCheck}
}

// ParseKind turns a code such as "settlement" into a Kind, refusing unknown codes.
func ParseKind(s string) (Kind, error) { return parseCode(s, Kinds(), ErrUnknownKind) }

func (k Kind) valid() bool { return slices.Contains(Kinds(), k) }

// Label is the Chinese name of the kind shown to users.
func (k Kind) Label() string {
	switch k {
	case Estimate:
		return "概算"
	case Budget:
		return "预算"
	case Settlement:
		return "工程结算"
	case Change:
		return "工程变更"
	case FinalAccounts:
		return "竣工财务决算"
	case ProcurementFinal:
		return "政府采购项目决算"
	case Tracking:
		return "跟踪评审"
	case SpecialCheck:
		return "专项核查/绩效评审"
	}
	return string(k)
}

// billsContractor reports whether the 5% rule charges the contractor: only
// for the contractor's own bill, a settlement or a change.
func (k Kind) billsContractor() bool {
	return k == Settlement || k == Change
}

// Outcome is how a review ended, as far as the fee is concerned.
type Outcome string

// The outcomes of FEES.md.
const (
	Normal     Outcome = "normal"
	Returned   Outcome = "returned"
	Unilateral Outcome = "unilateral"
)

// Outcomes lists every outcome in display order.
func Outcomes() []Outcome {
	return []Outcome{Normal, Returned, Unilateral}
}

// ParseOutcome turns a code such as "unilateral" into an Outcome, refusing unknown codes.
func ParseOutcome(s string) (Outcome, error) { return parseCode(s, Outcomes(), ErrUnknownOutcome) }

func (o Outcome) valid() bool { return slices.Contains(Outcomes(), o) }

// parseCode turns s into the code of all it is, refusing any other with
// unknown and the codes allowed.
func parseCode[T ~string](s string, all []T, unknown error) (T, error) {
	if slices.Contains(all, T(s)) {
		return T(s), nil
	}
	return "", fmt.Errorf("%w %q(可选值:%s)", unknown, s, joinCodes(all))
}

// Label is the Chinese name of the outcome shown to users.
func (o Outcome) Label() string {
	switch o {
	case Normal:
		return "正常"
	case Returned:
		return "退审"
	case Unilateral:
		return "单方评审结论"
	}
	return string(o)
}

func joinCodes[T ~string](codes []T) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = string(c)
	}
	return strings.Join(parts, ", ")
}
