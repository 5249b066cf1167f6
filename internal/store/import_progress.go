package store

import (
	"context"
	"database/sql"
	"time"
)

// ImportProgress is how far a running check or commit has read.
type ImportProgress struct {
	Phase string `json:"phase"` // checking, importing, done, failed
	Rows  int    `json:"rows"`
}

// SetImportProgress records a user's import progress under the page's
// token (outside any import transaction, so other instances see it).
func (q *Queries) SetImportProgress(ctx context.Context, token string, userID int64, p ImportProgress, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO import_progress (token, user_id, phase, rows_done, updated_at) VALUES (?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE phase = IF(user_id = VALUES(user_id), VALUES(phase), phase),
		  rows_done = IF(user_id = VALUES(user_id), VALUES(rows_done), rows_done),
		  updated_at = IF(user_id = VALUES(user_id), VALUES(updated_at), updated_at)`,
		token, userID, p.Phase, p.Rows, at)
	return translate(err)
}

// ImportProgressOf reads the progress under token; another user's token
// is not found.
func (q *Queries) ImportProgressOf(ctx context.Context, token string, userID int64) (ImportProgress, error) {
	var p ImportProgress
	err := q.db.QueryRowContext(ctx, "SELECT phase, rows_done FROM import_progress WHERE token = ? AND user_id = ?", token, userID).
		Scan(&p.Phase, &p.Rows)
	return p, translate(err)
}

// StagedImport is a file that passed its check, kept for its commit.
type StagedImport struct {
	ID        int64
	UserID    int64
	Kind      string
	FileName  string
	ObjectKey string
	SHA256    string
	Size      int64
	CreatedAt time.Time
	ImportID  sql.NullInt64
}

// InsertStagedImport records a checked file.
func (q *Queries) InsertStagedImport(ctx context.Context, s StagedImport) (int64, error) {
	return q.insert(ctx, `INSERT INTO import_staged (user_id, kind, file_name, object_key, sha256, size, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.UserID, s.Kind, s.FileName, s.ObjectKey, s.SHA256, s.Size, s.CreatedAt)
}

// StagedImportOf reads a user's checked file; another user's is not found.
func (q *Queries) StagedImportOf(ctx context.Context, id, userID int64) (StagedImport, error) {
	var s StagedImport
	err := q.db.QueryRowContext(ctx, `SELECT id, user_id, kind, file_name, object_key, sha256, size, created_at, import_id
		FROM import_staged WHERE id = ? AND user_id = ?`, id, userID).
		Scan(&s.ID, &s.UserID, &s.Kind, &s.FileName, &s.ObjectKey, &s.SHA256, &s.Size, &s.CreatedAt, &s.ImportID)
	return s, translate(err)
}

// MarkStagedImported records that a checked file was committed (import 0:
// every row existed already).
func (q *Queries) MarkStagedImported(ctx context.Context, id, importID int64) error {
	_, err := q.db.ExecContext(ctx, "UPDATE import_staged SET import_id = ? WHERE id = ?", importID, id)
	return err
}
