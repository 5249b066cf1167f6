package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"finreview/internal/auth"
)

// personalSessions gives each of n virtual users a browser session of its
// own, as b's user would have after signing in on n browsers: a row in
// sessions like the one the sign-in wrote for b, with its own token and
// form token. A real sign-in costs a bcrypt comparison (0.1–1 s on this
// host), so the sessions are written rather than signed in; the bearer
// token of the user stays shared, as one API client's.
func (h *harness) personalSessions(ctx context.Context, b browser, n int) ([]browser, error) {
	// The template row is read once and its values inserted: an INSERT …
	// SELECT would share-lock the row the server updates on every request
	// of b's session, and lose deadlocks to it.
	var (
		userID                     int64
		created, expires, lastSeen time.Time
		ip                         string
	)
	if err := h.db.QueryRowContext(ctx, "SELECT user_id, created_at, expires_at, last_seen_at, ip FROM sessions WHERE id = ?",
		auth.HashToken(b.cookie)).Scan(&userID, &created, &expires, &lastSeen, &ip); err != nil {
		return nil, fmt.Errorf("session of a virtual user: %w", err)
	}
	out := make([]browser, 0, n)
	for range n {
		tok, csrf := randomHex(32), randomHex(32)
		if _, err := h.db.ExecContext(ctx, `INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at, last_seen_at, ip)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, auth.HashToken(tok), userID, csrf, created, expires, lastSeen, ip); err != nil {
			return nil, fmt.Errorf("session of a virtual user: %w", err)
		}
		out = append(out, browser{cookie: tok, csrf: csrf, token: b.token})
	}
	return out, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
