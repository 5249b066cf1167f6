package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/shopspring/decimal"

	"finreview/internal/billing"
	"finreview/internal/config"
	"finreview/internal/fee"
	"finreview/internal/store"
)

const feeUsage = `用法: finreview fee --kind K [--outcome O] --submitted S --audited A [--schedule FILE] [--json]

按 FEES.md 的模型计算一次评审的评审费。金额以元为单位,写作数字加最多两位小数(如 12345678.90)。
评审类型 K: estimate 概算, budget 预算, settlement 工程结算, change 工程变更, final_accounts 竣工财务决算,
            procurement_final 政府采购项目决算, tracking 跟踪评审, special_check 专项核查/绩效评审
评审结果 O: normal 正常(缺省), returned 退审, unilateral 单方评审结论
不指定 --schedule 时使用当前生效的费率表(未配置数据库时为内置示例费率表)。

选项:
`

// fee prints the review fee of FEES.md for one set of inputs.
func (c *cli) fee(ctx context.Context, args []string) error {
	fs := c.flags("fee")
	kindFlag := fs.String("kind", "", "评审类型(必填)")
	outcomeFlag := fs.String("outcome", string(fee.Normal), "评审结果")
	submittedFlag := fs.String("submitted", "", "送审金额 S,元(必填)")
	auditedFlag := fs.String("audited", "", "审定金额 A,元(必填;退审或跟踪评审可省略)")
	scheduleFlag := fs.String("schedule", "", "费率表 JSON 文件,格式同 data/fee-schedule.example.json")
	jsonFlag := fs.Bool("json", false, "输出一个 JSON 对象,金额为两位小数的字符串")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), feeUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("fee: unexpected argument %q: %w", fs.Arg(0), errUsage)
	}

	in, err := feeInput(*kindFlag, *outcomeFlag, *submittedFlag, *auditedFlag)
	if err != nil {
		return err
	}
	var schedule fee.Schedule
	if *scheduleFlag != "" {
		schedule, err = readFeeSchedule(*scheduleFlag)
	} else {
		schedule, err = c.activeSchedule(ctx)
	}
	if err != nil {
		return err
	}
	result, err := fee.Compute(schedule, in)
	if err != nil {
		var fe *fee.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("--%s: %s", fe.Field, fe.Msg)
		}
		return fmt.Errorf("compute fee: %w", err)
	}
	if *jsonFlag {
		enc := json.NewEncoder(c.stdout)
		if err := enc.Encode(result.Figures()); err != nil {
			return fmt.Errorf("write fee: %w", err)
		}
		return nil
	}
	if err := writeFeeStatement(c.stdout, schedule, in, result); err != nil {
		return fmt.Errorf("write fee: %w", err)
	}
	return nil
}

// activeSchedule is the schedule used when --schedule is not given: the
// database's schedule in force today when FINREVIEW_DSN is set or the
// default database answers within a second, otherwise the built-in
// example. A configured database that cannot be read is an error; the
// default one being absent is not. Nothing is written to the database.
func (c *cli) activeSchedule(ctx context.Context) (fee.Schedule, error) {
	configured := c.getenv("FINREVIEW_DSN") != ""
	cfg, err := config.Load(c.getenv)
	if err != nil {
		if configured {
			return fee.Schedule{}, err
		}
		return fee.Example(), nil
	}
	sc, err := scheduleFromDatabase(ctx, cfg.DSN, time.Now())
	switch {
	case err == nil:
		return sc, nil
	case errors.Is(err, store.ErrNotFound):
		// No schedule stored (or none in force yet): the built-in example applies.
		return fee.Example(), nil
	case configured:
		return fee.Schedule{}, fmt.Errorf("读取数据库中的费率表(FINREVIEW_DSN):%w;可用 --schedule 指定费率表文件", err)
	}
	return fee.Example(), nil
}

