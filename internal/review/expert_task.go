package review

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/fee"
	"finreview/internal/store"
	"finreview/workflow"
)

// maxOpinionRunes bounds an expert's written opinion.
const maxOpinionRunes = 5000

// ExpertTask is what an expert drawn for a review's re-review has to do
// there: give a written opinion (专家复审意见), with a suggested amount if
// any, and upload the signed copy.
type ExpertTask struct {
	ExpertID     int64
	ExpertName   string
	Specialty    string
	PurposeLabel string
	Round        int
	// Open: the review is in expert re-review, so the opinion may be given
	// or revised and the signed copy uploaded.
	Open bool
	// Opinion is the expert's own opinion of the round, nil until given.
	Opinion *store.ExpertOpinion
}

// ExpertOpinionInput is an expert's opinion as typed.
type ExpertOpinionInput struct {
	Opinion         string
	SuggestedAmount string // optional, yuan
}

// expertTask is the task of p on r, which p may see, or nil when p is
// not a main expert drawn for it (every other role, a reserve, another
// expert).
func (s *Service) expertTask(ctx context.Context, p auth.Principal, r store.Review) (*ExpertTask, error) {
	tasks, err := s.ExpertTasks(ctx, p, []Review{r})
	if err != nil {
		return nil, err
	}
	return tasks[r.ID], nil
}

// ExpertTasks returns p's tasks on reviews p has listed (an expert's
// to-do list), by review id, in two statements however many reviews
// there are; a review p is not a main expert of has none.
func (s *Service) ExpertTasks(ctx context.Context, p auth.Principal, reviews []Review) (map[int64]*ExpertTask, error) {
	out := make(map[int64]*ExpertTask, len(reviews))
	if p.Role != auth.Expert || len(reviews) == 0 {
		return out, nil
	}
	ids := make([]int64, len(reviews))
	for i, r := range reviews {
		ids[i] = r.ID
	}
	drawn, err := s.store.DrawnExpertsOfUser(ctx, ids, p.UserID)
	if err != nil {
		return nil, err
	}
	ops, err := s.store.ExpertOpinionsOfReviews(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range reviews {
		if e, ok := drawn[r.ID]; ok {
			out[r.ID] = newExpertTask(e, r, ops)
		}
	}
	return out, nil
}

// newExpertTask is the task of the drawn expert e on r, with the expert's
// opinion of r's round among ops when there is one.
func newExpertTask(e store.ReviewExpertOfUser, r store.Review, ops []store.ExpertOpinion) *ExpertTask {
	t := &ExpertTask{ExpertID: e.ExpertID, ExpertName: e.Name, Specialty: e.Specialty, PurposeLabel: PurposeLabel(e.Purpose),
		Round: r.Round, Open: r.State == workflow.ExpertReview}
	for _, o := range ops {
		if o.ReviewID == r.ID && o.ExpertID == e.ExpertID && o.Round == r.Round {
			t.Opinion = &o
			break
		}
	}
	return t
}

// ExpertOpinions lists the opinions given on a review: every one for the
// review center, the finance section and the administrator, the expert's
// own for an expert, none for the other roles.
func (s *Service) ExpertOpinions(ctx context.Context, p auth.Principal, reviewID int64) ([]store.ExpertOpinion, error) {
	if _, err := s.store.Review(ctx, p.Scope(), reviewID); err != nil {
		return nil, err
	}
	switch p.Role {
	case auth.ReviewCenter, auth.FinanceSection, auth.Admin, auth.Expert:
	default:
		return nil, nil
	}
	all, err := s.store.ExpertOpinions(ctx, reviewID)
	if err != nil || p.Role != auth.Expert {
		return all, err
	}
	var own []store.ExpertOpinion
	for _, o := range all {
		if o.UserID == p.UserID {
			own = append(own, o)
		}
	}
	return own, nil
}

// SubmitExpertOpinion records (or revises) the opinion of the expert p on
// the review's current round; left empty, it refers to the signed copies
// the expert uploaded (and is refused when there are none). Only a main expert drawn for this review may,
// and only while it is in expert re-review; the opinion is audited.
func (s *Service) SubmitExpertOpinion(ctx context.Context, p auth.Principal, reviewID int64, in ExpertOpinionInput) error {
	if p.Role != auth.Expert {
		return auth.ErrForbidden
	}
	text := strings.TrimSpace(in.Opinion)
	var opinionErr, amountErr error
	if utf8.RuneCountInString(text) > maxOpinionRunes {
		opinionErr = fieldErr("opinion", "复审意见不能超过 %d 字", maxOpinionRunes)
	}
	var amount decimal.NullDecimal
	if raw := strings.ReplaceAll(strings.TrimSpace(in.SuggestedAmount), ",", ""); raw != "" {
		d, err := fee.ParseAmount(raw)
		if err != nil || !d.IsPositive() {
			amountErr = fieldErr("suggested_amount", "建议审定金额应为大于 0 的金额,最多两位小数")
		}
		amount = decimal.NullDecimal{Decimal: d, Valid: true}
	}
	if err := errors.Join(opinionErr, amountErr); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(q *store.Queries) error {
		if _, err := q.LockReview(ctx, reviewID); err != nil {
			return err
		}
		r, err := q.Review(ctx, p.Scope(), reviewID)
		if err != nil {
			return err
		}
		e, err := q.DrawnExpertOfUser(ctx, reviewID, p.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return auth.ErrForbidden
		}
		if err != nil {
			return err
		}
		if r.State != workflow.ExpertReview {
			return &ConflictError{code: "not_in_expert_review",
				msg: fmt.Sprintf("评审当前状态“%s”,不在专家复审阶段,不能提交复审意见", r.State.Label())}
		}
		if text == "" {
			// The opinion may be the signed copy the expert uploaded.
			docs, _, err := q.Documents(ctx, reviewID, store.DocumentFilter{Category: "expert_opinion", LatestOnly: true, Limit: 50})
			if err != nil {
				return err
			}
			var names []string
			for _, d := range docs {
				if d.UploaderID == p.UserID {
					names = append(names, d.Name)
				}
			}
			if len(names) == 0 {
				return fieldErr("opinion", "请填写复审意见,或上传签字的专家复审意见")
			}
			text = "见所附专家复审意见签字件:" + strings.Join(names, "、")
		}
		now := s.now()
		revised := false
		ops, err := q.ExpertOpinions(ctx, reviewID)
		if err != nil {
			return err
		}
		for _, o := range ops {
			if o.ExpertID == e.ExpertID && o.Round == r.Round {
				revised = true
			}
		}
		if err := q.SaveExpertOpinion(ctx, store.ExpertOpinion{ReviewID: reviewID, ExpertID: e.ExpertID, Round: r.Round,
			UserID: p.UserID, Opinion: text, SuggestedAmount: amount, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		detail := map[string]any{"expert_id": strconv.FormatInt(e.ExpertID, 10), "expert_name": e.Name, "round": r.Round,
			"revised": revised, "opinion": text}
		if amount.Valid {
			detail["suggested_amount"] = amount.Decimal.StringFixed(2)
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "expert_opinion",
			ReviewID: reviewID, ObjectType: "expert_opinion", ObjectID: audit.ID(e.ExpertID), Detail: detail})
		return err
	})
}
