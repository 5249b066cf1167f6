package review

import (
	"context"
	"strconv"
	"time"
	"unicode/utf8"

	"finreview/internal/calendar"
	"finreview/internal/store"
)

// DefaultRetentionYears is the retention period of an archived review's
// papers unless the section says otherwise.
const DefaultRetentionYears = 30

// ArchiveView is a review's archive entry (归档信息).
type ArchiveView struct {
	Number          string
	PaperReceivedOn time.Time
	ReceivedBy      string
	RetentionYears  int
	// RetainUntil is the last day of the retention period.
	RetainUntil time.Time
	ArchivedAt  time.Time
}

func archiveView(a store.ArchiveRecord) *ArchiveView {
	return &ArchiveView{Number: a.ArchiveNumber, PaperReceivedOn: a.PaperReceivedOn, ReceivedBy: a.ReceivedBy,
		RetentionYears: a.RetentionYears, RetainUntil: a.PaperReceivedOn.AddDate(a.RetentionYears, 0, -1), ArchivedAt: a.CreatedAt}
}

// archiveRecord reads the archive trigger's parameters: archive_number,
// paper_received_on (YYYY-MM-DD, not in the future), received_by and
// retention_years (default 30).
func (x *tx) archiveRecord(ctx context.Context) (store.ArchiveRecord, error) {
	num := x.param("archive_number")
	if num == "" {
		return store.ArchiveRecord{}, fieldErr("archive_number", "请填写档案号")
	}
	if utf8.RuneCountInString(num) > 64 {
		return store.ArchiveRecord{}, fieldErr("archive_number", "档案号最多 64 个字符")
	}
	if x.param("paper_received_on") == "" {
		return store.ArchiveRecord{}, fieldErr("paper_received_on", "请填写纸质资料接收日期")
	}
	on, err := x.date("paper_received_on", true)
	if err != nil {
		return store.ArchiveRecord{}, err
	}
	if on.Time.After(x.s.now()) {
		return store.ArchiveRecord{}, fieldErr("paper_received_on", "纸质资料接收日期不能晚于今天")
	}
	by := x.param("received_by")
	if by == "" {
		return store.ArchiveRecord{}, fieldErr("received_by", "请填写纸质资料接收人")
	}
	if utf8.RuneCountInString(by) > 64 {
		return store.ArchiveRecord{}, fieldErr("received_by", "接收人最多 64 个字")
	}
	years := DefaultRetentionYears
	if v := x.param("retention_years"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return store.ArchiveRecord{}, fieldErr("retention_years", "保管期限须为 1 至 100 年")
		}
		years = n
	}
	used, err := x.q.ArchiveNumberUsed(ctx, num)
	if err != nil {
		return store.ArchiveRecord{}, err
	}
	if used {
		return store.ArchiveRecord{}, fieldErr("archive_number", "档案号已被使用: %s", num)
	}
	return store.ArchiveRecord{ReviewID: x.r.ID, ArchiveNumber: num, PaperReceivedOn: on.Time, ReceivedBy: by,
		RetentionYears: years, CreatedBy: x.p.UserID, CreatedAt: x.s.now()}, nil
}

// SuspensionView is one suspension on the timeline: the working days
// expected when it began against those it actually lasted.
type SuspensionView struct {
	Reason           string
	Started          time.Time
	Ended            *time.Time // nil while it lasts
	ExpectedWorkdays int
	// ActualWorkdays are the working days from the day it began (not
	// counted) through the day it ended, or today while it lasts.
	ActualWorkdays int
	// Overrun is ActualWorkdays - ExpectedWorkdays when positive.
	Overrun int
}

func suspensionViews(cal *calendar.Calendar, rows []store.Suspension, now time.Time) []SuspensionView {
	out := make([]SuspensionView, 0, len(rows))
	for _, s := range rows {
		end := now
		v := SuspensionView{Reason: s.Reason, Started: s.StartedAt, ExpectedWorkdays: s.ExpectedWorkdays}
		if s.EndedAt.Valid {
			t := s.EndedAt.Time
			v.Ended, end = &t, t
		}
		v.ActualWorkdays = max(0, cal.WorkdaysBetween(calendar.DateOf(s.StartedAt), calendar.DateOf(end)))
		v.Overrun = max(0, v.ActualWorkdays-v.ExpectedWorkdays)
		out = append(out, v)
	}
	return out
}