// scheduleFromDatabase reads the schedule in force on a day, giving up
// after about a second.
func scheduleFromDatabase(ctx context.Context, dsn string, day time.Time) (fee.Schedule, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return fee.Schedule{}, fmt.Errorf("parse dsn: %w", err)
	}
	cfg.Timeout = time.Second
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return fee.Schedule{}, fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fee.Schedule{}, fmt.Errorf("connect to database: %w", err)
	}
	sc, err := billing.NewService(store.New(db), time.Now).InForce(ctx, day)
	if err != nil {
		return fee.Schedule{}, err
	}
	return sc.Fee, nil
}

// feeInput parses the flags into a fee.Input; every error names its flag.
func feeInput(kindText, outcomeText, submittedText, auditedText string) (fee.Input, error) {
	var in fee.Input
	if kindText == "" {
		return in, errors.New("--kind: 必须指定评审类型")
	}
	kind, err := fee.ParseKind(kindText)
	if err != nil {
		return in, fmt.Errorf("--kind: %w", err)
	}
	outcome, err := fee.ParseOutcome(outcomeText)
	if err != nil {
		return in, fmt.Errorf("--outcome: %w", err)
	}
	in.Kind, in.Outcome = kind, outcome
	if submittedText == "" {
		return in, errors.New("--submitted: 必须指定送审金额")
	}
	if in.Submitted, err = fee.ParseAmount(submittedText); err != nil {
		return in, fmt.Errorf("--submitted: %w", err)
	}
	if auditedText == "" {
		if outcome != fee.Returned && kind != fee.Tracking {
			return in, errors.New("--audited: 必须指定审定金额")
		}
		return in, nil
	}
	if in.Audited, err = fee.ParseAmount(auditedText); err != nil {
		return in, fmt.Errorf("--audited: %w", err)
	}
	return in, nil
}

func readFeeSchedule(path string) (fee.Schedule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return fee.Schedule{}, fmt.Errorf("--schedule: 无法读取费率表文件: %w", err)
	}
	s, err := fee.ParseSchedule(data)
	if err != nil {
		return fee.Schedule{}, fmt.Errorf("--schedule %s: %w", path, err)
	}
	return s, nil
}

