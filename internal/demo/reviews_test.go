package demo_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"finreview/internal/billing"
	"finreview/internal/demo"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

func TestSeedReviewsCoversEveryState(t *testing.T) {
	s := testenv.DB(t)
	seeded := testenv.Demo(t, s)
	objects := testenv.Objects(t)
	log := slog.New(slog.DiscardHandler)
	svc := review.NewService(review.Options{Store: s, Firms: firm.NewService(s, time.Now), Billing: billing.NewService(s, time.Now),
		Docs: docs.NewService(s, objects, time.Now, log), Now: time.Now, Log: log})
	ctx := context.Background()
	n, err := demo.SeedReviews(ctx, s, svc, objects, seeded)
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("seeded %d reviews, want at least 20", n)
	}
	counts, err := s.CountReviewsByState(ctx, store.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range workflow.States() {
		t.Run(string(st), func(t *testing.T) {
			if counts[st] == 0 {
				t.Errorf("no demo review in state %s", st)
			}
		})
	}
	t.Run("every dossier equals the plain reads", func(t *testing.T) { checkDossiers(t, s) })
	t.Run("a review as Get reads it has every part its whole dossier has", func(t *testing.T) { checkGetParts(t, s, svc) })
	t.Run("seeding again adds nothing", func(t *testing.T) {
		again, err := demo.SeedReviews(ctx, s, svc, objects, seeded)
		if err != nil || again != 0 {
			t.Fatalf("second run created %d (%v)", again, err)
		}
	})
}

// A Galera cluster hands out auto-increment ids in steps of the cluster's
// size, offset by node: the demo city must not assume ids 1, 2, 3….
func TestSeedReviewsWithInterleavedIDs(t *testing.T) {
	ctx := context.Background()
	var name string
	if err := testenv.DB(t).DB.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, testenv.DSN(t, name)+"&auto_increment_increment=3&auto_increment_offset=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := store.New(db)
	s.SetAuditKey(testenv.AuditKey)
	seeded := testenv.Demo(t, s)
	objects := testenv.Objects(t)
	log := slog.New(slog.DiscardHandler)
	svc := review.NewService(review.Options{Store: s, Firms: firm.NewService(s, time.Now), Billing: billing.NewService(s, time.Now),
		Docs: docs.NewService(s, objects, time.Now, log), Now: time.Now, Log: log})
	if _, err := demo.SeedReviews(ctx, s, svc, objects, seeded); err != nil {
		t.Fatalf("seed the demo city with interleaved ids: %v", err)
	}
}
