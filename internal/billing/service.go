// Package billing keeps versioned fee schedules and the fee statements of
// concluded reviews, computed by the pure package fee.
//
// Schedules are data: an administrator adds a new version (a schedule that
// priced a statement is never edited), and a review is priced with the
// schedule in force on the day it was delegated. A statement stores its
// inputs and the schedule version, so recomputing it always gives the
// stored figures.
package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/fee"
	"finreview/internal/input"
	"finreview/internal/store"
)

// Service manages fee schedules and statements.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// NewService builds the billing service; now is the clock (time.Now when nil).
func NewService(s *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now}
}

// Schedule is one stored schedule version with its parsed content. Fee's
// Version and Example are those of the stored row.
type Schedule struct {
	ID        int64
	Version   int
	Used      bool
	Example   bool
	CreatedBy int64
	CreatedAt time.Time
	Body      string // the schedule's JSON, indented
	Fee       fee.Schedule
}

// Error is a refusal of the billing service with an HTTP status, a stable
// code and a Chinese message.
type Error = auth.RefusedError

// maxNameRunes is the length of fee_schedules.name.
const maxNameRunes = 200

var shanghai = calendar.Location()

// schedule turns a stored row into a Schedule, parsing its body.
func schedule(row store.FeeSchedule) (Schedule, error) {
	fs, err := fee.ParseSchedule([]byte(row.Body))
	if err != nil {
		return Schedule{}, fmt.Errorf("stored fee schedule %d (version %d): %w", row.ID, row.Version, err)
	}
	fs.Version = row.Version
	fs.Example = row.IsExample
	return Schedule{ID: row.ID, Version: row.Version, Used: row.Used, Example: row.IsExample,
		CreatedBy: row.CreatedBy, CreatedAt: row.CreatedAt, Body: row.Body, Fee: fs}, nil
}

// body is the JSON stored for a schedule: its canonical form, indented.
func body(fs fee.Schedule) (string, error) {
	b, err := json.MarshalIndent(fs, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode fee schedule: %w", err)
	}
	return string(b), nil
}

func effectiveDate(fs fee.Schedule) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, fs.EffectiveFrom, shanghai)
	if err != nil {
		return time.Time{}, &input.FieldError{Name: "effective_from", Msg: "生效日期须为 YYYY-MM-DD 格式的有效日期"}
	}
	return d, nil
}

// CheckSchedule answers what CreateSchedule refuses in a schedule (every
// refused field, each an *input.FieldError), saving nothing; else the
// schedule.
func CheckSchedule(data []byte) (fee.Schedule, error) {
	fs, _, _, err := parseNew(data)
	return fs, err
}

// parseNew validates a schedule submitted by an administrator.
func parseNew(data []byte) (fee.Schedule, time.Time, string, error) {
	fs, err := fee.ParseSchedule(data)
	if err != nil {
		return fee.Schedule{}, time.Time{}, "", fieldError(err)
	}
	if utf8.RuneCountInString(fs.Name) > maxNameRunes {
		return fee.Schedule{}, time.Time{}, "", &input.FieldError{Name: "name", Msg: fmt.Sprintf("名称最多 %d 个字", maxNameRunes)}
	}
	from, err := effectiveDate(fs)
	if err != nil {
		return fee.Schedule{}, time.Time{}, "", err
	}
	fs.Example = false
	fs.Version = 0
	b, err := body(fs)
	if err != nil {
		return fee.Schedule{}, time.Time{}, "", err
	}
	return fs, from, b, nil
}

// EnsureExample stores the built-in example schedule as the first version,
// flagged as an example, when no schedule is stored yet. It reports whether
// it inserted one. Safe to run from several instances at once.
func (s *Service) EnsureExample(ctx context.Context) (bool, error) {
	inserted := false
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		var err error
		inserted, err = s.ensureExample(ctx, q)
		return err
	})
	if err != nil {
		// Another instance may have inserted it at the same moment.
		if n, cerr := s.store.CountFeeSchedules(ctx); cerr == nil && n > 0 {
			return false, nil
		}
		return false, fmt.Errorf("store example fee schedule: %w", err)
	}
	return inserted, nil
}

