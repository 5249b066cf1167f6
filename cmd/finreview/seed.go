package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"finreview/internal/billing"
	"finreview/internal/demo"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/review"
)

func (c *cli) seedDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed-demo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	e, err := c.open(ctx, true)
	if err != nil {
		return err
	}
	defer e.close()
	seeded, err := demo.Load(ctx, e.db)
	if err != nil {
		return err
	}
	if err := c.seedReviews(ctx, e, seeded); err != nil {
		return err
	}
	if seeded.AlreadyLoaded {
		fmt.Fprintln(c.stdout, "演示数据已存在,未重复载入。")
	} else {
		fmt.Fprintln(c.stdout, "演示数据已载入。")
	}
	fmt.Fprintf(c.stdout, "演示账号(密码均为 %s):\n", demo.Password)
	for _, l := range seeded.Logins {
		fmt.Fprintf(c.stdout, "  %-10s %-8s %s\n", l.Username, l.Role, l.Org)
	}
	return nil
}

// seedReviews runs the demo reviews through the real transitions.
func (c *cli) seedReviews(ctx context.Context, e *env, seeded demo.Seeded) error {
	n, err := demo.SeedReviews(ctx, e.db, newReviewService(e), e.objects, seeded)
	if err != nil {
		return fmt.Errorf("演示评审: %w", err)
	}
	if n > 0 {
		fmt.Fprintf(c.stdout, "已创建 %d 个演示评审。\n", n)
	}
	return nil
}

// newReviewService builds the review service with the services it drives.
func newReviewService(e *env) *review.Service {
	var docsSvc *docs.Service
	if e.objects != nil {
		docsSvc = docs.NewService(e.db, e.objects, time.Now, e.log)
	}
	return review.NewService(review.Options{Store: e.db, Firms: firm.NewService(e.db, time.Now),
		Billing: billing.NewService(e.db, time.Now), Docs: docsSvc, Now: time.Now, Log: e.log,
		ReportWorkdays: e.cfg.ReportWorkdays, IntakeWorkdays: e.cfg.IntakeWorkdays})
}
