package assign

import (
	"fmt"
	"strings"
)

// Error is a sentinel error of this package with a stable English code and
// a Chinese message for people.
type Error struct {
	code string
	msg  string
}

func (e *Error) Error() string { return e.msg }

// Code returns the stable English error code.
func (e *Error) Code() string { return e.code }

// Sentinel errors; match them with errors.Is.
var (
	ErrNoEligibleFirm = &Error{"no_eligible_firm", "没有符合条件的中介机构"}
	ErrReasonRequired = &Error{"override_reason_required", "人工指定中介机构必须填写理由"}
	ErrFirmNotFound   = &Error{"firm_not_found", "中介机构不在本库中"}
	ErrFirmUnfit      = &Error{"firm_unfit", "该中介机构不符合委托条件"}
	ErrKindRequired   = &Error{"kind_required", "未指定评审类型"}
	ErrInvalidWeights = &Error{"invalid_criteria", "考核指标及权重无效"}
	ErrInvalidMetrics = &Error{"invalid_metrics", "考核数据无效"}
)

// NoFirmError reports that every firm was skipped. Considered lists them in
// rotation order with their reasons.
type NoFirmError struct {
	Considered []Consideration
}

func (e *NoFirmError) Error() string {
	if len(e.Considered) == 0 {
		return "没有符合条件的中介机构:中介机构库为空"
	}
	counts := map[SkipReason]int{}
	var order []SkipReason
	for _, c := range e.Considered {
		if counts[c.Reason] == 0 {
			order = append(order, c.Reason)
		}
		counts[c.Reason]++
	}
	parts := make([]string, len(order))
	for i, r := range order {
		parts[i] = fmt.Sprintf("%s %d 家", r.Label(), counts[r])
	}
	return fmt.Sprintf("没有符合条件的中介机构:共考察 %d 家,%s", len(e.Considered), strings.Join(parts, "、"))
}

// Code returns the stable English error code.
func (e *NoFirmError) Code() string { return ErrNoEligibleFirm.code }

// Unwrap makes errors.Is(err, ErrNoEligibleFirm) true.
func (e *NoFirmError) Unwrap() error { return ErrNoEligibleFirm }

// UnfitFirmError reports why a manually chosen firm is refused.
type UnfitFirmError struct {
	Consideration Consideration
}

func (e *UnfitFirmError) Error() string {
	c := e.Consideration
	return fmt.Sprintf("不能指定中介机构「%s」:%s(%s)", c.Name, c.Reason.Label(), c.Detail)
}

// Code returns the stable English error code.
func (e *UnfitFirmError) Code() string { return ErrFirmUnfit.code }

// Unwrap makes errors.Is(err, ErrFirmUnfit) true.
func (e *UnfitFirmError) Unwrap() error { return ErrFirmUnfit }
