package report

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"finreview/internal/calendar"
	"finreview/internal/store"
)

// MaxAuditExportRows bounds each sheet of an audit export.
const MaxAuditExportRows = 100000

// AuditSource is what an audit export reads.
type AuditSource interface {
	AuditEvents(ctx context.Context, sc store.Scope, f store.AuditEventsFilter) ([]store.AuditEvent, int, error)
	LoginAttempts(ctx context.Context, since time.Time, limit int) ([]store.LoginAttempt, error)
}

// WriteAuditWorkbook writes the security auditor's export: the audit trail
// the scope and filter select (newest first, with each event's chain
// hashes), and the sign-in history since the given time, one sheet each.
// label names an action in Chinese. It returns the number of events.
func WriteAuditWorkbook(ctx context.Context, src AuditSource, sc store.Scope, f store.AuditEventsFilter, since time.Time,
	label func(string) string, w io.Writer) (int, error) {
	x := excelize.NewFile()
	defer x.Close()
	t, err := NewTable(x, "审计日志", []float64{8, 20, 16, 14, 18, 10, 12, 16, 60, 66})
	if err != nil {
		return 0, err
	}
	if err := t.Header("编号", "时间", "操作人", "操作", "操作代码", "评审编号", "对象类型", "对象", "详情", "哈希"); err != nil {
		return 0, err
	}
	n := 0
	f.Offset, f.Limit = 0, 5000
	for n < MaxAuditExportRows {
		events, _, err := src.AuditEvents(ctx, sc, f)
		if err != nil {
			return n, err
		}
		for _, e := range events {
			review := ""
			if e.ReviewID != 0 {
				review = strconv.FormatInt(e.ReviewID, 10)
			}
			if err := t.Row(Text(strconv.FormatInt(e.ID, 10)), at(e.At), e.ActorName, label(e.Action), e.Action, Text(review),
				e.ObjectType, Text(e.ObjectID), e.Detail, Text(e.Hash)); err != nil {
				return n, err
			}
			n++
		}
		if len(events) < f.Limit {
			break
		}
		f.Offset += f.Limit
	}
	if err := t.Flush(); err != nil {
		return n, err
	}
	logins, err := NewTable(x, "登录记录", []float64{20, 16, 18, 8})
	if err != nil {
		return n, err
	}
	if err := logins.Header("时间", "用户名", "地址", "结果"); err != nil {
		return n, err
	}
	attempts, err := src.LoginAttempts(ctx, since, MaxAuditExportRows)
	if err != nil {
		return n, err
	}
	for _, a := range attempts {
		result := "失败"
		if a.Success {
			result = "成功"
		}
		if err := logins.Row(at(a.At), Text(a.Username), Text(a.IP), result); err != nil {
			return n, err
		}
	}
	if err := logins.Flush(); err != nil {
		return n, err
	}
	return n, x.Write(w)
}

func at(t time.Time) string { return t.In(calendar.Location()).Format("2006-01-02 15:04:05") }
