package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/calendar"
)

// Replay is a point-in-time recovery: after the backup is loaded, the
// binary log is replayed from the backup's position up to Until.
type Replay struct {
	// BinlogDir holds the source server's binary logs (copies of its
	// log files, or files saved by mariadb-binlog --raw).
	BinlogDir string
	// Until is the last moment recovered (Asia/Shanghai).
	Until time.Time
}

// binlogFiles lists the files of dir from first on, in order.
func binlogFiles(dir, first string) ([]string, error) {
	base := filepath.Base(first)
	stem, _, ok := strings.Cut(base, ".")
	if !ok {
		return nil, fmt.Errorf("二进制日志文件名 %q 无效", first)
	}
	matches, err := filepath.Glob(filepath.Join(dir, stem+".[0-9]*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	var out []string
	for _, m := range matches {
		if filepath.Base(m) >= base {
			out = append(out, m)
		}
	}
	if len(out) == 0 || filepath.Base(out[0]) != base {
		return nil, fmt.Errorf("目录 %s 中没有备份记载的起点二进制日志 %s", dir, base)
	}
	return out, nil
}

// replay pipes mariadb-binlog, from the manifest's position to r.Until and
// for the source database only (renamed to the target's), into the mariadb
// client connected to dsn.
func replay(ctx context.Context, m *Manifest, dsn string, r Replay, progress func(string, ...any)) error {
	if m.Database.BinlogFile == "" {
		return errors.New("该备份取自未开启二进制日志的数据库,无法按时间点恢复")
	}
	if r.Until.Before(m.CreatedAt) {
		return fmt.Errorf("恢复时间点 %s 早于备份时间 %s", r.Until.In(calendar.Location()).Format(time.DateTime),
			m.CreatedAt.In(calendar.Location()).Format(time.DateTime))
	}
	files, err := binlogFiles(r.BinlogDir, m.Database.BinlogFile)
	if err != nil {
		return err
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		host, port = cfg.Addr, "3306"
	}
	// mariadb-binlog reads --stop-datetime in its own time zone.
	tzEnv := append(os.Environ(), "TZ=Asia/Shanghai")
	args := append([]string{"--no-defaults", fmt.Sprintf("--start-position=%d", m.Database.BinlogPos),
		"--stop-datetime=" + r.Until.In(calendar.Location()).Format(time.DateTime),
		"--database=" + m.Database.Name}, files...)
	if m.Database.Name != cfg.DBName {
		args = append(args[:1], append([]string{"--rewrite-db=" + m.Database.Name + "->" + cfg.DBName}, args[1:]...)...)
	}
	dump := exec.CommandContext(ctx, "mariadb-binlog", args...)
	dump.Env = tzEnv
	var dumpErr, loadErr strings.Builder
	dump.Stderr = &dumpErr
	load := exec.CommandContext(ctx, "mariadb", "--no-defaults", "--protocol=tcp", "-h", host, "-P", port, "-u", cfg.User, cfg.DBName)
	load.Env = append(tzEnv, "MYSQL_PWD="+cfg.Passwd)
	load.Stderr = &loadErr
	pr, pw := io.Pipe()
	dump.Stdout = pw
	load.Stdin = pr
	progress("重放二进制日志 %s 起(位置 %d)至 %s…", filepath.Base(files[0]), m.Database.BinlogPos,
		r.Until.In(calendar.Location()).Format(time.DateTime))
	if err := load.Start(); err != nil {
		return fmt.Errorf("启动 mariadb 客户端:%w(需安装 mariadb-client)", err)
	}
	if err := dump.Start(); err != nil {
		pw.Close()
		_ = load.Wait()
		return fmt.Errorf("启动 mariadb-binlog:%w(需安装 mariadb-client)", err)
	}
	derr := dump.Wait()
	pw.Close()
	lerr := load.Wait()
	if derr != nil {
		return fmt.Errorf("读取二进制日志:%v:%s", derr, strings.TrimSpace(dumpErr.String()))
	}
	if lerr != nil {
		return fmt.Errorf("重放二进制日志:%v:%s", lerr, strings.TrimSpace(loadErr.String()))
	}
	return nil
}
