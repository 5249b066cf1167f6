// Command finreview is the financial investment review system: one binary
// with the subcommands serve, migrate, seed-demo, fee, calendar and user.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // Asia/Shanghai must resolve on bare intranet hosts.
)

// cli carries the process environment into every subcommand, so tests can
// run them without touching the real process.
type cli struct {
	getenv func(string) string
	// lookupEnv tells a variable set empty from an unset one (getenv's
	// answer for both is ""); nil in tests that give getenv only.
	lookupEnv func(string) (string, bool)
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
}

// errUsage marks a command-line mistake; main exits 2 for it.
var errUsage = errors.New("usage")

const usage = `finreview — 财政投资评审管理系统

用法:
  finreview serve                 启动 Web 界面与 JSON API
  finreview migrate               创建数据库并执行迁移
  finreview seed-demo             载入演示数据
  finreview fee ...               计算评审费(见 finreview fee -h)
  finreview calendar due ...      按工作日计算期限(见 finreview calendar due -h)
  finreview user add ...          新建用户(密码从标准输入读取)
  finreview user passwd --username U  重置密码(从标准输入读取,下次登录须修改)
  finreview paper keygen|verify ...   SM2 签名私钥生成;核验已出具公文的摘要与签名
  finreview audit verify          重算审计链(国密 SM3 或 SHA-256)并核对每日锚定
  finreview backup --to 位置      备份数据库与全部资料对象(目录或 s3://桶/前缀)
  finreview backup verify --from 位置   在临时库中恢复并核对备份
  finreview restore --from 位置   恢复到空的数据库与存储桶
  finreview import KIND --file 文件.xlsx [--dry-run]   从 Excel 导入单位、机构、专家、项目、历史评审
  finreview import template KIND --out 文件.xlsx       下载导入模板
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	c := &cli{getenv: os.Getenv, lookupEnv: os.LookupEnv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	err := c.run(ctx, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) || err.Error() != errUsage.Error() {
			fmt.Fprintln(os.Stderr, "finreview:", err)
		}
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func (c *cli) run(ctx context.Context, args []string) error {
	return c.subcommand(ctx, args, usage, "command", map[string]func(context.Context, []string) error{
		"serve": c.serve, "migrate": c.migrate, "seed-demo": c.seedDemo, "fee": c.fee, "calendar": c.calendar,
		"user": c.user, "paper": c.paper, "backup": c.backup, "restore": c.restore, "import": c.importCmd,
		"audit": c.auditCmd,
	})
}

// subcommand runs the command that args[0] names among cmds with the
// arguments after it. No command, an unknown one (what names the kind in
// the error) or help prints usage: help on stdout, the others on stderr as
// a usage mistake.
func (c *cli) subcommand(ctx context.Context, args []string, usage, what string,
	cmds map[string]func(context.Context, []string) error) error {
	if len(args) == 0 {
		return c.misuse(usage)
	}
	if run, ok := cmds[args[0]]; ok {
		return run(ctx, args[1:])
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(c.stdout, usage)
		return nil
	}
	fmt.Fprint(c.stderr, usage)
	return fmt.Errorf("unknown %s %q: %w", what, args[0], errUsage)
}

// misuse prints usage on stderr and answers a usage mistake.
func (c *cli) misuse(usage string) error {
	fmt.Fprint(c.stderr, usage)
	return errUsage
}

// flags is a command's flag set; the flag package prints its problems and
// usage on stderr.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

// noFlags parses the arguments of a command that takes no flags.
func (c *cli) noFlags(name string, args []string) error {
	if err := c.flags(name).Parse(args); err != nil {
		return errUsage
	}
	return nil
}
