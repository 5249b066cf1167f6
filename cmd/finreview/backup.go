package main

import (
	"context"
	"fmt"
	"time"

	"finreview/internal/backup"
	"finreview/internal/calendar"
	"finreview/internal/config"
	"finreview/internal/docs"
)

// backupOptions builds the backup package's options from the environment.
// Backups kept on another S3 endpoint than the documents' are reached
// through FINREVIEW_BACKUP_S3_* (same names), defaulting to FINREVIEW_S3_*.
func (c *cli) backupOptions(e *env) backup.Options {
	s3 := backup.S3{Endpoint: e.cfg.S3Endpoint, AccessKey: e.cfg.S3AccessKey, SecretKey: e.cfg.S3SecretKey, Secure: e.cfg.S3Secure}
	if v := c.getenv("FINREVIEW_BACKUP_S3_ENDPOINT"); v != "" {
		s3 = backup.S3{Endpoint: v, AccessKey: c.getenv("FINREVIEW_BACKUP_S3_ACCESS_KEY"),
			SecretKey: c.getenv("FINREVIEW_BACKUP_S3_SECRET_KEY"), Secure: c.getenv("FINREVIEW_BACKUP_S3_SECURE") == "true"}
	}
	return backup.Options{DSN: e.cfg.DSN, Store: e.db, Objects: e.objects, S3: s3, Progress: c.stderr, Now: time.Now, Log: e.log}
}

// backup runs `backup --to LOC` and `backup verify --from LOC [--id ID]`.
func (c *cli) backup(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "verify" {
		fs := c.flags("backup verify")
		from := fs.String("from", "", "备份位置:目录或 s3://桶/前缀")
		id := fs.String("id", "", "备份编号(默认最近一次)")
		if err := fs.Parse(args[1:]); err != nil || *from == "" {
			return c.misuse("用法:finreview backup verify --from 目录|s3://桶/前缀 [--id 备份编号]" + "\n")
		}
		e, err := c.openKeyed(ctx)
		if err != nil {
			return err
		}
		defer e.close()
		m, err := backup.Verify(ctx, c.backupOptions(e), *from, *id)
		if err != nil {
			return fmt.Errorf("备份校验未通过:%w", err)
		}
		fmt.Fprintf(c.stdout, "备份 %s 校验通过\n", m.ID)
		return nil
	}
	fs := c.flags("backup")
	to := fs.String("to", "", "备份位置:目录或 s3://桶/前缀")
	if err := fs.Parse(args); err != nil || *to == "" {
		return c.misuse("用法:finreview backup --to 目录|s3://桶/前缀" + "\n")
	}
	e, err := c.openKeyed(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	m, err := backup.Backup(ctx, c.backupOptions(e), *to)
	if err != nil {
		return fmt.Errorf("备份失败:%w", err)
	}
	fmt.Fprintf(c.stdout, "备份 %s 已写入 %s(%d 字节)\n", m.ID, *to, m.Size)
	return nil
}

// restore runs `restore --from LOC [--id ID] [--force]`.
func (c *cli) restore(ctx context.Context, args []string) error {
	fs := c.flags("restore")
	from := fs.String("from", "", "备份位置:目录或 s3://桶/前缀")
	id := fs.String("id", "", "备份编号(默认最近一次)")
	force := fs.Bool("force", false, "目标数据库或存储桶已有数据时仍然恢复(删除其中的表)")
	until := fs.String("until", "", "按时间点恢复:重放二进制日志至此时刻(北京时间 YYYY-MM-DD HH:MM:SS)")
	binlogDir := fs.String("binlog-dir", "", "按时间点恢复:源数据库二进制日志文件所在目录")
	if err := fs.Parse(args); err != nil || *from == "" || (*until == "") != (*binlogDir == "") {
		return c.misuse("用法:finreview restore --from 目录|s3://桶/前缀 [--id 备份编号] [--force] [--until 时刻 --binlog-dir 目录]" + "\n")
	}
	var rp *backup.Replay
	if *until != "" {
		at, err := time.ParseInLocation(time.DateTime, *until, calendar.Location())
		if err != nil {
			return fmt.Errorf("--until:%q 不是 YYYY-MM-DD HH:MM:SS 格式的时刻: %w", *until, errUsage)
		}
		rp = &backup.Replay{BinlogDir: *binlogDir, Until: at}
	}
	// The target database may not exist yet: only the object store is
	// opened here, the restore creates the database.
	cfg, err := config.Load(c.getenv)
	if err != nil {
		return err
	}
	objects, err := docs.NewObjectStore(ctx, docs.ObjectStoreOptions{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey,
		SecretKey: cfg.S3SecretKey, Bucket: cfg.S3Bucket, Secure: cfg.S3Secure})
	if err != nil {
		return fmt.Errorf("无法连接 MinIO(FINREVIEW_S3_ENDPOINT=%s):%v", cfg.S3Endpoint, err)
	}
	e := &env{cfg: cfg, objects: objects}
	o := c.backupOptions(e)
	m, err := backup.Restore(ctx, o, backup.RestoreOptions{From: *from, ID: *id, DSN: cfg.DSN, Objects: objects, Force: *force, Replay: rp})
	if err != nil {
		return fmt.Errorf("恢复失败:%w", err)
	}
	fmt.Fprintf(c.stdout, "已从备份 %s 恢复到数据库 %s 与存储桶 %s\n", m.ID, m.Database.Name, objects.Bucket)
	return nil
}
