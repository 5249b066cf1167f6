package web_test

import (
	"strings"
	"testing"
	"time"

	"finreview/internal/store"
)

// TestBackupsPage: only the system administrator opens it; it shows the
// last backup, its size and verification, and warns when no backup
// succeeded in the last 24 hours.
func TestBackupsPage(t *testing.T) {
	e := newPagesEnv(t, false)
	admin := e.as("admin")
	for _, user := range []string{"pingshen", "caizheng", "jianshe"} {
		if resp, _ := e.get(e.as(user), "/admin/backups"); resp.StatusCode != 403 {
			t.Errorf("%s opened the backups page: %d", user, resp.StatusCode)
		}
	}
	resp, body := e.get(admin, "/admin/backups")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "尚无成功的备份记录") {
		t.Fatalf("no backups: %d, warning missing", resp.StatusCode)
	}
	ctx := t.Context()
	now := time.Now()
	for _, r := range []store.BackupRun{
		{Kind: "backup", Location: "/srv/backup", BackupID: "20261201T000000.000000Z", OK: true, Size: 3 << 20, StartedAt: now.Add(-49 * time.Hour), FinishedAt: now.Add(-48 * time.Hour)},
		{Kind: "verify", Location: "/srv/backup", BackupID: "20261201T000000.000000Z", OK: true, Size: 3 << 20, StartedAt: now.Add(-47 * time.Hour), FinishedAt: now.Add(-47 * time.Hour)},
		{Kind: "backup", Location: "/srv/backup", OK: false, Detail: "备份失败:磁盘已满", StartedAt: now.Add(-2 * time.Hour), FinishedAt: now.Add(-2 * time.Hour)},
	} {
		if err := e.s.InsertBackupRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	_, body = e.get(admin, "/admin/backups")
	for _, want := range []string{"最近 24 小时内没有成功的备份", "20261201T000000.000000Z", "3 MB", "校验通过", "磁盘已满"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if err := e.s.InsertBackupRun(ctx, store.BackupRun{Kind: "backup", Location: "/srv/backup", BackupID: "20261206T000000.000000Z", OK: true,
		Size: 1 << 20, StartedAt: now.Add(-time.Hour), FinishedAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, body = e.get(admin, "/admin/backups")
	if strings.Contains(string(body), "backup-warning") || !strings.Contains(string(body), "尚未校验") {
		t.Errorf("after a fresh backup: warning still shown or the new backup's verification not marked missing")
	}
}
