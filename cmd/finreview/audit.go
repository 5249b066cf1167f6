package main

import (
	"context"
	"errors"
	"fmt"

	"finreview/internal/audit"
)

const auditUsage = `用法:
  finreview audit verify    重算全部审计链(按安装时选定的算法:国密 SM3 或 SHA-256)并核对每日锚定
`

// errAuditBroken makes verify exit non-zero when the trail does not check.
var errAuditBroken = errors.New("审计链核验未通过")

func (c *cli) auditCmd(ctx context.Context, args []string) error {
	if len(args) != 1 || args[0] != "verify" {
		return c.misuse(auditUsage)
	}
	e, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.close()
	key, err := audit.LoadKey(e.cfg.AuditKeyFile)
	if err != nil {
		return fmt.Errorf("配置错误 FINREVIEW_AUDIT_KEY_FILE: %w", err)
	}
	e.db.SetAuditKey(key)
	res, err := audit.Verify(ctx, e.db)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "算法: %s(%s)\n事件: %d 条\n", res.Algorithm, e.db.Suite().Label(), res.Events)
	if !res.OK {
		for _, p := range res.Problems {
			fmt.Fprintln(c.stdout, "问题:", p)
		}
		return errAuditBroken
	}
	fmt.Fprintln(c.stdout, "审计链完整,与每日锚定一致")
	return nil
}
