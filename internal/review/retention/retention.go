// Package retention lists the archived reviews whose retention period
// (档案保管期限) is over and records a person's confirmation that their
// paper files may be disposed of. Nothing is disposed of or deleted
// automatically: the application only lists and records; audit events and
// document access logs are never deleted at all.
package retention

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/input"
	"finreview/internal/store"
)

// Service lists and confirms disposals.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// NewService builds the service.
func NewService(s *store.Store, now func() time.Time) *Service {
	return &Service{store: s, now: now}
}

// ErrConfirmed means the disposal was confirmed already.
var ErrConfirmed = errors.New("该档案的到期处置已确认过")

// may reports whether p handles archives: the finance section, which
// archives reviews.
func may(p auth.Principal) bool { return p.Role == auth.FinanceSection }

func (s *Service) today() time.Time {
	n := s.now().In(calendar.Location())
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, calendar.Location())
}

// Due lists the archives in p's scope due for disposal, confirmed or not.
func (s *Service) Due(ctx context.Context, p auth.Principal) ([]store.ArchiveDue, error) {
	if !may(p) {
		return nil, auth.ErrForbidden
	}
	return s.store.ArchivesDue(ctx, p.Scope(), s.today(), 0)
}

// Confirm records that p, a person, confirmed the disposal of a review's
// archive, with a note (the appraisal that approved it), in the audit trail.
func (s *Service) Confirm(ctx context.Context, p auth.Principal, reviewID int64, note string) error {
	if !may(p) {
		return auth.ErrForbidden
	}
	if note == "" {
		return &input.FieldError{Name: "note", Msg: "请填写处置依据(如档案鉴定意见)"}
	}
	if utf8.RuneCountInString(note) > 255 {
		return &input.FieldError{Name: "note", Msg: "处置依据最多 255 个字"}
	}
	now := s.now()
	return s.store.InTx(ctx, func(q *store.Queries) error {
		due, err := q.ArchivesDue(ctx, p.Scope(), s.today(), reviewID)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return store.ErrNotFound
		}
		if due[0].ConfirmedAt.Valid {
			return &input.FieldError{Name: "note", Msg: ErrConfirmed.Error()}
		}
		if err := q.InsertArchiveDisposal(ctx, reviewID, p.UserID, p.Name, note, now); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return &input.FieldError{Name: "note", Msg: ErrConfirmed.Error()}
			}
			return err
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "archive_disposal_confirmed",
			ReviewID: reviewID, ObjectType: "archive", ObjectID: due[0].ArchiveNumber,
			Detail: map[string]any{"note": note, "retention_years": due[0].RetentionYears,
				"due_on": due[0].DueOn.Format(time.DateOnly)}})
		if err != nil {
			return fmt.Errorf("audit disposal: %w", err)
		}
		return nil
	})
}
