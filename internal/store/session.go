package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Session is a signed-in browser. ID is the SHA-256 of the cookie value, so
// a database leak does not hand out live sessions.
type Session struct {
	ID        string
	UserID    int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
	// PrevLoginAt and PrevLoginIP are the user's sign-in before this one,
	// shown after sign-in (zero: the first).
	PrevLoginAt time.Time
	PrevLoginIP string
}

// InsertSession stores a session.
func (q *Queries) InsertSession(ctx context.Context, s Session, ip string) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at, last_seen_at, ip, prev_login_at, prev_login_ip)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.CSRFToken, s.CreatedAt, s.ExpiresAt, s.CreatedAt, ip,
		sql.NullTime{Time: s.PrevLoginAt, Valid: !s.PrevLoginAt.IsZero()}, s.PrevLoginIP)
	return translate(err)
}

// SessionUser loads a live session and its user, in one query.
func (q *Queries) SessionUser(ctx context.Context, id string, now time.Time) (Session, User, error) {
	var s Session
	var prev sql.NullTime
	u, err := scanUserAnd(q.db.QueryRowContext(ctx, "SELECT "+userColumnsOf("u")+
		", s.id, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at, s.prev_login_at, s.prev_login_ip"+
		" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ?", id, now),
		&s.ID, &s.UserID, &s.CSRFToken, &s.CreatedAt, &s.ExpiresAt, &s.LastSeen, &prev, &s.PrevLoginIP)
	s.PrevLoginAt = prev.Time
	return s, u, translate(err)
}

// TouchSession slides a session's expiry.
func (q *Queries) TouchSession(ctx context.Context, id string, now, expires time.Time) error {
	_, err := q.db.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", now, expires, id)
	return err
}

// DeleteSession ends a session.
func (q *Queries) DeleteSession(ctx context.Context, id string) error {
	_, err := q.db.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", id)
	return err
}

// DeleteExpiredSessions removes sessions and tokens past their expiry,
// and sign-in counts long past their window and lock.
func (q *Queries) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := q.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", now); err != nil {
		return err
	}
	if _, err := q.db.ExecContext(ctx, "DELETE FROM api_tokens WHERE expires_at <= ?", now); err != nil {
		return err
	}
	// Sign-in counts a day past their window and lock.
	_, err := q.db.ExecContext(ctx, "DELETE FROM login_throttle WHERE window_start < ? AND (locked_until IS NULL OR locked_until < ?)",
		now.Add(-24*time.Hour), now)
	return err
}

// InsertAPIToken stores the hash of a bearer token.
func (q *Queries) InsertAPIToken(ctx context.Context, hash string, userID int64, now, expires time.Time) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", hash, userID, now, expires)
	return translate(err)
}

// APITokenUser returns the user id of a live token.
func (q *Queries) APITokenUser(ctx context.Context, hash string, now time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx,
		"SELECT user_id FROM api_tokens WHERE token_hash = ? AND expires_at > ?", hash, now).Scan(&id)
	return id, translate(err)
}

// RecordLoginAttempt notes a password check for the sign-in history.
func (q *Queries) RecordLoginAttempt(ctx context.Context, username, ip string, ok bool, at time.Time) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO login_attempts (username, ip, at, success) VALUES (?, ?, ?, ?)", username, ip, at, ok)
	return err
}

// LoginThrottle is the sign-in count of an account name or an address in
// its current window: for an address, Claims are its sign-ins with unknown
// names; for an account, Claims are its password checks in flight (the
// last claimed at ClaimedAt) and Failures those that failed. LockedUntil
// is zero unless locked.
type LoginThrottle struct {
	WindowStart time.Time
	Claims      int
	ClaimedAt   time.Time
	Failures    int
	LockedUntil time.Time
}

// LockLoginThrottle returns the count of key, locked until the transaction
// ends; a key seen for the first time starts empty with its window at now.
func (q *Queries) LockLoginThrottle(ctx context.Context, key string, now time.Time) (LoginThrottle, error) {
	// ON DUPLICATE KEY UPDATE takes the row's exclusive lock at once, as
	// LockAuditHead does.
	if _, err := q.db.ExecContext(ctx,
		"INSERT INTO login_throttle (throttle_key, window_start, claims, failures) VALUES (?, ?, 0, 0) ON DUPLICATE KEY UPDATE claims = claims",
		key, now); err != nil {
		return LoginThrottle{}, translate(err)
	}
	var t LoginThrottle
	var claimed, locked sql.NullTime
	err := q.db.QueryRowContext(ctx,
		"SELECT window_start, claims, claimed_at, failures, locked_until FROM login_throttle WHERE throttle_key = ? FOR UPDATE",
		key).Scan(&t.WindowStart, &t.Claims, &claimed, &t.Failures, &locked)
	t.ClaimedAt, t.LockedUntil = claimed.Time, locked.Time
	return t, translate(err)
}

// SaveLoginThrottle writes the count of key, locked by LockLoginThrottle.
func (q *Queries) SaveLoginThrottle(ctx context.Context, key string, t LoginThrottle) error {
	locked := sql.NullTime{Time: t.LockedUntil, Valid: !t.LockedUntil.IsZero()}
	claimed := sql.NullTime{Time: t.ClaimedAt, Valid: !t.ClaimedAt.IsZero()}
	_, err := q.db.ExecContext(ctx,
		"UPDATE login_throttle SET window_start = ?, claims = ?, claimed_at = ?, failures = ?, locked_until = ? WHERE throttle_key = ?",
		t.WindowStart, t.Claims, claimed, t.Failures, locked, key)
	return err
}

// LoginThrottleOf reads the count of key without locking it (the zero
// count when there is none).
func (q *Queries) LoginThrottleOf(ctx context.Context, key string) (LoginThrottle, error) {
	var t LoginThrottle
	var locked sql.NullTime
	err := q.db.QueryRowContext(ctx,
		"SELECT window_start, claims, failures, locked_until FROM login_throttle WHERE throttle_key = ?", key).
		Scan(&t.WindowStart, &t.Claims, &t.Failures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return LoginThrottle{}, nil
	}
	t.LockedUntil = locked.Time
	return t, err
}

// ClearLoginThrottle forgets the count of key (after a successful sign-in,
// or an unlock).
func (q *Queries) ClearLoginThrottle(ctx context.Context, key string) error {
	_, err := q.db.ExecContext(ctx, "DELETE FROM login_throttle WHERE throttle_key = ?", key)
	return err
}

// UserByAPIToken returns the user of a live token and when the token
// expires, in one query.
func (q *Queries) UserByAPIToken(ctx context.Context, hash string, now time.Time) (User, time.Time, error) {
	var expires time.Time
	u, err := scanUserAnd(q.db.QueryRowContext(ctx, "SELECT "+userColumnsOf("u")+", t.expires_at"+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.expires_at > ?", hash, now), &expires)
	return u, expires, translate(err)
}
