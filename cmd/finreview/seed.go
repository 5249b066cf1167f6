package main

import (
	"context"
	"fmt"

	"finreview/internal/demo"
)

func (c *cli) seedDemo(ctx context.Context, args []string) error {
	if err := c.noFlags("seed-demo", args); err != nil {
		return err
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
	n, err := demo.SeedReviews(ctx, e.db, newCore(e).reviews, e.objects, seeded)
	if err != nil {
		return fmt.Errorf("演示评审: %w", err)
	}
	if n > 0 {
		fmt.Fprintf(c.stdout, "已创建 %d 个演示评审。\n", n)
	}
	return nil
}
