package report_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"finreview/internal/report"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// BenchmarkAuditExport is the security auditor's export of the newest
// 100,000 events of the trail, read from MariaDB and written as the
// workbook: events shaped like the workflow's (a review's stream, a named
// actor, a JSON detail, SHA-256 chain hashes). cpu-ns/op is the CPU the
// process spent per export, the database server's not counted.
func BenchmarkAuditExport(b *testing.B) {
	ctx := context.Background()
	s := testenv.DB(b)
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO audit_events
		  (stream, seq, at, actor_id, actor_name, action, review_id, object_type, object_id, detail, prev_hash, hash)
		SELECT CONCAT('review:', seq DIV 25 + 1), seq MOD 25 + 1,
		  TIMESTAMP('2026-01-05 08:30:00') + INTERVAL seq * 37 SECOND, seq MOD 40 + 1,
		  ELT(seq MOD 4 + 1, '临河区财政局 张伟', '五原县财政局 李娜', '巴彦淖尔市建设集团 王强', '内蒙古信达工程咨询 赵敏'),
		  ELT(seq MOD 5 + 1, 'submit', 'accept', 'assign', 'upload', 'conclude'), seq DIV 25 + 1, 'review',
		  CAST(seq DIV 25 + 1 AS CHAR),
		  CONCAT('{"from":"', ELT(seq MOD 3 + 1, 'draft', 'submitted', 'in_review'), '","to":"',
		    ELT(seq MOD 3 + 1, 'submitted', 'in_review', 'concluded'), '","round":', seq MOD 3 + 1,
		    ',"amount":"', FORMAT(seq * 13.37, 2, 'en_US'), '","comment":"已补充第', seq MOD 9 + 1, '册送审资料"}'),
		  SHA2(CONCAT('prev', seq), 256), SHA2(CONCAT('hash', seq), 256)
		FROM seq_0_to_99999`); err != nil {
		b.Fatal(err)
	}
	label := func(action string) string { return "动作" + action }
	var out byteCount
	cpu0 := cpuTime()
	for b.Loop() {
		out.n = 0
		n, err := report.WriteAuditWorkbook(ctx, &s.Queries, store.Scope{All: true}, store.AuditEventsFilter{},
			time.Now().AddDate(0, 0, -180), label, &out)
		if err != nil || n != report.MaxAuditExportRows {
			b.Fatalf("%d events: %v", n, err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(out.n), "file-bytes")
}

// counter counts the bytes written through it.
type byteCount struct{ n int }

func (c *byteCount) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// cpuTime is the CPU time the process has used, in nanoseconds: on a
// shared host it varies less than the time a benchmark takes.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
