package deadline

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/store"
)

// Move is the re-computation of one pending deadline under new holiday data.
type Move struct {
	DeadlineID int64
	ReviewID   int64
	Kind       Kind
	OldDue     time.Time
	NewDue     time.Time
	OldFlagged sql.NullInt64
	NewFlagged sql.NullInt64
}

// Moved reports whether the due time changes (a move may only clear a flag).
func (m Move) Moved() bool { return !m.OldDue.Equal(m.NewDue) }

// String is a one-line Chinese description, for notes and flash messages.
func (m Move) String() string {
	if !m.Moved() {
		return fmt.Sprintf("评审 #%d %s:截止 %s 不变(已有节假日数据)", m.ReviewID, m.Kind.Label(), calendar.DateOf(m.NewDue))
	}
	return fmt.Sprintf("评审 #%d %s:截止 %s → %s", m.ReviewID, m.Kind.Label(), calendar.DateOf(m.OldDue), calendar.DateOf(m.NewDue))
}

// Affected lists, without writing, the pending deadlines that cal would
// change among those crossing the given years (flagged with one, or
// computed over a span touching one): due time or flag.
func Affected(ctx context.Context, q *store.Queries, cal *calendar.Calendar, years ...int) ([]Move, error) {
	moves, _, err := plan(ctx, q, cal, false, years)
	return moves, err
}

func plan(ctx context.Context, q *store.Queries, cal *calendar.Calendar, lock bool, years []int) ([]Move, []store.Deadline, error) {
	seen := map[int64]bool{}
	var moves []Move
	var changed []store.Deadline
	ys := slices.Clone(years)
	slices.Sort(ys)
	for _, year := range slices.Compact(ys) {
		rows, err := q.DeadlinesCrossingYear(ctx, year, lock)
		if err != nil {
			return nil, nil, fmt.Errorf("deadlines crossing %d: %w", year, err)
		}
		for _, d := range rows {
			if seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			nd := d
			if err := compute(cal, &nd, d.StartsAt, d.Count(), d.StartsAt); err != nil {
				return nil, nil, fmt.Errorf("recompute deadline %d: %w", d.ID, err)
			}
			if nd.DueAt.Equal(d.DueAt) && nd.FlaggedYear == d.FlaggedYear {
				continue
			}
			moves = append(moves, Move{DeadlineID: d.ID, ReviewID: d.ReviewID, Kind: Kind(d.Kind), OldDue: d.DueAt,
				NewDue: nd.DueAt, OldFlagged: d.FlaggedYear, NewFlagged: nd.FlaggedYear})
			changed = append(changed, d)
		}
	}
	return moves, changed, nil
}

// Recompute re-computes with cal the pending deadlines crossing year (see
// Affected) after a calendar edit, writes them, records each in its
// review's audit trail with the reason, and returns them. Reminders whose
// new time is still ahead of at are re-armed.
func Recompute(ctx context.Context, q *store.Queries, cal *calendar.Calendar, year int, reason string, actor auth.Principal, at time.Time) ([]Move, error) {
	moves, rows, err := plan(ctx, q, cal, true, []int{year})
	if err != nil {
		return nil, err
	}
	for i, d := range rows {
		old := d
		if err := compute(cal, &d, d.StartsAt, d.Count(), at); err != nil {
			return nil, err
		}
		if err := q.UpdateDeadline(ctx, d); err != nil {
			return nil, fmt.Errorf("update deadline %d: %w", d.ID, err)
		}
		detail := map[string]any{
			"deadline_id": d.ID, "kind": d.Kind, "year": year, "reason": reason,
			"old_due": old.DueAt.Format(time.RFC3339), "new_due": d.DueAt.Format(time.RFC3339),
			"old_flagged_year": nullYear(old.FlaggedYear), "new_flagged_year": nullYear(d.FlaggedYear),
			"calendar_version": d.CalendarVersion,
		}
		if _, err := audit.Append(ctx, q, at, audit.Entry{ActorID: actor.UserID, ActorName: actor.NameOr("系统"),
			Action: "deadline_recompute", ReviewID: d.ReviewID, ObjectType: "deadline", ObjectID: audit.ID(d.ID),
			Detail: detail}); err != nil {
			return nil, err
		}
		moves[i].NewDue = d.DueAt
	}
	return moves, nil
}

func nullYear(n sql.NullInt64) any {
	if !n.Valid {
		return nil
	}
	return n.Int64
}
