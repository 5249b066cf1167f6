package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"finreview/internal/audit"
	"finreview/internal/input"
	"finreview/internal/store"
)

// Policy is the security policy the security administrator sets: password
// rules, lock-out, and session lifetimes.
type Policy = store.SecurityPolicy

// DefaultPolicy is the policy of a new installation (the migration's
// defaults): lock-out after 5 failures for 30 minutes, sessions idle out
// after 30 minutes and end after 12 hours.
func DefaultPolicy() Policy {
	return Policy{MinLength: 8, HistoryCount: 5, ExpiryDays: 90, MaxFailures: MaxUserFailures,
		LockMinutes: int(LockDuration / time.Minute), IdleMinutes: 30, AbsoluteHours: 12}
}

// ValidatePolicy checks the policy's values are within sensible bounds,
// reporting every value out of bounds at once.
func ValidatePolicy(p Policy) error {
	var errs []error
	for _, f := range []struct {
		name     string
		v        int
		min, max int
		label    string
	}{
		{"min_length", p.MinLength, 8, 64, "密码最小长度"},
		{"history_count", p.HistoryCount, 0, 24, "不得重复使用的历史密码个数"},
		{"expiry_days", p.ExpiryDays, 0, 365, "密码有效期(天)"},
		{"max_failures", p.MaxFailures, 3, 10, "锁定前允许的失败次数"},
		{"lock_minutes", p.LockMinutes, 10, 1440, "锁定时长(分钟)"},
		{"idle_minutes", p.IdleMinutes, 5, 240, "会话空闲超时(分钟)"},
		{"absolute_hours", p.AbsoluteHours, 1, 24, "会话最长有效期(小时)"},
	} {
		if f.v < f.min || f.v > f.max {
			errs = append(errs, &input.FieldError{Name: f.name, Msg: fmt.Sprintf("%s须在 %d–%d 之间", f.label, f.min, f.max)})
		}
	}
	return errors.Join(errs...)
}

// CheckPassword applies the policy's rules to a new password: its length,
// three of the four character classes, and not containing the user name.
func CheckPassword(p Policy, username, pw string) error {
	if n := len([]rune(pw)); n < p.MinLength {
		return &input.FieldError{Name: "password", Msg: fmt.Sprintf("密码至少 %d 位", p.MinLength)}
	}
	if len(pw) > 72 {
		return &input.FieldError{Name: "password", Msg: "密码不能超过 72 个字节"}
	}
	var upper, lower, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, other} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return &input.FieldError{Name: "password", Msg: "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类"}
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		return &input.FieldError{Name: "password", Msg: "密码不能包含用户名"}
	}
	return nil
}

// Policy loads the current security policy from the database; the checks
// of every request read it through cachedPolicy.
func (s *Service) Policy(ctx context.Context) (Policy, error) {
	p, err := s.store.SecurityPolicy(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultPolicy(), nil
	}
	return p, err
}

// SetPolicy replaces the security policy; only the security administrator
// may, and the change is audited with the values before and after.
func (s *Service) SetPolicy(ctx context.Context, p Principal, next Policy) error {
	if !p.Can(ManagePolicy) {
		return ErrForbidden
	}
	if err := ValidatePolicy(next); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		before, err := q.SecurityPolicy(ctx)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := s.now()
		if err := q.SaveSecurityPolicy(ctx, next, p.UserID, now); err != nil {
			return err
		}
		before.UpdatedAt, next.UpdatedAt = time.Time{}, time.Time{}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "set_security_policy",
			ObjectType: "security_policy", ObjectID: "1", Detail: map[string]any{"before": before, "after": next}})
		return err
	})
	if err != nil {
		return err
	}
	s.policy.Forget(struct{}{})
	return nil
}

// PasswordExpired reports whether the user's password is older than the
// policy allows (never, when the policy sets no expiry).
func PasswordExpired(p Policy, u store.User, now time.Time) bool {
	if p.ExpiryDays <= 0 {
		return false
	}
	set := u.PasswordChangedAt
	if set.IsZero() {
		set = u.CreatedAt
	}
	return now.Sub(set) > time.Duration(p.ExpiryDays)*24*time.Hour
}

// MustChangePassword reports whether the user must set a new password
// before doing anything else: a new or reset account, or an expired
// password.
func (s *Service) MustChangePassword(ctx context.Context, u store.User) (bool, error) {
	if u.MustChangePassword {
		return true, nil
	}
	p, err := s.cachedPolicy(ctx)
	if err != nil {
		return false, err
	}
	return PasswordExpired(p, u, s.now()), nil
}

// ErrMustChangePassword refuses every API call of a user who must set a
// new password first (a new or reset account, or an expired password),
// except the password change itself.
var ErrMustChangePassword = &RefusedError{Status: 403, Reason: "password_change_required",
	Msg: "须先修改密码:请以 PUT /api/v1/me/password 设置新密码后再使用其他接口"}

