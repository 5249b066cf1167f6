package review

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/workflow"
)

// NudgeInterval is the least time between two nudges (催办) of one review.
const NudgeInterval = time.Hour

// NudgeError refuses a nudge that cannot be sent now.
type NudgeError struct{ Msg string }

func (e *NudgeError) Error() string   { return e.Msg }
func (e *NudgeError) HTTPStatus() int { return 409 }
func (e *NudgeError) Code() string    { return "nudge_refused" }

// Nudge (催办) sends the parties whose turn it is a logged reminder from
// the Review Center or the finance section. It returns how many people
// were told. At most one nudge per review in NudgeInterval.
func (s *Service) Nudge(ctx context.Context, p auth.Principal, id int64, message string) (int, error) {
	if p.Role != auth.ReviewCenter && p.Role != auth.FinanceSection {
		return 0, auth.ErrForbidden
	}
	message = strings.TrimSpace(message)
	if len([]rune(message)) > 500 {
		return 0, fieldErr("message", "催办说明不能超过 500 字")
	}
	told := 0
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		r, err := q.LockReview(ctx, id)
		if err != nil {
			return err
		}
		if _, err := q.Review(ctx, p.Scope(), id); err != nil {
			return err
		}
		if r.Suspended || r.State.Terminal() {
			return &NudgeError{Msg: "评审已中止或已结束,无需催办"}
		}
		now := s.now()
		last, err := q.LastAuditAction(ctx, id, "nudge")
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && now.Sub(last) < NudgeInterval {
			return &NudgeError{Msg: fmt.Sprintf("该评审已于 %s 催办过,%d 分钟内不能重复催办",
				last.In(shanghai()).Format("15:04"), int(NudgeInterval.Minutes()))}
		}
		x := &tx{s: s, q: q, p: p, r: r, ch: r.Change(), now: now}
		title := fmt.Sprintf("%s:催办", r.ProjectName)
		body := fmt.Sprintf("%s(%s)催办:评审处于“%s”,请尽快办理。", p.Name, p.Role.Label(), r.State.Label())
		if message != "" {
			body += message
		}
		seen := map[auth.Role]bool{}
		var roles []string
		for _, t := range workflow.New(r.State, workflow.Facts{AppealUsed: r.AppealUsed}).Permitted(ctx) {
			for _, role := range []auth.Role{auth.ConstructionUnit, auth.FinanceSection, auth.ReviewCenter, auth.Intermediary, auth.Contractor} {
				if seen[role] || role == p.Role || !MayFire(role, t) || !IsTask(t) {
					continue
				}
				seen[role] = true
				users, err := x.parties(ctx, role)
				if err != nil {
					return err
				}
				ids := make([]int64, len(users))
				for i, u := range users {
					ids[i] = u.ID
				}
				n := store.Notification{ReviewID: r.ID, Kind: "nudge", Title: title, Body: body, CreatedAt: now}
				if err := q.NotifyUsers(ctx, ids, n); err != nil {
					return fmt.Errorf("notify %s: %w", role, err)
				}
				told += len(users)
				roles = append(roles, string(role))
			}
		}
		if told == 0 {
			return &NudgeError{Msg: "当前环节没有需要催办的办理人"}
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "nudge", ReviewID: r.ID,
			ObjectType: "review", ObjectID: audit.ID(r.ID),
			Detail: map[string]any{"state": r.State, "roles": roles, "message": message, "recipients": told}})
		return err
	})
	if err != nil {
		return 0, err
	}
	return told, nil
}
