package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/shopspring/decimal"
)

// ReviewExpertOfUser is the expert a user is, drawn as a main (not a
// reserve) expert for a review.
type ReviewExpertOfUser struct {
	ExpertID  int64
	Name      string
	Specialty string
	Purpose   string
}

// DrawnExpertOfUser returns the expert the user is when that expert was
// drawn as a main expert for the review; ErrNotFound otherwise (a reserve,
// another review, or no expert at all).
func (q *Queries) DrawnExpertOfUser(ctx context.Context, reviewID, userID int64) (ReviewExpertOfUser, error) {
	var e ReviewExpertOfUser
	err := q.db.QueryRowContext(ctx, `SELECT e.id, e.name, e.specialty, re.purpose
		FROM review_experts re JOIN experts e ON e.id = re.expert_id
		WHERE re.review_id = ? AND e.user_id = ? AND NOT re.reserve
		ORDER BY re.drawn_at DESC LIMIT 1`, reviewID, userID).Scan(&e.ExpertID, &e.Name, &e.Specialty, &e.Purpose)
	return e, translate(err)
}

// DrawnExpertsOfUser is DrawnExpertOfUser for several reviews at once:
// the expert the user is on each review it was drawn for as a main
// expert, by review id; the reviews it was not drawn for are absent.
func (q *Queries) DrawnExpertsOfUser(ctx context.Context, reviewIDs []int64, userID int64) (map[int64]ReviewExpertOfUser, error) {
	out := make(map[int64]ReviewExpertOfUser, len(reviewIDs))
	if len(reviewIDs) == 0 {
		return out, nil
	}
	type drawn struct {
		reviewID int64
		ReviewExpertOfUser
	}
	rows, err := queryAll(ctx, q.db, func(s scanner) (drawn, error) {
		var d drawn
		err := s.Scan(&d.reviewID, &d.ExpertID, &d.Name, &d.Specialty, &d.Purpose)
		return d, err
	}, `SELECT re.review_id, e.id, e.name, e.specialty, re.purpose
		FROM review_experts re JOIN experts e ON e.id = re.expert_id
		WHERE re.review_id IN (`+placeholders(len(reviewIDs))+`) AND e.user_id = ? AND NOT re.reserve
		ORDER BY re.review_id, re.drawn_at DESC`, append(anyArgs(reviewIDs), userID)...)
	for _, d := range rows {
		if _, ok := out[d.reviewID]; !ok { // the latest drawing of each review
			out[d.reviewID] = d.ReviewExpertOfUser
		}
	}
	return out, err
}

// ExpertOpinion is one drawn expert's written opinion on a review's round.
type ExpertOpinion struct {
	ID              int64
	ReviewID        int64
	ExpertID        int64
	ExpertName      string
	Round           int
	UserID          int64
	Opinion         string
	SuggestedAmount decimal.NullDecimal
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// SaveExpertOpinion writes the expert's opinion of the round, replacing
// an earlier one of the same round.
func (q *Queries) SaveExpertOpinion(ctx context.Context, o ExpertOpinion) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO expert_opinions
		(review_id, expert_id, round, user_id, opinion, suggested_amount, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), opinion = VALUES(opinion),
		suggested_amount = VALUES(suggested_amount), updated_at = VALUES(updated_at)`,
		o.ReviewID, o.ExpertID, o.Round, o.UserID, o.Opinion, o.SuggestedAmount, o.CreatedAt, o.UpdatedAt)
	return translate(err)
}

// ExpertOpinions lists a review's expert opinions, newest round first.
func (q *Queries) ExpertOpinions(ctx context.Context, reviewID int64) ([]ExpertOpinion, error) {
	return queryAll(ctx, q.db, scanExpertOpinion, `SELECT `+expertOpinionColumns+`
		FROM expert_opinions o JOIN experts e ON e.id = o.expert_id
		WHERE o.review_id = ? ORDER BY o.round DESC, o.id`, reviewID)
}

// ExpertOpinionsOfReviews lists the opinions given on several reviews, as
// ExpertOpinions each, the reviews in id order.
func (q *Queries) ExpertOpinionsOfReviews(ctx context.Context, reviewIDs []int64) ([]ExpertOpinion, error) {
	if len(reviewIDs) == 0 {
		return nil, nil
	}
	return queryAll(ctx, q.db, scanExpertOpinion, `SELECT `+expertOpinionColumns+`
		FROM expert_opinions o JOIN experts e ON e.id = o.expert_id
		WHERE o.review_id IN (`+placeholders(len(reviewIDs))+`) ORDER BY o.review_id, o.round DESC, o.id`, anyArgs(reviewIDs)...)
}

const expertOpinionColumns = `o.id, o.review_id, o.expert_id, e.name, o.round, o.user_id, o.opinion,
		o.suggested_amount, o.created_at, o.updated_at`

func scanExpertOpinion(s scanner) (ExpertOpinion, error) {
	var o ExpertOpinion
	var amount sql.NullString
	if err := s.Scan(&o.ID, &o.ReviewID, &o.ExpertID, &o.ExpertName, &o.Round, &o.UserID, &o.Opinion,
		&amount, &o.CreatedAt, &o.UpdatedAt); err != nil || !amount.Valid {
		return o, err
	}
	d, err := decimal.NewFromString(amount.String)
	o.SuggestedAmount = decimal.NullDecimal{Decimal: d, Valid: true}
	return o, err
}