func (s *Service) ensureExample(ctx context.Context, q *store.Queries) (bool, error) {
	n, err := q.CountFeeSchedules(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	ex := fee.Example()
	from, err := effectiveDate(ex)
	if err != nil {
		return false, err
	}
	ex.Version = 0
	b, err := body(ex)
	if err != nil {
		return false, err
	}
	row, err := q.InsertFeeSchedule(ctx, store.FeeSchedule{Name: ex.Name, EffectiveFrom: from, Body: b, IsExample: true, CreatedAt: s.now()})
	if err != nil {
		return false, err
	}
	_, err = audit.Append(ctx, q, s.now(), audit.Entry{ActorName: "系统", Action: "fee_schedule_example",
		ObjectType: "fee_schedule", ObjectID: audit.ID(row.ID),
		Detail: map[string]any{"version": row.Version, "name": row.Name, "effective_from": ex.EffectiveFrom, "example": true}})
	return true, err
}

// noSchedule says that no schedule had taken effect on a date.
func noSchedule(date time.Time) error {
	return &Error{Status: 409, Reason: "no_fee_schedule",
		Msg: fmt.Sprintf("%s 没有生效的费率表,请管理员录入生效日期不晚于该日的费率表", date.In(shanghai).Format(time.DateOnly))}
}

// InForce returns the stored schedule in force on a date (the latest
// effective_from on or before it), without storing anything: store.ErrNotFound
// when none is in force.
func (s *Service) InForce(ctx context.Context, date time.Time) (Schedule, error) {
	row, err := s.store.FeeScheduleInForce(ctx, date.In(shanghai))
	if err != nil {
		return Schedule{}, err
	}
	return schedule(row)
}

// ActiveSchedule returns the schedule in force on a date. On first use, when
// no schedule is stored at all, it stores the built-in example as version 1.
func (s *Service) ActiveSchedule(ctx context.Context, date time.Time) (Schedule, error) {
	sc, err := s.InForce(ctx, date)
	if !errors.Is(err, store.ErrNotFound) {
		return sc, err
	}
	if _, err := s.EnsureExample(ctx); err != nil {
		return Schedule{}, err
	}
	sc, err = s.InForce(ctx, date)
	if errors.Is(err, store.ErrNotFound) {
		return Schedule{}, noSchedule(date)
	}
	return sc, err
}

// inForceTx is ActiveSchedule inside the caller's transaction.
func (s *Service) inForceTx(ctx context.Context, q *store.Queries, date time.Time) (store.FeeSchedule, error) {
	row, err := q.FeeScheduleInForce(ctx, date.In(shanghai))
	if !errors.Is(err, store.ErrNotFound) {
		return row, err
	}
	if _, err := s.ensureExample(ctx, q); err != nil {
		return row, err
	}
	row, err = q.FeeScheduleInForce(ctx, date.In(shanghai))
	if errors.Is(err, store.ErrNotFound) {
		return row, noSchedule(date)
	}
	return row, err
}

// Schedules lists every stored version, newest first.
func (s *Service) Schedules(ctx context.Context) ([]Schedule, error) {
	rows, err := s.store.FeeSchedules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Schedule, 0, len(rows))
	for _, r := range rows {
		sc, err := schedule(r)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// ScheduleByID loads one stored version.
func (s *Service) ScheduleByID(ctx context.Context, id int64) (Schedule, error) {
	row, err := s.store.FeeScheduleByID(ctx, id)
	if err != nil {
		return Schedule{}, err
	}
	return schedule(row)
}

// CreateSchedule validates a schedule in the JSON form of
// data/fee-schedule.example.json (fee.ParseSchedule; errors name the JSON
// path, e.g. "bands[2].up_to") and stores it as the next version. Any
// "version" in the JSON is ignored: versions are numbered by the store.
// Only administrators may create schedules; the change is audited.
func (s *Service) CreateSchedule(ctx context.Context, actor auth.Principal, data []byte) (Schedule, error) {
	if !actor.Can(auth.ManageSchedules) {
		return Schedule{}, auth.ErrForbidden
	}
	fs, from, b, err := parseNew(data)
	if err != nil {
		return Schedule{}, err
	}
	var row store.FeeSchedule
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		now := s.now()
		var err error
		row, err = q.InsertFeeSchedule(ctx, store.FeeSchedule{Name: fs.Name, EffectiveFrom: from, Body: b,
			CreatedBy: actor.UserID, CreatedAt: now})
		if err != nil {
			return fmt.Errorf("insert fee schedule: %w", err)
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: actor.UserID, ActorName: actor.Name, Action: "fee_schedule_create",
			ObjectType: "fee_schedule", ObjectID: audit.ID(row.ID),
			Detail: map[string]any{"version": row.Version, "name": fs.Name, "effective_from": fs.EffectiveFrom, "body": json.RawMessage(b)}})
		return err
	})
	if err != nil {
		return Schedule{}, err
	}
	return schedule(row)
}

