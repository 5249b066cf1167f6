package store

import (
	"context"
	"database/sql"
	"time"
)

// User is a person who signs in. Role is one of the auth roles; OrgID is
// the organization the user acts for (unit, firm, contractor…).
type User struct {
	ID             int64
	Username       string
	DisplayName    string
	PasswordHash   string
	Role           string
	OrgID          int64
	JurisdictionID int64
	CityGrant      bool
	Active         bool
	Demo           bool
	CreatedAt      time.Time
	// MustChangePassword forces a new password at the next sign-in (a
	// new account, or one whose password was reset).
	MustChangePassword bool
	// PasswordChangedAt is when the password was last set (zero: never
	// since the account was created).
	PasswordChangedAt time.Time
	// LastLoginAt and LastLoginIP are the latest successful sign-in.
	LastLoginAt time.Time
	LastLoginIP string
}

const userColumns = "id, username, display_name, password_hash, role, COALESCE(org_id, 0), jurisdiction_id, city_grant, active, demo, created_at, " +
	"must_change_password, password_changed_at, last_login_at, last_login_ip"

// userColumnsOf is userColumns qualified by a table alias.
func userColumnsOf(a string) string {
	return a + ".id, " + a + ".username, " + a + ".display_name, " + a + ".password_hash, " + a + ".role, COALESCE(" + a +
		".org_id, 0), " + a + ".jurisdiction_id, " + a + ".city_grant, " + a + ".active, " + a + ".demo, " + a + ".created_at, " +
		a + ".must_change_password, " + a + ".password_changed_at, " + a + ".last_login_at, " + a + ".last_login_ip"
}

// scanUser scans userColumnsOf's columns.
func scanUser(s scanner) (User, error) { return scanUserAnd(s) }

// scanUserAnd scans userColumnsOf's columns, then any extra ones into extra.
func scanUserAnd(s scanner, extra ...any) (User, error) {
	var u User
	var changed, login sql.NullTime
	err := s.Scan(append([]any{&u.ID, &u.Username, &u.DisplayName, &u.PasswordHash, &u.Role, &u.OrgID,
		&u.JurisdictionID, &u.CityGrant, &u.Active, &u.Demo, &u.CreatedAt, &u.MustChangePassword, &changed, &login,
		&u.LastLoginIP}, extra...)...)
	u.PasswordChangedAt, u.LastLoginAt = changed.Time, login.Time
	return u, err
}

// InsertUser adds a user and returns its id.
func (q *Queries) InsertUser(ctx context.Context, u User) (int64, error) {
	return q.insert(ctx,
		`INSERT INTO users (username, display_name, password_hash, role, org_id, jurisdiction_id, city_grant, active, demo, created_at,
		   must_change_password, password_changed_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Username, u.DisplayName, u.PasswordHash, u.Role, nullInt(u.OrgID), u.JurisdictionID,
		u.CityGrant, u.Active, u.Demo, time.Now(), u.MustChangePassword, time.Now())
}

// UserByUsername loads a user by login name.
func (q *Queries) UserByUsername(ctx context.Context, username string) (User, error) {
	return queryRow(ctx, q.db, scanUser, "SELECT "+userColumns+" FROM users WHERE username = ?", username)
}

// User loads a user by id.
func (q *Queries) User(ctx context.Context, id int64) (User, error) {
	return queryRow(ctx, q.db, scanUser, "SELECT "+userColumns+" FROM users WHERE id = ?", id)
}

// UsersByRole lists active users of a role, optionally within an organization (orgID 0 = any).
func (q *Queries) UsersByRole(ctx context.Context, role string, orgID int64) ([]User, error) {
	query := "SELECT " + userColumns + " FROM users WHERE role = ? AND active"
	args := []any{role}
	if orgID != 0 {
		query += " AND org_id = ?"
		args = append(args, orgID)
	}
	return queryAll(ctx, q.db, scanUser, query+" ORDER BY id", args...)
}

// Users lists all users, newest last.
func (q *Queries) Users(ctx context.Context) ([]User, error) {
	return queryAll(ctx, q.db, scanUser, "SELECT "+userColumns+" FROM users ORDER BY id")
}

// CountNonDemoUsers counts users not created by seed-demo.
func (q *Queries) CountNonDemoUsers(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE NOT demo").Scan(&n)
	return n, err
}
