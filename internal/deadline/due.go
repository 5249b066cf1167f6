package deadline

import (
	"context"
	"fmt"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/store"
)

// CSS classes of a deadline in lists (UI.md: 临期 orange, 逾期 red, 暂停 grey).
const (
	ClassSoon    = "soon"
	ClassOverdue = "overdue"
	ClassPaused  = "paused"
)

// FormatDue describes a due time at now: "2026-11-30(剩余3个工作日)", with
// class "soon" when at most 2 working days are left, or "逾期2个工作日"
// with class "overdue" once it has passed.
func FormatDue(cal *calendar.Calendar, due, now time.Time) (text, class string) {
	left := cal.Remaining(now, due)
	if left < 0 {
		return fmt.Sprintf("逾期%d个工作日", -left), ClassOverdue
	}
	text = fmt.Sprintf("%s(剩余%d个工作日)", calendar.DateOf(due), left)
	if left <= 2 {
		class = ClassSoon
	}
	return text, class
}

// Due is a review's running deadline described for lists: the text and
// its CSS class; both empty when the review waits on no deadline.
type Due struct {
	Text, Class string
}

// Dues describes the running deadline of each review of ids (a page of a
// list), reading their deadlines in one query. Each is its earliest
// pending deadline; else a paused one ("暂停计时(剩余N个工作日)", class
// "paused"); else a passed report or intake deadline the review still
// waits on (overdue); a deadline parked because its firing kept failing
// says so. A review that waits on no deadline is not in the map.
func Dues(ctx context.Context, q *store.Queries, ids []int64, now time.Time) (map[int64]Due, error) {
	sets, err := q.DeadlinesOfReviews(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Due, len(sets))
	var cal *calendar.Calendar
	for id, set := range sets {
		d, text := running(set)
		switch {
		case text.Text != "":
			out[id] = text
		case d != nil:
			if cal == nil {
				if cal, err = LoadCalendar(ctx, q); err != nil {
					return nil, err
				}
			}
			var v Due
			v.Text, v.Class = FormatDue(cal, d.DueAt, now)
			out[id] = v
		}
	}
	return out, nil
}

// running picks what a list shows of a review's deadlines: the deadline
// whose due time it shows (FormatDue), or a text of its own; neither when
// the review waits on no deadline.
func running(set store.ReviewDeadlines) (*store.Deadline, Due) {
	var pending, paused, fired, failed *store.Deadline
	for i := range set.Deadlines {
		d := &set.Deadlines[i]
		switch d.State {
		case store.DeadlinePending:
			if pending == nil || d.DueAt.Before(pending.DueAt) {
				pending = d
			}
		case store.DeadlinePaused:
			if paused == nil {
				paused = d
			}
		case store.DeadlineFailed:
			failed = d
		case store.DeadlineFired:
			if Kind(d.Kind) != KindOpinion {
				fired = d // the latest, rows being in id order
			}
		}
	}
	switch {
	case pending != nil:
		return pending, Due{}
	case failed != nil:
		if !Kind(failed.Kind).Matches(set.State) {
			return nil, Due{}
		}
		return nil, Due{Text: fmt.Sprintf("%s期限到期处理失败,已暂停自动处理,请联系系统管理员", Kind(failed.Kind).Label()), Class: ClassOverdue}
	case paused != nil:
		return nil, Due{Text: fmt.Sprintf("暂停计时(剩余%d个工作日)", paused.Count()), Class: ClassPaused}
	case fired != nil:
		if set.Suspended || !Kind(fired.Kind).Matches(set.State) {
			return nil, Due{}
		}
		return fired, Due{}
	}
	return nil, Due{}
}

// OverdueRow is a passed deadline the review still waits on.
type OverdueRow struct {
	store.PastDueDeadline
	Kind Kind
	// DaysOverdue counts the working days after the due day through today
	// (at least 1).
	DaysOverdue int
	// Responsible names the party that has to act.
	Responsible string
}

// Overdue lists, within scope, the deadlines passed at now that their
// reviews still wait on (not suspended, still in the deadline's state),
// most overdue first.
func Overdue(ctx context.Context, s *store.Store, scope store.Scope, now time.Time) ([]OverdueRow, error) {
	cal, err := LoadCalendar(ctx, &s.Queries)
	if err != nil {
		return nil, err
	}
	rows, err := s.PastDueDeadlines(ctx, scope, now)
	if err != nil {
		return nil, fmt.Errorf("list overdue deadlines: %w", err)
	}
	out := make([]OverdueRow, 0, len(rows))
	for _, r := range rows {
		k := Kind(r.Kind)
		if !k.Matches(r.ReviewState) {
			continue
		}
		row := OverdueRow{PastDueDeadline: r, Kind: k, DaysOverdue: max(1, -cal.Remaining(now, r.DueAt))}
		switch k {
		case KindOpinion:
			row.Responsible = r.UnitName
		case KindReport:
			row.Responsible = r.FirmName
		case KindIntake:
			row.Responsible = "评审中心"
		}
		out = append(out, row)
	}
	return out, nil
}

// MissingYearBanner warns administrators when the current or the next
// year has no holiday data; empty when both have data.
func MissingYearBanner(cal *calendar.Calendar, now time.Time) string {
	y := calendar.DateOf(now).Y
	var missing []int
	for _, year := range []int{y, y + 1} {
		if !cal.HasYear(year) {
			missing = append(missing, year)
		}
	}
	switch len(missing) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%d 年尚无节假日数据,该年的期限暂按周一至周五计算;请在「工作日历」中录入或导入该年数据。", missing[0])
	}
	return fmt.Sprintf("%d 年、%d 年尚无节假日数据,这些年份的期限暂按周一至周五计算;请在「工作日历」中录入或导入。", missing[0], missing[1])
}