// UpdateSchedule rewrites a stored version that has not priced any
// statement yet (for example to fix a typo before it takes effect). A used
// schedule is immutable: the answer is store.ErrScheduleUsed (409) and the
// administrator creates a new version instead. The change is audited.
func (s *Service) UpdateSchedule(ctx context.Context, actor auth.Principal, id int64, data []byte) (Schedule, error) {
	if !actor.Can(auth.ManageSchedules) {
		return Schedule{}, auth.ErrForbidden
	}
	fs, from, b, err := parseNew(data)
	if err != nil {
		return Schedule{}, err
	}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		before, err := q.FeeScheduleByID(ctx, id)
		if err != nil {
			return err
		}
		if before.Used {
			return store.ErrScheduleUsed
		}
		if err := q.UpdateUnusedFeeSchedule(ctx, store.FeeSchedule{ID: id, Name: fs.Name, EffectiveFrom: from, Body: b}); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, s.now(), audit.Entry{ActorID: actor.UserID, ActorName: actor.Name, Action: "fee_schedule_update",
			ObjectType: "fee_schedule", ObjectID: audit.ID(id),
			Detail: map[string]any{"version": before.Version, "before": json.RawMessage(before.Body), "after": json.RawMessage(b)}})
		return err
	})
	if err != nil {
		return Schedule{}, err
	}
	return s.ScheduleByID(ctx, id)
}

// RecordDownload audits a download of a fee statement (reviewID != 0) or
// of the contractor deduction list (reviewID == 0).
func (s *Service) RecordDownload(ctx context.Context, actor auth.Principal, reviewID int64, object, format string) error {
	return audit.Record(ctx, s.store, s.now(), audit.Entry{ActorID: actor.UserID, ActorName: actor.Name, Action: "download",
		ReviewID: reviewID, ObjectType: object, ObjectID: audit.ID(reviewID),
		Detail: map[string]string{"format": format, "role": string(actor.Role)}})
}

// fieldError turns a *fee.FieldError into an *input.FieldError naming its
// field (a JSON path such as "bands[2].up_to"), which the web layer answers
// with 422 and the field; each of several joined ones too; other errors
// pass.
func fieldError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs := j.Unwrap()
		out := make([]error, len(errs))
		for i, e := range errs {
			out[i] = fieldError(e)
		}
		return errors.Join(out...)
	}
	var fe *fee.FieldError
	if err != nil && errors.As(err, &fe) {
		return &input.FieldError{Name: fe.Field, Msg: fe.Msg}
	}
	return err
}
