package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/bytesize"
	"finreview/internal/report"
)

// BackupStale is how long without a successful backup before the
// administrator is warned.
const BackupStale = 24 * time.Hour

type backupRow struct {
	report.BackupRun
	KindLabel, SizeText string
}

var backupKindLabels = map[string]string{"backup": "备份", "verify": "恢复校验", "restore": "恢复"}

// adminBackups shows the last backup, its size and its verification, the
// recent runs, and a warning when no backup succeeded in the last day.
func (a *App) adminBackups(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	if p.Role != auth.Admin {
		return auth.ErrForbidden
	}
	runs, good, ok, err := a.svc.Reports.Backups(c.UserContext(), 30)
	if err != nil {
		return err
	}
	rows := make([]backupRow, 0, len(runs))
	var last, verify *backupRow
	for _, r := range runs {
		rows = append(rows, backupRow{BackupRun: r, KindLabel: backupKindLabels[r.Kind], SizeText: bytesize.Text(r.Size)})
	}
	for i := range rows {
		if last == nil && rows[i].Kind == "backup" && rows[i].OK {
			last = &rows[i]
		}
	}
	if last != nil {
		for i := range rows {
			if rows[i].Kind == "verify" && rows[i].BackupID == last.BackupID {
				verify = &rows[i]
				break
			}
		}
	}
	var warning string
	switch {
	case !ok:
		warning = "尚无成功的备份记录。请按运维手册配置每日备份(finreview backup --to …)。"
	case time.Since(good) > BackupStale:
		warning = fmt.Sprintf("最近 24 小时内没有成功的备份(上次成功于 %s)。请检查备份定时任务。", formatTime(good, "2006-01-02 15:04"))
	}
	return a.views.render(c, 200, "admin_backups", a.page(c, "备份与恢复", map[string]any{
		"Breadcrumb": []crumb{{Label: "系统管理"}, {Label: "备份与恢复"}},
		"Warning":    warning, "Last": last, "Verify": verify, "Runs": rows,
	}))
}
