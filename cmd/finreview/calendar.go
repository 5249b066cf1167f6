package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/calendar"
	"finreview/internal/store"
)

const calendarUsage = `用法:
  finreview calendar due --from DATE --workdays N [--calendar FILE] [--json]

按工作日计算期限:收到日当天不计,期限为其后第 N 个工作日的 23:59:59(北京时间)。

参数:
  --from DATE       收到日期,格式 YYYY-MM-DD
  --workdays N      工作日数,不小于 1 的整数
  --calendar FILE   节假日 CSV(格式同 cn-workdays.csv),代替内置与数据库中的数据
  --json            输出一行 JSON:{"from":"YYYY-MM-DD","workdays":N,"due":"YYYY-MM-DD"}
`

// calendarFlagError is a bad flag value: it names the flag, and main treats
// it as a usage mistake (exit 2) while still printing the message.
type calendarFlagError struct {
	flag string
	msg  string
}

func (e *calendarFlagError) Error() string { return e.flag + ": " + e.msg }
func (e *calendarFlagError) Unwrap() error { return errUsage }

func (c *cli) calendar(ctx context.Context, args []string) error {
	return c.subcommand(ctx, args, calendarUsage, "calendar command",
		map[string]func(context.Context, []string) error{"due": c.calendarDue})
}

// calendarDueOutput is the --json line of API.md.
type calendarDueOutput struct {
	From     calendar.Date `json:"from"`
	Workdays int           `json:"workdays"`
	Due      calendar.Date `json:"due"`
}

func (c *cli) calendarDue(ctx context.Context, args []string) error {
	fs := c.flags("calendar due")
	fs.Usage = func() { fmt.Fprint(c.stderr, calendarUsage) }
	fromFlag := fs.String("from", "", "收到日期 YYYY-MM-DD")
	workdaysFlag := fs.String("workdays", "", "工作日数")
	file := fs.String("calendar", "", "节假日 CSV 文件")
	asJSON := fs.Bool("json", false, "输出 JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage // the flag package has already printed the problem and the usage
	}
	if fs.NArg() > 0 {
		fmt.Fprint(c.stderr, calendarUsage)
		return fmt.Errorf("unexpected argument %q: %w", fs.Arg(0), errUsage)
	}

	if *fromFlag == "" {
		return &calendarFlagError{"--from", "必须给出收到日期(YYYY-MM-DD)"}
	}
	from, err := calendar.ParseDate(*fromFlag)
	if err != nil {
		return &calendarFlagError{"--from", fmt.Sprintf("日期 %q 无效,应为 YYYY-MM-DD 格式的真实日期", *fromFlag)}
	}
	if *workdaysFlag == "" {
		return &calendarFlagError{"--workdays", "必须给出工作日数"}
	}
	n, err := strconv.Atoi(*workdaysFlag)
	if err != nil || n < 1 {
		return &calendarFlagError{"--workdays", fmt.Sprintf("%q 无效,应为不小于 1 的整数", *workdaysFlag)}
	}

	var days []calendar.Day
	if *file != "" {
		days, err = readCalendarFile(*file)
	} else {
		days, err = c.calendarDays(ctx)
	}
	if err != nil {
		return err
	}

	due, missing, err := calendar.New(days).AddWorkdays(from, n)
	if err != nil {
		return fmt.Errorf("compute due date: %w", err)
	}
	for _, year := range missing {
		fmt.Fprintf(c.stderr, "警告: %d 年没有节假日数据,已按周一至周五计算\n", year)
	}

	if *asJSON {
		return json.NewEncoder(c.stdout).Encode(calendarDueOutput{From: from, Workdays: n, Due: due})
	}
	_, err = fmt.Fprintf(c.stdout, "%s 起 %d 个工作日,截止 %s 23:59:59(北京时间)\n", from, n, due)
	return err
}

// readCalendarFile reads a holiday CSV given with --calendar.
func readCalendarFile(name string) ([]calendar.Day, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--calendar: %w", err)
	}
	defer f.Close()
	days, err := calendar.ParseCSV(f)
	if err != nil {
		return nil, fmt.Errorf("--calendar %s: %w", name, err)
	}
	return days, nil
}

// calendarDays returns the holiday schedule the CLI computes with when no
// --calendar file is given: the built-in data followed by the database's
// rows (later rows override earlier ones; see calendar.New). The database
// is the one FINREVIEW_DSN names; when it is set but cannot be read, a
// one-line note says so on stderr and the built-in data alone is used.
func (c *cli) calendarDays(ctx context.Context) ([]calendar.Day, error) {
	days := calendar.BuiltIn()
	dsn := c.getenv("FINREVIEW_DSN")
	if dsn == "" {
		return days, nil
	}
	rows, err := databaseCalendarDays(ctx, dsn)
	if err != nil {
		fmt.Fprintln(c.stderr, "提示: 未连接数据库,仅使用内置节假日数据")
		return days, nil
	}
	for _, r := range rows {
		days = append(days, r.Day())
	}
	return days, nil
}

// databaseCalendarDays reads the calendar_days rows of the database dsn names.
func databaseCalendarDays(ctx context.Context, dsn string) ([]store.CalendarDay, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 || cfg.Timeout > 3*time.Second {
		cfg.Timeout = 3 * time.Second
	}
	cfg.ParseTime = true
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	db, err := store.Open(ctx, cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return store.New(db).CalendarDays(ctx)
}
