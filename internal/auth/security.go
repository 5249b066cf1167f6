package auth

import (
	"context"
	"strconv"
	"time"

	"finreview/internal/audit"
	"finreview/internal/store"
)

// RefusedError is a security administration request refused for a reason
// the person can act on; it answers with Status and Code.
type RefusedError struct {
	Status int
	Reason string
	Msg    string
}

func (e *RefusedError) Error() string   { return e.Msg }
func (e *RefusedError) Code() string    { return e.Reason }
func (e *RefusedError) HTTPStatus() int { return e.Status }

// ErrSelfGrant refuses a security administrator changing their own role.
var ErrSelfGrant = &RefusedError{Status: 409, Reason: "self_grant", Msg: "不能变更本人的角色"}

// GrantRole gives a user a role: only the security administrator may, and
// the change is audited. A role is the user's only one, so granting one of
// the separated roles (三员) takes away any other.
func (s *Service) GrantRole(ctx context.Context, p Principal, userID int64, role Role) error {
	if !p.Can(GrantRoles) {
		return ErrForbidden
	}
	if userID == p.UserID {
		return ErrSelfGrant
	}
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		u, err := q.User(ctx, userID)
		if err != nil {
			return err
		}
		if err := q.SetUserRole(ctx, userID, string(role)); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "grant_role",
			ObjectType: "user", ObjectID: u.Username, Detail: map[string]any{"id": userID, "before": u.Role, "after": string(role)}})
		return err
	})
	if err != nil {
		return err
	}
	s.ForgetUser(userID)
	return nil
}

// Unlock ends an account's lock-out and its count of failures; only the
// security administrator may, and the unlock is audited.
func (s *Service) Unlock(ctx context.Context, p Principal, userID int64) error {
	if !p.Can(UnlockAccounts) {
		return ErrForbidden
	}
	return s.store.InTx(ctx, func(q *store.Queries) error {
		u, err := q.User(ctx, userID)
		if err != nil {
			return err
		}
		if err := q.ClearLoginThrottle(ctx, accountKey(u, u.Username)); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "unlock_account",
			ObjectType: "user", ObjectID: u.Username, Detail: map[string]any{"id": strconv.FormatInt(userID, 10)}})
		return err
	})
}

// LockedAccounts lists the locked account names and when each unlocks.
func (s *Service) LockedAccounts(ctx context.Context, p Principal) (map[string]time.Time, error) {
	if !p.Can(UnlockAccounts) {
		return nil, ErrForbidden
	}
	return s.store.LockedAccounts(ctx, s.now())
}
