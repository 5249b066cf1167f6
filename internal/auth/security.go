package auth

import (
	"context"
	"crypto/rand"
	"math/big"
	"strconv"
	"time"

	"finreview/internal/audit"
	"finreview/internal/store"
)

// RefusedError is a request refused for a reason the person can act on
// (a conflict with the state of things, a file too large, a service not
// reachable): it answers with Status, the stable English code Reason and
// the Chinese message Msg. Every service refuses with it.
type RefusedError struct {
	Status int
	Reason string
	Msg    string
}

func (e *RefusedError) Error() string   { return e.Msg }
func (e *RefusedError) Code() string    { return e.Reason }
func (e *RefusedError) HTTPStatus() int { return e.Status }

// Message is the Chinese message.
func (e *RefusedError) Message() string { return e.Msg }

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

// ErrSelfReset refuses a security administrator resetting their own
// password: they change it on the password page like everyone.
var ErrSelfReset = &RefusedError{Status: 409, Reason: "self_reset", Msg: "不能重置本人的密码,请在“修改密码”中修改"}

// ResetToOneTime gives a user a new random password that satisfies the
// policy, to be handed over once: the user must change it at the next
// sign-in, their sessions end, and the reset is audited (never the
// password). Only the security administrator may.
func (s *Service) ResetToOneTime(ctx context.Context, p Principal, userID int64) (string, error) {
	if !p.Can(ResetPasswords) {
		return "", ErrForbidden
	}
	if userID == p.UserID {
		return "", ErrSelfReset
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return "", err
	}
	policy, err := s.Policy(ctx)
	if err != nil {
		return "", err
	}
	for {
		pw, err := oneTimePassword(max(policy.MinLength, 12))
		if err != nil {
			return "", err
		}
		if CheckPassword(policy, u.Username, pw) != nil {
			continue // a random draw that happens to contain the user name
		}
		return pw, s.setPassword(ctx, p, u, pw, true, "", "password_reset")
	}
}

// oneTimePassword draws n characters with at least one upper-case letter,
// one lower-case letter, one digit and one other character; letters that
// are easily misread (I, l, O, 0, 1) are left out.
func oneTimePassword(n int) (string, error) {
	classes := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#%+=@"}
	all := ""
	for _, c := range classes {
		all += c
	}
	pick := func(set string) (byte, error) {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return 0, err
		}
		return set[i.Int64()], nil
	}
	out := make([]byte, n)
	for i := range out {
		set := all
		if i < len(classes) {
			set = classes[i]
		}
		b, err := pick(set)
		if err != nil {
			return "", err
		}
		out[i] = b
	}
	// Shuffle so the classes are not always first.
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}
