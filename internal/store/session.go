package store

import (
	"context"
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
}

// InsertSession stores a session.
func (q *Queries) InsertSession(ctx context.Context, s Session, ip string) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at, last_seen_at, ip) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.CSRFToken, s.CreatedAt, s.ExpiresAt, s.CreatedAt, ip)
	return translate(err)
}

// SessionByID loads a live session.
func (q *Queries) SessionByID(ctx context.Context, id string, now time.Time) (Session, error) {
	var s Session
	err := q.db.QueryRowContext(ctx,
		`SELECT id, user_id, csrf_token, created_at, expires_at, last_seen_at FROM sessions WHERE id = ? AND expires_at > ?`, id, now).
		Scan(&s.ID, &s.UserID, &s.CSRFToken, &s.CreatedAt, &s.ExpiresAt, &s.LastSeen)
	return s, translate(err)
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

// DeleteExpiredSessions removes sessions and tokens past their expiry.
func (q *Queries) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := q.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", now); err != nil {
		return err
	}
	_, err := q.db.ExecContext(ctx, "DELETE FROM api_tokens WHERE expires_at <= ?", now)
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

// RecordLoginAttempt notes a sign-in attempt for throttling.
func (q *Queries) RecordLoginAttempt(ctx context.Context, username, ip string, ok bool, at time.Time) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO login_attempts (username, ip, at, success) VALUES (?, ?, ?, ?)", username, ip, at, ok)
	return err
}

// FailedLogins counts failures for a user name, or from an address, since a time.
func (q *Queries) FailedLogins(ctx context.Context, username, ip string, since time.Time) (byUser, byIP int, err error) {
	err = q.db.QueryRowContext(ctx,
		`SELECT
		   (SELECT COUNT(*) FROM login_attempts WHERE username = ? AND at > ? AND NOT success),
		   (SELECT COUNT(*) FROM login_attempts WHERE ip = ? AND at > ? AND NOT success)`,
		username, since, ip, since).Scan(&byUser, &byIP)
	return byUser, byIP, err
}

// ClearFailedLogins forgets failures of a user name after a successful sign-in.
func (q *Queries) ClearFailedLogins(ctx context.Context, username string) error {
	_, err := q.db.ExecContext(ctx, "DELETE FROM login_attempts WHERE username = ? AND NOT success", username)
	return err
}

// UserByAPIToken returns the user of a live token and when the token
// expires, in one query.
func (q *Queries) UserByAPIToken(ctx context.Context, hash string, now time.Time) (User, time.Time, error) {
	var expires time.Time
	u, err := scanUser(q.db.QueryRowContext(ctx, "SELECT "+userColumnsOf("u")+", t.expires_at"+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.expires_at > ?", hash, now), &expires)
	return u, expires, translate(err)
}
