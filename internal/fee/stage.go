package fee

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// StageSplit is the optional stage payment policy of 财建〔2001〕512号 for a
// project reviewed over several stages. Each entry is the share of the
// whole-process fee paid for that stage.
//
//   - SameFirm: one firm does every stage, e.g. 0.3, 0.3, 0.4. The shares
//     must add up to 1; the last stage takes whatever the rounded earlier
//     stages left, so the stages add up to the whole fee exactly.
//   - DifferentFirms: each stage goes to a different firm, e.g. 0.4, 0.5,
//     0.6. Each firm is paid its share, but never more than the whole fee is
//     paid in all: once the cumulative total reaches 100% the stage gets only
//     what is left, and later stages get 0.00.
type StageSplit struct {
	SameFirm       []decimal.Decimal
	DifferentFirms []decimal.Decimal
}

// DefaultStageSplit is the split named by 财建〔2001〕512号: 30/30/40 for one
// firm, 40/50/60 for different firms (capped at 100% in all).
func DefaultStageSplit() StageSplit {
	return StageSplit{
		SameFirm:       []decimal.Decimal{decimal.New(3, -1), decimal.New(3, -1), decimal.New(4, -1)},
		DifferentFirms: []decimal.Decimal{decimal.New(4, -1), decimal.New(5, -1), decimal.New(6, -1)},
	}
}

// Validate checks that both lists are non-empty, every share lies in [0, 1]
// with at most MaxRatePlaces decimals, and the same-firm shares add up to 1.
func (p StageSplit) Validate() error {
	lists := []struct {
		field  string
		shares []decimal.Decimal
	}{{"same_firm", p.SameFirm}, {"different_firms", p.DifferentFirms}}
	for _, l := range lists {
		if len(l.shares) == 0 {
			return fieldErr(l.field, "至少需要一个阶段")
		}
		for i, r := range l.shares {
			if err := checkRatio(fmt.Sprintf("%s[%d]", l.field, i), r); err != nil {
				return err
			}
		}
	}
	if sum := decimal.Sum(p.SameFirm[0], p.SameFirm[1:]...); !sum.Equal(decimal.New(1, 0)) {
		return fieldErr("same_firm", "同一中介机构各阶段比例之和须为 1,而不是 %s", sum.String())
	}
	return nil
}

// StageFees splits the whole-process fee total over the stages of split,
// rounding each stage half away from zero to 0.01 yuan. The result always
// adds up to at most total, and to exactly total for the same firm.
func StageFees(total decimal.Decimal, split StageSplit, sameFirm bool) []decimal.Decimal {
	shares := split.DifferentFirms
	if sameFirm {
		shares = split.SameFirm
	}
	out := make([]decimal.Decimal, len(shares))
	remaining := total
	for i, r := range shares {
		stage := total.Mul(r).Round(2)
		if sameFirm && i == len(shares)-1 {
			stage = remaining
		}
		if stage.Cmp(remaining) > 0 {
			stage = remaining
		}
		if stage.Sign() < 0 {
			stage = decimal.New(0, -2)
		}
		out[i] = stage
		remaining = remaining.Sub(stage)
	}
	return out
}
