package main

import (
	"context"
	"fmt"

	"finreview/internal/config"
	"finreview/internal/store"
	"finreview/migrations"
)

func (c *cli) migrate(ctx context.Context, args []string) error {
	if err := c.noFlags("migrate", args); err != nil {
		return err
	}
	cfg, err := config.Load(c.getenv)
	if err != nil {
		return err
	}
	done, err := store.Migrate(ctx, cfg.DSN, migrations.FS)
	if err != nil {
		return fmt.Errorf("迁移失败:%w(数据库未启动时请先执行 make services)", err)
	}
	for _, n := range done {
		fmt.Fprintln(c.stdout, "已执行迁移", n)
	}
	if len(done) == 0 {
		fmt.Fprintln(c.stdout, "数据库结构已是最新")
	}
	// The first migrate records the cryptographic suite chosen at
	// installation; a later one refuses a configuration that differs.
	db, err := store.Open(ctx, cfg.DSN)
	if err != nil {
		return fmt.Errorf("无法连接 MariaDB(FINREVIEW_DSN):%w", err)
	}
	defer db.Close()
	if err := store.New(db).RecordSuite(ctx, cfg.CryptoSuite); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "密码算法:", cfg.CryptoSuite.Label())
	return nil
}
