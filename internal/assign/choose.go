package assign

import (
	"fmt"
	"slices"
	"strings"
)

// Choice is the firm picked for a delegation with its explanation.
type Choice struct {
	Firm Firm
	// Considered lists the firms looked at in rotation order, the chosen
	// one last; for an override it holds just the chosen firm.
	Considered []Consideration
	// Others are the remaining firms of the library, each with why it was
	// not chosen: its own unfitness, or, when it was fit, that the rotation
	// stopped before it (SkipNotReached) or that another firm was picked by
	// hand (SkipOverridden). Together with Considered every firm of the
	// library is accounted for.
	Others         []Consideration
	Override       bool
	OverrideReason string
	// NextCursor is the cursor to store once the delegation is committed.
	NextCursor Cursor
}

// Choose picks by rotation the firm for req from the firm library firms
// (ranked here with Rank; the input is not modified). The walk starts after
// cur's firm, skips unfit firms with their reasons and stops at the first fit
// one; NextCursor points at it. When every firm is skipped it returns a
// *NoFirmError (errors.Is ErrNoEligibleFirm) and a zero Choice, so the
// cursor stays where it was.
func Choose(firms []Firm, cur Cursor, req Request) (Choice, error) {
	if req.Kind == "" {
		return Choice{}, ErrKindRequired
	}
	ranked := Rank(firms)
	start := startIndex(ranked, cur)
	considered := make([]Consideration, 0, len(ranked))
	for n := range len(ranked) {
		i := (start + n) % len(ranked)
		c := consider(ranked[i], i, req)
		considered = append(considered, c)
		if !c.Skipped {
			var others []Consideration
			for m := n + 1; m < len(ranked); m++ {
				j := (start + m) % len(ranked)
				others = append(others, passedOver(ranked[j], j, req, SkipNotReached))
			}
			return Choice{Firm: ranked[i], Considered: considered, Others: others, NextCursor: cursorAt(ranked[i])}, nil
		}
	}
	return Choice{}, &NoFirmError{Considered: considered}
}

// Peek returns the firm the next delegation of req would get if nothing
// changes (API next_firm_id); ok is false when no firm is eligible.
func Peek(firms []Firm, cur Cursor, req Request) (f Firm, ok bool) {
	ch, err := Choose(firms, cur, req)
	if err != nil {
		return Firm{}, false
	}
	return ch.Firm, true
}

// Override records a manual choice of firmID for req. The reason is
// required. The firm must be in firms and fit on every count except
// capacity; otherwise a *UnfitFirmError (errors.Is ErrFirmUnfit) names why.
// The rotation does not advance: NextCursor is cur unchanged.
func Override(firms []Firm, cur Cursor, firmID int64, req Request, reason string) (Choice, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Choice{}, ErrReasonRequired
	}
	if req.Kind == "" {
		return Choice{}, ErrKindRequired
	}
	ranked := Rank(firms)
	i := slices.IndexFunc(ranked, func(f Firm) bool { return f.ID == firmID })
	if i < 0 {
		return Choice{}, fmt.Errorf("firm %d: %w", firmID, ErrFirmNotFound)
	}
	f := ranked[i]
	c := consider(f, i, req)
	switch {
	case c.Skipped && c.Reason == SkipAtCapacity:
		c.Skipped, c.Reason = false, ""
		c.Detail = fmt.Sprintf("人工指定,排名第 %d 位,得分 %s;在办项目 %d 个,已达上限 %d 个",
			c.Position, f.Score.StringFixed(2), f.OpenReviews, f.Capacity)
	case c.Skipped:
		return Choice{}, &UnfitFirmError{Consideration: c}
	default:
		c.Detail = fmt.Sprintf("人工指定,排名第 %d 位,得分 %s", c.Position, f.Score.StringFixed(2))
	}
	var others []Consideration
	for j, o := range ranked {
		if j != i {
			others = append(others, passedOver(o, j, req, SkipOverridden))
		}
	}
	return Choice{
		Firm:           f,
		Considered:     []Consideration{c},
		Others:         others,
		Override:       true,
		OverrideReason: reason,
		NextCursor:     cur,
	}, nil
}

// passedOver is a firm that was not chosen although the walk did not stop
// on it: its own unfitness when it has one, else why (fit) it was passed.
// position is 0-based in the ranked list.
func passedOver(f Firm, position int, req Request, why SkipReason) Consideration {
	c := consider(f, position, req)
	if c.Skipped {
		return c
	}
	c.Skipped, c.Reason = true, why
	switch why {
	case SkipNotReached:
		c.Detail = fmt.Sprintf("排名第 %d 位,得分 %s,符合条件;按轮换顺序排在选定机构之后,本次未轮到", c.Position, f.Score.StringFixed(2))
	default:
		c.Detail = fmt.Sprintf("排名第 %d 位,得分 %s,符合条件;本次人工指定其他机构", c.Position, f.Score.StringFixed(2))
	}
	return c
}
