package store

import (
	"context"
	"database/sql"
	"time"
)

// StandIn is a colleague named to stand in for a user away from work
// (临时委托代办), from StartsOn to EndsOn inclusive (dates YYYY-MM-DD in
// Asia/Shanghai), unless revoked earlier.
type StandIn struct {
	ID          int64
	UserID      int64
	StandInID   int64
	StartsOn    string
	EndsOn      string
	Reason      string
	CreatedAt   time.Time
	RevokedAt   sql.NullTime
	UserName    string
	StandInName string
}

const standInSelect = `SELECT s.id, s.user_id, s.stand_in_id, DATE_FORMAT(s.starts_on, '%Y-%m-%d'), DATE_FORMAT(s.ends_on, '%Y-%m-%d'),
	s.reason, s.created_at, s.revoked_at, u.display_name, c.display_name
	FROM stand_ins s JOIN users u ON u.id = s.user_id JOIN users c ON c.id = s.stand_in_id`

func scanStandIn(sc scanner) (StandIn, error) {
	var s StandIn
	err := sc.Scan(&s.ID, &s.UserID, &s.StandInID, &s.StartsOn, &s.EndsOn, &s.Reason, &s.CreatedAt, &s.RevokedAt,
		&s.UserName, &s.StandInName)
	return s, err
}

// InsertStandIn records a stand-in.
func (q *Queries) InsertStandIn(ctx context.Context, s StandIn) (int64, error) {
	return q.insert(ctx,
		"INSERT INTO stand_ins (user_id, stand_in_id, starts_on, ends_on, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		s.UserID, s.StandInID, s.StartsOn, s.EndsOn, s.Reason, s.CreatedAt)
}

// StandIn loads one stand-in.
func (q *Queries) StandIn(ctx context.Context, id int64) (StandIn, error) {
	return queryRow(ctx, q.db, scanStandIn, standInSelect+" WHERE s.id = ?", id)
}

// StandInsOf lists the stand-ins a user named or was named in, newest first.
func (q *Queries) StandInsOf(ctx context.Context, userID int64) ([]StandIn, error) {
	return queryAll(ctx, q.db, scanStandIn, standInSelect+" WHERE s.user_id = ? OR s.stand_in_id = ? ORDER BY s.id DESC LIMIT 200",
		userID, userID)
}

// RevokeStandIn ends a stand-in now; ErrNotFound when it was revoked already.
func (q *Queries) RevokeStandIn(ctx context.Context, id, by int64, at time.Time) error {
	res, err := q.db.ExecContext(ctx, "UPDATE stand_ins SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL", at, by, id)
	return changed(res, err, ErrNotFound)
}
