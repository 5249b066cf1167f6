package store_test

import (
	"context"
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
