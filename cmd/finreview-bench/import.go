package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/xuri/excelize/v2"
)

// importRows is the size of the historical-review file of the import step.
const importRows = 100000

// benchImport imports 1,000 projects, then times the check (preview) and
// the commit of 100,000 historical reviews from one .xlsx file through the
// command, as an operator runs them on go-live.
func (h *harness) benchImport(ctx context.Context) ([]result, error) {
	dir, err := os.MkdirTemp("", "finreview-bench-import-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	const projects = 1000
	projectFile := filepath.Join(dir, "projects.xlsx")
	if err := writeSheet(projectFile, "项目", []any{"项目编号", "项目名称", "所属区划", "建设单位", "资金来源", "项目类别", "批复概算"},
		projects, func(i int) []any {
			return []any{fmt.Sprintf("BENCH-IMP-%04d", i), fmt.Sprintf("历史项目 %d", i), "临河区", "临河区民政局",
				"一般公共预算", "基本建设", "5000000.00"}
		}); err != nil {
		return nil, err
	}
	if _, err := h.timedCLI(ctx, "import", "projects", "--file", projectFile); err != nil {
		return nil, err
	}
	reviewFile := filepath.Join(dir, "reviews.xlsx")
	if err := writeSheet(reviewFile, "评审", []any{"项目编号", "评审类型", "送审金额", "审定金额", "中介机构", "报送日期",
		"结论日期", "结论文号", "评审费"}, importRows, func(i int) []any {
		return []any{fmt.Sprintf("BENCH-IMP-%04d", i%projects), "工程结算", float64(1000000+i) + 0.25, fmt.Sprintf("%d.10", 900000+i),
			"", "2015-03-02", "2015-06-30", fmt.Sprintf("临财评〔2015〕%d号", i+1), "12000.00"}
	}); err != nil {
		return nil, err
	}
	check, err := h.timedCLI(ctx, "import", "reviews", "--file", reviewFile, "--dry-run")
	if err != nil {
		return nil, err
	}
	commit, err := h.timedCLI(ctx, "import", "reviews", "--file", reviewFile)
	if err != nil {
		return nil, err
	}
	var n int
	if err := h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM reviews WHERE import_id IS NOT NULL").Scan(&n); err != nil {
		return nil, err
	}
	if n != importRows {
		return nil, fmt.Errorf("imported %d reviews, want %d", n, importRows)
	}
	total := check.elapsed + commit.elapsed
	return []result{{name: "import_rows_per_sec", value: fmt.Sprintf("%.0f", float64(importRows)/total.Seconds()), unit: "rows/s",
		note: fmt.Sprintf("(check %.1fs, %.1fs CPU, peak %d MiB; commit %.1fs, %.1fs CPU, peak %d MiB)", check.elapsed.Seconds(),
			check.cpu.Seconds(), check.peakMiB, commit.elapsed.Seconds(), commit.cpu.Seconds(), commit.peakMiB)}}, nil
}

type timing struct {
	elapsed, cpu time.Duration
	peakMiB      int64
}

// timedCLI runs one finreview command and reports its time and peak memory.
func (h *harness) timedCLI(ctx context.Context, args ...string) (timing, error) {
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = h.env()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t := timing{elapsed: time.Since(start)}
	if err != nil {
		return t, fmt.Errorf("finreview %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		t.peakMiB = ru.Maxrss / 1024
		t.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return t, nil
}

// writeSheet streams a workbook of n rows under header.
func writeSheet(path, sheet string, header []any, n int, row func(i int) []any) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), row(i)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
