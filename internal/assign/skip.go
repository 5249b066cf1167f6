package assign

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// SkipReason says why a firm was passed over in rotation.
type SkipReason string

// Skip reasons, in the order they are checked.
const (
	SkipRemoved            SkipReason = "removed"
	SkipSuspended          SkipReason = "suspended"
	SkipUnqualified        SkipReason = "unqualified"
	SkipExcluded           SkipReason = "excluded"
	SkipIndependence       SkipReason = "independence"
	SkipConflictUnit       SkipReason = "conflict_unit"
	SkipConflictContractor SkipReason = "conflict_contractor"
	SkipAtCapacity         SkipReason = "at_capacity"
	// SkipNotReached and SkipOverridden are fit firms passed over: the
	// rotation stopped at an earlier firm, or a firm was picked by hand.
	SkipNotReached SkipReason = "not_reached"
	SkipOverridden SkipReason = "overridden"
)

// skipLabels are the Chinese labels of the reasons; a suspended or
// removed firm is skipped for its status, under the status's label.
var skipLabels = map[SkipReason]string{
	SkipSuspended:          Suspended.Label(),
	SkipRemoved:            Removed.Label(),
	SkipAtCapacity:         "在办项目已满",
	SkipConflictUnit:       "与建设单位存在关联关系",
	SkipConflictContractor: "与施工单位存在关联关系",
	SkipExcluded:           "因复议或取消委托被排除",
	SkipIndependence:       "承担过本项目其他阶段(独立性要求)",
	SkipUnqualified:        "不具备该类评审资质",
	SkipNotReached:         "按轮换顺序未轮到",
	SkipOverridden:         "人工指定其他机构",
}

// Label returns the Chinese label of the reason.
func (r SkipReason) Label() string { return cmp.Or(skipLabels[r], string(r)) }

// Consideration records one firm looked at for a delegation.
type Consideration struct {
	FirmID   int64
	Name     string
	Score    decimal.Decimal
	Position int // 1-based rank
	Skipped  bool
	Reason   SkipReason // set when Skipped
	Detail   string     // Chinese explanation
}

// consider checks f against req. position is 0-based in the ranked list.
func consider(f Firm, position int, req Request) Consideration {
	c := Consideration{FirmID: f.ID, Name: f.Name, Score: f.Score, Position: position + 1}
	reason, detail := unfit(f, req)
	if reason == "" {
		c.Detail = fmt.Sprintf("排名第 %d 位,得分 %s,符合条件", c.Position, f.Score.StringFixed(2))
		return c
	}
	c.Skipped, c.Reason, c.Detail = true, reason, detail
	return c
}

// unfit returns the first reason f cannot take the review, or "" if it can.
func unfit(f Firm, req Request) (SkipReason, string) {
	switch {
	case f.Status == Removed:
		return SkipRemoved, "该机构已清退出中介机构库"
	case f.Status == Suspended:
		return SkipSuspended, "该机构已被暂停委托"
	case f.Status != Active:
		return SkipSuspended, fmt.Sprintf("该机构状态为%q,不能委托", string(f.Status))
	case !slices.Contains(f.Kinds, req.Kind):
		return SkipUnqualified, fmt.Sprintf("不具备%q类评审资质", req.Kind)
	case slices.Contains(req.ExcludedFirmIDs, f.ID):
		return SkipExcluded, "该机构因复议或取消委托不得再承担本项目评审"
	case slices.Contains(req.IndependenceFirmIDs, f.ID):
		return SkipIndependence, "该机构承担过本项目其他阶段评审,须回避"
	case req.UnitID != 0 && slices.Contains(f.ConflictUnits, req.UnitID):
		return SkipConflictUnit, fmt.Sprintf("申报与建设单位(编号 %d)存在关联关系", req.UnitID)
	}
	for _, id := range req.ContractorIDs {
		if slices.Contains(f.ConflictContractors, id) {
			return SkipConflictContractor, fmt.Sprintf("申报与施工单位(编号 %d)存在关联关系", id)
		}
	}
	if f.Capacity > 0 && f.OpenReviews >= f.Capacity {
		return SkipAtCapacity, fmt.Sprintf("在办项目 %d 个,已达上限 %d 个", f.OpenReviews, f.Capacity)
	}
	return "", ""
}
