package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// An opinion without a suggested amount reads back without one, and one
// with an amount reads back to the cent; the latest round comes first.
func TestExpertOpinionsReadBackTheSuggestedAmount(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	rid := insertReview(t, s).ID
	eid, err := s.InsertExpert(ctx, store.Expert{Name: "王工", Specialty: "土建工程", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.UserByUsername(ctx, "zhuanjia")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Truncate(time.Microsecond)
	amount := decimal.RequireFromString("1234567.89")
	for _, o := range []store.ExpertOpinion{
		{ReviewID: rid, ExpertID: eid, Round: 1, UserID: u.ID, Opinion: "无调整意见", CreatedAt: at, UpdatedAt: at},
		{ReviewID: rid, ExpertID: eid, Round: 2, UserID: u.ID, Opinion: "建议核减",
			SuggestedAmount: decimal.NullDecimal{Decimal: amount, Valid: true}, CreatedAt: at, UpdatedAt: at},
	} {
		if err := s.SaveExpertOpinion(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ExpertOpinions(ctx, rid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Round != 2 || got[1].Round != 1 {
		t.Fatalf("opinions %+v, want rounds 2 then 1", got)
	}
	if !got[0].SuggestedAmount.Valid || !got[0].SuggestedAmount.Decimal.Equal(amount) || got[0].ExpertName != "王工" {
		t.Errorf("round 2: %+v, want 王工 suggesting %s", got[0], amount)
	}
	if got[1].SuggestedAmount.Valid || got[1].Opinion != "无调整意见" {
		t.Errorf("round 1: %+v, want no suggested amount", got[1])
	}
}

// The drawn experts and opinions of several reviews, read at once (an
// expert's to-do list), are what each review's own reads give: the user's
// main drawing only (not a reserve, not another user's expert), the
// latest drawing of a review drawn twice, every opinion of each review.
func TestDrawnExpertsAndOpinionsOfReviews(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	r := insertReview(t, s)
	ids := []int64{r.ID}
	for range 4 {
		id, err := s.InsertReview(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	u, err := s.UserByUsername(ctx, "zhuanjia")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := s.InsertExpert(ctx, store.Expert{Name: "王工", Specialty: "土建工程", UserID: u.ID, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.InsertExpert(ctx, store.Expert{Name: "李工", Specialty: "土建工程", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Truncate(time.Second)
	draw := func(review, expert int64, purpose string, reserve bool, at time.Time) {
		if _, err := s.DB.ExecContext(ctx, "INSERT INTO review_experts (review_id, expert_id, purpose, reserve, drawn_at) VALUES (?, ?, ?, ?, ?)",
			review, expert, purpose, reserve, at); err != nil {
			t.Fatal(err)
		}
	}
	draw(ids[0], mine, "dispute", false, at)
	draw(ids[1], mine, "dispute", true, at) // a reserve
	draw(ids[2], other, "dispute", false, at)
	draw(ids[3], mine, "dispute", false, at)
	draw(ids[3], mine, "sample", false, at.Add(time.Hour)) // drawn again later
	for _, o := range []store.ExpertOpinion{
		{ReviewID: ids[0], ExpertID: mine, Round: 1, UserID: u.ID, Opinion: "无调整意见", CreatedAt: at, UpdatedAt: at},
		{ReviewID: ids[2], ExpertID: other, Round: 1, UserID: u.ID, Opinion: "建议核减", CreatedAt: at, UpdatedAt: at},
		{ReviewID: ids[3], ExpertID: mine, Round: 2, UserID: u.ID, Opinion: "同意", CreatedAt: at, UpdatedAt: at},
	} {
		if err := s.SaveExpertOpinion(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	drawn, err := s.DrawnExpertsOfUser(ctx, ids, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	opinions, err := s.ExpertOpinionsOfReviews(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		one, err := s.DrawnExpertOfUser(ctx, id, u.ID)
		got, ok := drawn[id]
		switch {
		case errors.Is(err, store.ErrNotFound):
			if ok {
				t.Errorf("review %d: drawn %+v, want none", id, got)
			}
		case err != nil:
			t.Fatal(err)
		case !ok || got != one:
			t.Errorf("review %d: drawn %+v, want %+v", id, got, one)
		}
		own, err := s.ExpertOpinions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var batch []store.ExpertOpinion
		for _, o := range opinions {
			if o.ReviewID == id {
				batch = append(batch, o)
			}
		}
		if len(batch) != len(own) {
			t.Fatalf("review %d: %d opinions, want %d", id, len(batch), len(own))
		}
		for i := range own {
			if batch[i].ID != own[i].ID {
				t.Errorf("review %d: opinion %d is %d, want %d", id, i, batch[i].ID, own[i].ID)
			}
		}
	}
	if len(drawn) != 2 || drawn[ids[3]].Purpose != "sample" {
		t.Errorf("drawn %+v, want reviews %d and %d, the latter's latest drawing", drawn, ids[0], ids[3])
	}
}