// writeFeeStatement prints a readable Chinese fee statement: the schedule,
// the inputs, every band line and every figure.
func writeFeeStatement(w io.Writer, s fee.Schedule, in fee.Input, r fee.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "费率表:%s", s.Name)
	if s.Version > 0 {
		fmt.Fprintf(&b, "(第 %d 版)", s.Version)
	}
	fmt.Fprintf(&b, ",自 %s 起生效\n", s.EffectiveFrom)
	if s.Example {
		b.WriteString("注意:这是内置的示例费率表,不是正式费率表;正式费率须按内财建〔2010〕544号核定后录入。\n")
	}
	fmt.Fprintf(&b, "评审类型:%s(%s)  评审结果:%s(%s)\n", in.Kind.Label(), in.Kind, in.Outcome.Label(), in.Outcome)
	fmt.Fprintf(&b, "送审金额 S:%s 元  审定金额 A:%s 元\n", fee.FormatAmount(in.Submitted), fee.FormatAmount(in.Audited))

	switch {
	case in.Outcome == fee.Returned:
		b.WriteString("退审不计费,各项金额均为 0.00。\n")
	case in.Kind == fee.Tracking:
		b.WriteString("跟踪评审的费用随结算评审一并支付,本次各项金额均为 0.00。\n")
	default:
		b.WriteString("\n分段累进计算(分段费额 = 分段金额 × 费率,未折扣、未取整):\n")
		rows := [][]string{{"段", "下限(元)", "上限(元)", "费率", "分段金额(元)", "分段费额(元)"}}
		sum := decimal.Zero
		for i, l := range r.Lines {
			upTo := "不设上限"
			if l.UpTo != nil {
				upTo = fee.FormatAmount(*l.UpTo)
			}
			rows = append(rows, []string{strconv.Itoa(i + 1), fee.FormatAmount(l.From), upTo, l.Rate.String(), fee.FormatAmount(l.Segment), fee.FormatExact(l.Amount)})
			sum = sum.Add(l.Amount)
		}
		writeFeeTable(&b, rows)
		fmt.Fprintf(&b, "分段合计 %s × 折扣 %s = 基本付费额 %s 元\n", fee.FormatExact(sum), s.Discount.String(), fee.FormatAmount(r.BasicFee))
		fmt.Fprintf(&b, "核减额 D = S − A = %s\n", feeSignedYuan(r.Reduction))
		fmt.Fprintf(&b, "核减追加付费额 = 核减额 D(为负时按 0 计)× 核减追加付费率 %s × 折扣 %s = %s 元\n",
			s.ReductionRate.String(), s.Discount.String(), fee.FormatAmount(r.ReductionFee))
		fmt.Fprintf(&b, "评审费合计 = %s + %s = %s 元\n", fee.FormatAmount(r.BasicFee), fee.FormatAmount(r.ReductionFee), fee.FormatAmount(r.TotalFee))
		if r.ContractorPays {
			fmt.Fprintf(&b, "超出 %s × S 的核减(增)额 = %s 元\n", s.PenaltyThreshold.String(), fee.FormatExact(r.Excess))
			fmt.Fprintf(&b, "施工单位承担 = min(%s × %s × %s, 评审费合计) = %s 元(在工程结算中扣减)\n",
				fee.FormatExact(r.Excess), s.ReductionRate.String(), s.Discount.String(), fee.FormatAmount(r.ContractorShare))
		} else {
			b.WriteString("施工单位承担 = 0.00 元(仅工程结算和工程变更适用)\n")
		}
		fmt.Fprintf(&b, "财政承担 = %s − %s = %s 元\n", fee.FormatAmount(r.TotalFee), fee.FormatAmount(r.ContractorShare), fee.FormatAmount(r.FinanceShare))
		if in.Outcome == fee.Unilateral {
			fmt.Fprintf(&b, "单方评审结论:先付 %s × %s = %s 元,正式结论后再付 %s 元\n",
				fee.FormatAmount(r.TotalFee), s.UnilateralFirstRatio.String(), fee.FormatAmount(r.PayableNow), fee.FormatAmount(r.PayableLater))
		}
	}

	b.WriteString("\n")
	totals := []struct {
		label string
		value decimal.Decimal
	}{
		{"基本付费额", r.BasicFee},
		{"核减追加付费额", r.ReductionFee},
		{"评审费合计", r.TotalFee},
		{"施工单位承担", r.ContractorShare},
		{"财政承担", r.FinanceShare},
		{"本次支付", r.PayableNow},
		{"后续支付", r.PayableLater},
	}
	rows := make([][]string, len(totals))
	for i, t := range totals {
		rows[i] = []string{t.label, fee.FormatAmount(t.value) + " 元"}
	}
	writeFeeTable(&b, rows)
	_, err := io.WriteString(w, b.String())
	return err
}

func feeSignedYuan(d decimal.Decimal) string {
	if d.Sign() < 0 {
		return "−" + fee.FormatAmount(d.Neg()) + " 元(核增)"
	}
	return fee.FormatAmount(d) + " 元"
}

// writeFeeTable writes rows as columns: the first column left-aligned, the
// others right-aligned, measured in terminal cells (a Chinese character or
// full-width sign takes two).
func writeFeeTable(b *strings.Builder, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cellWidth(cell))
		}
	}
	for _, row := range rows {
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-cellWidth(cell))
			switch {
			case i == 0:
				b.WriteString(cell + pad)
			default:
				b.WriteString("  " + pad + cell)
			}
		}
		b.WriteByte('\n')
	}
}

// cellWidth is the width of s in terminal cells.
func cellWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
			(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6)):
			w += 2
		default:
			w++
		}
	}
	return w
}
