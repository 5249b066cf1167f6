package report

import (
	"context"
	"io"
	"strconv"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/store"
	"finreview/internal/xlsx"
)

// MaxAuditExportRows bounds each sheet of an audit export.
const MaxAuditExportRows = 100000

// AuditSource is what an audit export reads.
type AuditSource interface {
	EachAuditEventOf(ctx context.Context, sc store.Scope, f store.AuditEventsFilter, limit int, fn func(store.AuditEvent) error) error
	LoginAttempts(ctx context.Context, since time.Time, limit int) ([]store.LoginAttempt, error)
}

// WriteAuditWorkbook writes the security auditor's export: the audit trail
// the scope and filter select (newest first, with each event's chain
// hashes), and the sign-in history since the given time, one sheet each.
// label names an action in Chinese. It returns the number of events. The
// workbook goes to w as it is written (on an error, w has part of it).
func WriteAuditWorkbook(ctx context.Context, src AuditSource, sc store.Scope, f store.AuditEventsFilter, since time.Time,
	label func(string) string, w io.Writer) (int, error) {
	book := xlsx.To(w)
	t := book.Sheet("审计日志", 8, 20, 16, 14, 18, 10, 12, 16, 60, 66)
	t.Header("编号", "时间", "操作人", "操作", "操作代码", "评审编号", "对象类型", "对象", "详情", "哈希")
	n := 0
	err := src.EachAuditEventOf(ctx, sc, f, MaxAuditExportRows, func(e store.AuditEvent) error {
		review := ""
		if e.ReviewID != 0 {
			review = strconv.FormatInt(e.ReviewID, 10)
		}
		t.Row(xlsx.Text(strconv.FormatInt(e.ID, 10)), at(e.At), e.ActorName, label(e.Action), e.Action, xlsx.Text(review),
			e.ObjectType, xlsx.Text(e.ObjectID), e.Detail, xlsx.Text(e.Hash))
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	logins := book.Sheet("登录记录", 20, 16, 18, 8)
	logins.Header("时间", "用户名", "地址", "结果")
	attempts, err := src.LoginAttempts(ctx, since, MaxAuditExportRows)
	if err != nil {
		return n, err
	}
	for _, a := range attempts {
		result := "失败"
		if a.Success {
			result = "成功"
		}
		logins.Row(at(a.At), xlsx.Text(a.Username), xlsx.Text(a.IP), result)
	}
	return n, book.Close()
}

func at(t time.Time) string { return t.In(calendar.Location()).Format("2006-01-02 15:04:05") }