// CheckAPIAccess refuses a bearer of a user who must change their
// password. The policy is read at most once per TokenTrust, like the
// token itself, so that an API call costs no extra round trip
// (cachedPolicy).
func (s *Service) CheckAPIAccess(ctx context.Context, u store.User) error {
	if u.MustChangePassword {
		return ErrMustChangePassword
	}
	p, err := s.cachedPolicy(ctx)
	if err != nil {
		return err
	}
	if PasswordExpired(p, u, s.now()) {
		return ErrMustChangePassword
	}
	return nil
}

// cachedPolicy is the security policy as this instance read it less than
// TokenTrust ago: what every session, page and API call checks against.
// SetPolicy on this instance takes effect here at once (it forgets the
// policy); a change made on another instance, within TokenTrust.
func (s *Service) cachedPolicy(ctx context.Context) (Policy, error) {
	return s.policy.Load(struct{}{}, s.now(), func() (Policy, error) { return s.Policy(ctx) })
}

// ErrWrongPassword refuses a password change whose current password is wrong.
var ErrWrongPassword = &input.FieldError{Name: "current", Msg: "当前密码不正确"}

// ChangePassword sets a user's own new password after checking the current
// one, the policy and the last HistoryCount passwords; it ends the user's
// other sessions (keep is the session to keep, "" for none) and is audited.
// A wrong current password and a new one the policy refuses are reported
// together.
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, next, keep string) error {
	u, err := s.checkChange(ctx, userID, current, next)
	if err != nil {
		return err
	}
	return s.savePassword(ctx, Principal{UserID: u.ID, Name: u.DisplayName}, u, next, false, keep, "password_change")
}

// CheckPasswordChange answers what ChangePassword would refuse, changing
// nothing: for a form refused on a field of its own (the new password
// typed twice differently), which still shows every other refusal.
func (s *Service) CheckPasswordChange(ctx context.Context, userID int64, current, next string) error {
	_, err := s.checkChange(ctx, userID, current, next)
	return err
}

func (s *Service) checkChange(ctx context.Context, userID int64, current, next string) (store.User, error) {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return u, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		// The new password meets the policy's rules only: without the
		// current password, the history is no one's to probe.
		p, err := s.Policy(ctx)
		if err != nil {
			return u, err
		}
		return u, errors.Join(ErrWrongPassword, CheckPassword(p, u.Username, next))
	}
	if current == next {
		return u, &input.FieldError{Name: "password", Msg: "新密码不能与当前密码相同"}
	}
	return u, s.checkNewPassword(ctx, u, next)
}

// ResetPassword sets another user's password (an operator's reset): the
// user must change it at the next sign-in. It is audited.
func (s *Service) ResetPassword(ctx context.Context, by Principal, username, next string) error {
	u, err := s.store.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, by, u, next, true, "", "password_reset")
}

func (s *Service) setPassword(ctx context.Context, by Principal, u store.User, next string, mustChange bool, keep, action string) error {
	if err := s.checkNewPassword(ctx, u, next); err != nil {
		return err
	}
	return s.savePassword(ctx, by, u, next, mustChange, keep, action)
}

// checkNewPassword applies the policy's rules and its history to u's new
// password.
func (s *Service) checkNewPassword(ctx context.Context, u store.User, next string) error {
	p, err := s.Policy(ctx)
	if err != nil {
		return err
	}
	if err := CheckPassword(p, u.Username, next); err != nil {
		return err
	}
	old, err := s.store.PasswordHistory(ctx, u.ID, max(p.HistoryCount-1, 0))
	if err != nil {
		return err
	}
	if p.HistoryCount > 0 {
		old = append([]string{u.PasswordHash}, old...)
	}
	for _, h := range old {
		if bcrypt.CompareHashAndPassword([]byte(h), []byte(next)) == nil {
			return &input.FieldError{Name: "password", Msg: fmt.Sprintf("新密码不能与最近 %d 次使用过的密码相同", p.HistoryCount)}
		}
	}
	return nil
}

// savePassword stores u's new password, ends u's other sessions and
// audits the change.
func (s *Service) savePassword(ctx context.Context, by Principal, u store.User, next string, mustChange bool, keep, action string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(next), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		now := s.now()
		if err := q.SetPassword(ctx, u.ID, string(hash), mustChange, now); err != nil {
			return err
		}
		if err := q.DeleteUserSessions(ctx, u.ID, keep); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, now, audit.Entry{ActorID: by.UserID, ActorName: by.Name, Action: action,
			ObjectType: "user", ObjectID: u.Username, Detail: map[string]any{"id": u.ID, "must_change": mustChange}})
		return err
	})
	if err != nil {
		return err
	}
	s.ForgetUser(u.ID)
	return nil
}

// Tokens lists the user's own live API tokens.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]store.APIToken, error) {
	return s.store.APITokens(ctx, userID, s.now())
}

// RevokeToken ends one of the user's own tokens at once (on every
// instance within TokenTrust), audited; another user's token is not found.
func (s *Service) RevokeToken(ctx context.Context, p Principal, id int64) error {
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		if err := q.DeleteAPIToken(ctx, p.UserID, id); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "revoke_token",
			ObjectType: "user", ObjectID: p.Username, Detail: map[string]any{"token_id": id}})
		return err
	})
	if err != nil {
		return err
	}
	s.ForgetUser(p.UserID)
	return nil
}
