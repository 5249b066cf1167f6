// Package draw draws experts from the expert library for a dispute re-review
// (专家复审) or a sample re-review (抽查复审): by specialty, with the avoidance
// rules (回避) of the review, main and reserve experts, reproducibly from a
// recorded seed so that any draw can be recomputed and checked later.
//
// The package is pure: the same pool, request and seed always give the same
// result, whatever the order of the pool.
package draw

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Candidate is an expert of the library offered to the draw. A draw's
// pool, request and exclusions are recorded in their JSON form beside it
// (so that it can be recomputed): the names of the tags are kept for good.
type Candidate struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Specialty string `json:"specialty"`
	// EmployerOrgID is the organization the expert works for (0 = none known).
	EmployerOrgID int64 `json:"employer_org_id,omitempty"`
	// FirmID is the firm (中介机构) the expert belongs to (0 = none).
	FirmID int64 `json:"firm_id,omitempty"`
	// RelatedOrgIDs are organizations the expert declared a relation with (利害关系).
	RelatedOrgIDs []int64 `json:"related_org_ids,omitempty"`
	// RecentDraws is how often the expert was drawn recently.
	RecentDraws int `json:"recent_draws"`
}

// Request describes one draw.
type Request struct {
	// Specialty the experts must have ("" = any).
	Specialty string `json:"specialty"`
	// Main and Reserve are the numbers of main (主选) and reserve (备选) experts.
	Main    int `json:"main"`
	Reserve int `json:"reserve"`
	// UnitID is the construction unit of the review.
	UnitID int64 `json:"unit_id"`
	// FirmID is the firm the review is delegated to (0 = none).
	FirmID int64 `json:"firm_id,omitempty"`
	// ContractorIDs are the contractors of the project.
	ContractorIDs []int64 `json:"contractor_ids,omitempty"`
	// ExcludeIDs are experts not to draw: those of the last draws and the
	// earlier draws of this review.
	ExcludeIDs []int64 `json:"exclude_ids,omitempty"`
	// MaxRecent, when positive, avoids experts drawn MaxRecent times or more recently.
	MaxRecent int `json:"max_recent,omitempty"`
}

// Exclusion is a candidate the draw avoided and why (in Chinese).
type Exclusion struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Result is a draw.
type Result struct {
	// Main and Reserve in the order drawn (reserves replace mains in order).
	Main, Reserve []Candidate
	// Excluded lists the avoided candidates, by id.
	Excluded []Exclusion
	// Eligible is the number of candidates that passed every rule.
	Eligible int
	Seed     uint64
}

// Avoidance reasons.
const (
	ReasonSpecialty  = "专业不符"
	ReasonUnit       = "任职于本项目建设单位,须回避"
	ReasonContractor = "任职于本项目施工单位,须回避"
	ReasonFirm       = "与承办中介机构为同一机构,须回避"
	ReasonRelation   = "已申报与本项目当事单位存在利害关系,须回避"
	ReasonExcluded   = "近期抽取或本评审已抽取过,轮空"
	ReasonRecent     = "近期被抽取次数已达上限,轮空"
	ReasonDuplicate  = "候选名单重复"
)

// ShortError says the pool has too few eligible candidates.
type ShortError struct {
	Specialty string
	Need      int
	Have      int
}

func (e *ShortError) Error() string {
	sp := e.Specialty
	if sp == "" {
		sp = "不限专业"
	}
	return fmt.Sprintf("符合回避规则的专家不足(%s):需要 %d 名,仅有 %d 名", sp, e.Need, e.Have)
}

// Code is the stable English code.
func (e *ShortError) Code() string { return "not_enough_experts" }

// HTTPStatus answers 409: the request is fine, the library cannot meet it now.
func (e *ShortError) HTTPStatus() int { return 409 }

// RequestError is an invalid request.
type RequestError struct {
	Name string
	Msg  string
}

func (e *RequestError) Error() string { return e.Msg }

// Field names the request field at fault.
func (e *RequestError) Field() string { return e.Name }

// stream2 is the fixed second word of the PCG state.
const stream2 = 0x9e3779b97f4a7c15

// Draw draws req.Main main and req.Reserve reserve experts from pool with
// seed. The pool is sorted by id before anything else, so the result does
// not depend on its order; eligible candidates are then shuffled with a PCG
// generator seeded from seed.
func Draw(pool []Candidate, req Request, seed uint64) (Result, error) {
	if req.Main <= 0 || req.Main > 50 {
		return Result{}, &RequestError{Name: "main", Msg: "主选专家人数须为 1 至 50"}
	}
	if req.Reserve < 0 || req.Reserve > 50 {
		return Result{}, &RequestError{Name: "reserve", Msg: "备选专家人数须为 0 至 50"}
	}
	sorted := slices.Clone(pool)
	slices.SortStableFunc(sorted, func(a, b Candidate) int { return cmp.Compare(a.ID, b.ID) })

	parties := map[int64]bool{}
	if req.UnitID != 0 {
		parties[req.UnitID] = true
	}
	if req.FirmID != 0 {
		parties[req.FirmID] = true
	}
	contractors := map[int64]bool{}
	for _, c := range req.ContractorIDs {
		if c != 0 {
			contractors[c] = true
			parties[c] = true
		}
	}
	excluded := map[int64]bool{}
	for _, id := range req.ExcludeIDs {
		excluded[id] = true
	}

	res := Result{Seed: seed, Excluded: []Exclusion{}, Main: []Candidate{}, Reserve: []Candidate{}}
	var eligible []Candidate
	seen := map[int64]bool{}
	for _, c := range sorted {
		reason := ""
		switch {
		case seen[c.ID]:
			reason = ReasonDuplicate
		case req.Specialty != "" && strings.TrimSpace(c.Specialty) != strings.TrimSpace(req.Specialty):
			reason = ReasonSpecialty
		case c.EmployerOrgID != 0 && c.EmployerOrgID == req.UnitID:
			reason = ReasonUnit
		case c.EmployerOrgID != 0 && contractors[c.EmployerOrgID]:
			reason = ReasonContractor
		case req.FirmID != 0 && (c.FirmID == req.FirmID || c.EmployerOrgID == req.FirmID):
			reason = ReasonFirm
		case related(c.RelatedOrgIDs, parties):
			reason = ReasonRelation
		case excluded[c.ID]:
			reason = ReasonExcluded
		case req.MaxRecent > 0 && c.RecentDraws >= req.MaxRecent:
			reason = ReasonRecent
		}
		if reason != "" {
			if reason != ReasonDuplicate {
				res.Excluded = append(res.Excluded, Exclusion{ID: c.ID, Name: c.Name, Reason: reason})
			}
			seen[c.ID] = true
			continue
		}
		seen[c.ID] = true
		eligible = append(eligible, c)
	}
	res.Eligible = len(eligible)
	need := req.Main + req.Reserve
	if len(eligible) < need {
		return res, &ShortError{Specialty: req.Specialty, Need: need, Have: len(eligible)}
	}
	rng := rand.New(rand.NewPCG(seed, stream2))
	rng.Shuffle(len(eligible), func(i, j int) { eligible[i], eligible[j] = eligible[j], eligible[i] })
	res.Main = append(res.Main, eligible[:req.Main]...)
	res.Reserve = append(res.Reserve, eligible[req.Main:need]...)
	return res, nil
}

func related(orgs []int64, parties map[int64]bool) bool {
	for _, o := range orgs {
		if parties[o] {
			return true
		}
	}
	return false
}

// IDs lists the ids of cs in order.
func IDs(cs []Candidate) []int64 {
	out := make([]int64, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}
