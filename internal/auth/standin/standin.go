// Package standin lets a user who will be away name a colleague to stand
// in for them (临时委托代办) for a period that ends by itself. The
// colleague has the same role in the same organization, so sees and may do
// the same work already; while the period runs, every message addressed to
// the user reaches the colleague too, marked with whom it was meant for.
package standin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/input"
	"finreview/internal/store"
)

// MaxDays is the longest a stand-in may run.
const MaxDays = 90

// FieldError is invalid input, naming the field.
type FieldError = input.FieldError

// Service records, lists and ends stand-ins.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// NewService returns a Service.
func NewService(s *store.Store, now func() time.Time) *Service {
	return &Service{store: s, now: now}
}

// Input is a new stand-in.
type Input struct {
	ColleagueID int64
	StartsOn    string // YYYY-MM-DD
	EndsOn      string
	Reason      string
}

// Colleagues lists who may stand in for p: active users of p's role,
// organization and jurisdiction, p excepted.
func (s *Service) Colleagues(ctx context.Context, p auth.Principal) ([]store.User, error) {
	users, err := s.store.UsersByRole(ctx, string(p.Role), p.OrgID)
	if err != nil {
		return nil, err
	}
	out := users[:0]
	for _, u := range users {
		if u.ID != p.UserID && u.JurisdictionID == p.JurisdictionID {
			out = append(out, u)
		}
	}
	return out, nil
}

// Add names a colleague to stand in for p over a period.
func (s *Service) Add(ctx context.Context, p auth.Principal, in Input) (store.StandIn, error) {
	if p.UserID == 0 || p.Role == auth.System {
		return store.StandIn{}, auth.ErrForbidden
	}
	// Every field is checked before answering, so that the form flags
	// all its refused fields at once.
	var colleagueErr, startsErr, endsErr, reasonErr error
	var c store.User
	switch {
	case in.ColleagueID == 0:
		colleagueErr = &FieldError{Name: "colleague_id", Msg: "请选择代办的同事"}
	case in.ColleagueID == p.UserID:
		colleagueErr = &FieldError{Name: "colleague_id", Msg: "不能委托给本人"}
	default:
		var err error
		c, err = s.store.User(ctx, in.ColleagueID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			colleagueErr = &FieldError{Name: "colleague_id", Msg: "同事不存在"}
		case err != nil:
			return store.StandIn{}, err
		case !c.Active || auth.Role(c.Role) != p.Role || c.OrgID != p.OrgID || c.JurisdictionID != p.JurisdictionID:
			colleagueErr = &FieldError{Name: "colleague_id", Msg: "只能委托给本单位同一岗位的在用同事"}
		}
	}
	now := s.now()
	starts, err := calendar.ParseDate(strings.TrimSpace(in.StartsOn))
	switch {
	case err != nil:
		startsErr = &FieldError{Name: "starts_on", Msg: "开始日期应为 YYYY-MM-DD 格式的真实日期"}
	case starts.Compare(calendar.DateOf(now)) < 0:
		startsErr = &FieldError{Name: "starts_on", Msg: "开始日期不能早于今天"}
	}
	ends, err := calendar.ParseDate(strings.TrimSpace(in.EndsOn))
	switch {
	case err != nil:
		endsErr = &FieldError{Name: "ends_on", Msg: "结束日期应为 YYYY-MM-DD 格式的真实日期"}
	case startsErr != nil:
	case ends.Compare(starts) < 0:
		endsErr = &FieldError{Name: "ends_on", Msg: "结束日期不能早于开始日期"}
	case ends.Compare(starts.AddDays(MaxDays-1)) > 0:
		endsErr = &FieldError{Name: "ends_on", Msg: fmt.Sprintf("委托期限最长 %d 天", MaxDays)}
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 || !utf8.ValidString(reason) {
		reasonErr = &FieldError{Name: "reason", Msg: "请填写事由(最多 200 字)"}
	}
	if err := errors.Join(colleagueErr, startsErr, endsErr, reasonErr); err != nil {
		return store.StandIn{}, err
	}
	si := store.StandIn{UserID: p.UserID, StandInID: c.ID, StartsOn: starts.String(), EndsOn: ends.String(), Reason: reason,
		CreatedAt: now, UserName: p.Name, StandInName: c.DisplayName}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		if si.ID, err = q.InsertStandIn(ctx, si); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "add_stand_in",
			ObjectType: "stand_in", ObjectID: audit.ID(si.ID),
			Detail: map[string]any{"stand_in_id": c.ID, "stand_in": c.DisplayName, "starts_on": si.StartsOn, "ends_on": si.EndsOn, "reason": reason}})
		return err
	})
	return si, err
}

// List returns the stand-ins p named or was named in, newest first.
func (s *Service) List(ctx context.Context, p auth.Principal) ([]store.StandIn, error) {
	return s.store.StandInsOf(ctx, p.UserID)
}

// Revoke ends a stand-in before its end date; the user who named it or the
// colleague named may. Another user is told it does not exist.
func (s *Service) Revoke(ctx context.Context, p auth.Principal, id int64) error {
	si, err := s.store.StandIn(ctx, id)
	if err != nil {
		return err
	}
	if si.UserID != p.UserID && si.StandInID != p.UserID {
		return store.ErrNotFound
	}
	now := s.now()
	return s.store.InTx(ctx, func(q *store.Queries) error {
		if err := q.RevokeStandIn(ctx, id, p.UserID, now); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "revoke_stand_in",
			ObjectType: "stand_in", ObjectID: audit.ID(id),
			Detail: map[string]any{"user_id": si.UserID, "stand_in_id": si.StandInID}})
		return err
	})
}

// State is where a stand-in stands on a given day.
type State string

// The states of a stand-in.
const (
	Upcoming State = "upcoming" // named, its first day still ahead
	Running  State = "running"  // in force today
	Ended    State = "ended"    // past its end date: it ended by itself
	Revoked  State = "revoked"  // ended early by one of the two
)

// StateOf tells where si stands on the day of now (Asia/Shanghai).
func StateOf(si store.StandIn, now time.Time) State {
	today := calendar.DateOf(now).String()
	switch {
	case si.RevokedAt.Valid:
		return Revoked
	case today < si.StartsOn:
		return Upcoming
	case today > si.EndsOn:
		return Ended
	}
	return Running
}
