package xlsx_test

import (
	"strconv"
	"syscall"
	"testing"

	"finreview/internal/xlsx"
)

// BenchmarkAuditRows writes 10,000 rows shaped like the audit export's
// (ids, times, names, a JSON detail and a 64-character hash) below its
// frozen header, so that they stream as the export's do.
func BenchmarkAuditRows(b *testing.B) {
	var out counter
	cpu0 := cpuTime()
	for b.Loop() {
		out.n = 0
		book := xlsx.To(&out)
		s := book.Sheet("审计日志", 8, 20, 16, 14, 18, 10, 12, 16, 60, 66)
		s.Header("编号", "时间", "操作人", "操作", "操作代码", "评审编号", "对象类型", "对象", "详情", "哈希")
		for i := range 10000 {
			s.Row(xlsx.Text(strconv.Itoa(2400000+i)), "2026-12-06 10:15:"+strconv.Itoa(i%60), "临河区民政局", "提交评审", "submit",
				xlsx.Text(strconv.Itoa(i/25)), "review", xlsx.Text(strconv.Itoa(i/25)), `{"from":"draft","to":"submitted","round":1}`,
				xlsx.Text("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"[i%7:]+strconv.Itoa(i)))
		}
		if err := book.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(out.n), "file-bytes")
}

// cpuTime is the CPU time the process has used, in nanoseconds: on a
// shared host it varies less than the time a benchmark takes.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
