package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SetUserRole changes a user's role (a grant by the security administrator).
func (q *Queries) SetUserRole(ctx context.Context, userID int64, role string) error {
	res, err := q.db.ExecContext(ctx, "UPDATE users SET role = ? WHERE id = ?", role, userID)
	return changed(res, err, fmt.Errorf("user %d: %w", userID, ErrNotFound))
}

// LockedAccounts lists the account names locked at now, with when each
// lock ends.
func (q *Queries) LockedAccounts(ctx context.Context, now time.Time) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := queryPairs(ctx, q.db, func(key string, until time.Time) error {
		out[strings.TrimPrefix(key, "account:")] = until
		return nil
	}, "SELECT throttle_key, locked_until FROM login_throttle WHERE throttle_key LIKE 'account:%' AND locked_until > ?", now)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SecurityPolicy is the security administrator's policy: password rules,
// lock-out and session lifetimes (one row, security_policy).
type SecurityPolicy struct {
	MinLength     int
	HistoryCount  int
	ExpiryDays    int
	MaxFailures   int
	LockMinutes   int
	IdleMinutes   int
	AbsoluteHours int
	SingleSession bool
	UpdatedAt     time.Time
}

// SecurityPolicy loads the policy.
func (q *Queries) SecurityPolicy(ctx context.Context) (SecurityPolicy, error) {
	var p SecurityPolicy
	err := q.db.QueryRowContext(ctx, `SELECT min_length, history_count, expiry_days, max_failures, lock_minutes,
		idle_minutes, absolute_hours, single_session, updated_at FROM security_policy WHERE id = 1`).
		Scan(&p.MinLength, &p.HistoryCount, &p.ExpiryDays, &p.MaxFailures, &p.LockMinutes, &p.IdleMinutes,
			&p.AbsoluteHours, &p.SingleSession, &p.UpdatedAt)
	return p, translate(err)
}

// SaveSecurityPolicy replaces the policy.
func (q *Queries) SaveSecurityPolicy(ctx context.Context, p SecurityPolicy, by int64, now time.Time) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO security_policy (id, min_length, history_count, expiry_days, max_failures,
		lock_minutes, idle_minutes, absolute_hours, single_session, updated_at, updated_by) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE min_length = VALUES(min_length), history_count = VALUES(history_count),
		expiry_days = VALUES(expiry_days), max_failures = VALUES(max_failures), lock_minutes = VALUES(lock_minutes),
		idle_minutes = VALUES(idle_minutes), absolute_hours = VALUES(absolute_hours), single_session = VALUES(single_session),
		updated_at = VALUES(updated_at), updated_by = VALUES(updated_by)`,
		p.MinLength, p.HistoryCount, p.ExpiryDays, p.MaxFailures, p.LockMinutes, p.IdleMinutes, p.AbsoluteHours,
		p.SingleSession, now, by)
	return translate(err)
}

// SetPassword stores a user's new password hash, keeps the old one in the
// history, and sets whether a change is forced at the next sign-in.
func (q *Queries) SetPassword(ctx context.Context, userID int64, hash string, mustChange bool, now time.Time) error {
	if _, err := q.db.ExecContext(ctx,
		"INSERT INTO password_history (user_id, password_hash, created_at) SELECT id, password_hash, ? FROM users WHERE id = ?",
		now, userID); err != nil {
		return err
	}
	res, err := q.db.ExecContext(ctx,
		"UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ? WHERE id = ?",
		hash, mustChange, now, userID)
	return changed(res, err, fmt.Errorf("user %d: %w", userID, ErrNotFound))
}

// PasswordHistory returns the user's last n earlier password hashes,
// newest first.
func (q *Queries) PasswordHistory(ctx context.Context, userID int64, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	return queryAll(ctx, q.db, scanValue[string], "SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?", userID, n)
}

// RecordLogin notes a user's successful sign-in.
func (q *Queries) RecordLogin(ctx context.Context, userID int64, ip string, now time.Time) error {
	_, err := q.db.ExecContext(ctx, "UPDATE users SET last_login_at = ?, last_login_ip = ? WHERE id = ?", now, ip, userID)
	return err
}

// DeleteUserSessions ends every session of a user but keep (a session id,
// or "" for all).
func (q *Queries) DeleteUserSessions(ctx context.Context, userID int64, keep string) error {
	_, err := q.db.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", userID, keep)
	return err
}

// APIToken is one of a user's bearer tokens, as its owner sees it: never
// the token itself, only a short prefix of its hash to tell them apart.
type APIToken struct {
	ID        int64
	HashHead  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// APITokens lists a user's live tokens, newest first.
func (q *Queries) APITokens(ctx context.Context, userID int64, now time.Time) ([]APIToken, error) {
	return queryAll(ctx, q.db, func(s scanner) (APIToken, error) {
		var t APIToken
		err := s.Scan(&t.ID, &t.HashHead, &t.CreatedAt, &t.ExpiresAt)
		return t, err
	}, `SELECT id, LEFT(token_hash, 8), created_at, expires_at FROM api_tokens
		WHERE user_id = ? AND expires_at > ? ORDER BY id DESC`, userID, now)
}

// DeleteAPIToken revokes one of a user's tokens; another user's token is
// ErrNotFound.
func (q *Queries) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	res, err := q.db.ExecContext(ctx, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", id, userID)
	return changed(res, err, fmt.Errorf("api token %d: %w", id, ErrNotFound))
}

// LoginAttempt is one password check of the sign-in history (the access
// log the security auditor exports).
type LoginAttempt struct {
	Username string
	IP       string
	At       time.Time
	Success  bool
}

// LoginAttempts lists the sign-ins since a time, newest first, at most
// limit of them.
func (q *Queries) LoginAttempts(ctx context.Context, since time.Time, limit int) ([]LoginAttempt, error) {
	return queryAll(ctx, q.db, func(s scanner) (LoginAttempt, error) {
		var a LoginAttempt
		err := s.Scan(&a.Username, &a.IP, &a.At, &a.Success)
		return a, err
	}, "SELECT username, ip, at, success FROM login_attempts WHERE at >= ? ORDER BY id DESC LIMIT ?", since, limit)
}

// SetPaperSignature records the SM2 signature of a paper's digest.
func (q *Queries) SetPaperSignature(ctx context.Context, paperID int64, sig string) error {
	_, err := q.db.ExecContext(ctx, "UPDATE papers SET sm2_signature = ? WHERE id = ?", sig, paperID)
	return err
}

// PaperSeal is what checking an issued paper's signature needs.
type PaperSeal struct {
	PaperID   int64
	DocNumber string
	ObjectKey string
	SM3       string
	Signature string
}

// PaperSealByNumber loads the stored document, digest and signature of
// the paper with a document number.
func (q *Queries) PaperSealByNumber(ctx context.Context, docNumber string) (PaperSeal, error) {
	var p PaperSeal
	err := q.db.QueryRowContext(ctx, `SELECT pp.id, pp.doc_number, d.object_key, COALESCE(d.sm3, ''), COALESCE(pp.sm2_signature, '')
		FROM papers pp JOIN documents d ON d.id = pp.document_id WHERE pp.doc_number = ?`, docNumber).
		Scan(&p.PaperID, &p.DocNumber, &p.ObjectKey, &p.SM3, &p.Signature)
	return p, translate(err)
}
