package store

import (
	"context"
	"fmt"
	"time"
)

// SetUserRole changes a user's role (a grant by the security administrator).
func (q *Queries) SetUserRole(ctx context.Context, userID int64, role string) error {
	res, err := q.db.ExecContext(ctx, "UPDATE users SET role = ? WHERE id = ?", role, userID)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("user %d: %w", userID, ErrNotFound)
	}
	return nil
}

// LockedAccounts lists the account names locked at now, with when each
// lock ends.
func (q *Queries) LockedAccounts(ctx context.Context, now time.Time) (map[string]time.Time, error) {
	rows, err := q.db.QueryContext(ctx,
		"SELECT throttle_key, locked_until FROM login_throttle WHERE throttle_key LIKE 'account:%' AND locked_until > ?", now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var key string
		var until time.Time
		if err := rows.Scan(&key, &until); err != nil {
			return nil, err
		}
		out[key[len("account:"):]] = until
	}
	return out, rows.Err()
}
