package store

import (
	"context"
	"database/sql"
	"time"
)

// BackupRun is one backup, restore or verification, as recorded.
type BackupRun struct {
	ID         int64
	Kind       string // backup, verify, restore
	Location   string
	BackupID   string
	OK         bool
	Size       int64
	Detail     string
	StartedAt  time.Time
	FinishedAt time.Time
}

// InsertBackupRun records a finished run.
func (q *Queries) InsertBackupRun(ctx context.Context, r BackupRun) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO backup_runs (kind, location, backup_id, ok, size, detail, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Kind, r.Location, r.BackupID, r.OK, r.Size, r.Detail, r.StartedAt, r.FinishedAt)
	return translate(err)
}

// BackupRuns returns the latest runs, newest first.
func (q *Queries) BackupRuns(ctx context.Context, limit int) ([]BackupRun, error) {
	return queryAll(ctx, q.db, func(s scanner) (BackupRun, error) {
		var r BackupRun
		err := s.Scan(&r.ID, &r.Kind, &r.Location, &r.BackupID, &r.OK, &r.Size, &r.Detail, &r.StartedAt, &r.FinishedAt)
		return r, err
	}, `SELECT id, kind, location, backup_id, ok, size, detail, started_at, finished_at
		FROM backup_runs ORDER BY finished_at DESC, id DESC LIMIT ?`, limit)
}

// ClaimDailyJob claims job for day (YYYY-MM-DD) for instance. It reports
// false when the job has run that day, or another instance claimed it
// after staleBefore. A claim older than that and still running (its
// instance died) is taken over.
func (q *Queries) ClaimDailyJob(ctx context.Context, job, day, instance string, now, staleBefore time.Time) (bool, error) {
	res, err := q.db.ExecContext(ctx, `INSERT INTO daily_jobs (job, day, instance, state, claimed_at) VALUES (?, ?, ?, 'running', ?)
		ON DUPLICATE KEY UPDATE instance = IF(state = 'running' AND claimed_at < ?, VALUES(instance), instance),
		claimed_at = IF(state = 'running' AND claimed_at < ?, VALUES(claimed_at), claimed_at)`,
		job, day, instance, now, staleBefore, staleBefore)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	// 1: inserted; 2: a stale claim taken over; 0: someone else's.
	return n > 0, err
}

// DailyJobDone reports whether job has finished for day.
func (q *Queries) DailyJobDone(ctx context.Context, job, day string) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM daily_jobs WHERE job = ? AND day = ? AND state = 'done'", job, day).Scan(&n)
	return n > 0, err
}

// FinishDailyJob marks the claim done.
func (q *Queries) FinishDailyJob(ctx context.Context, job, day string, now time.Time) error {
	_, err := q.db.ExecContext(ctx, "UPDATE daily_jobs SET state = 'done', done_at = ? WHERE job = ? AND day = ?", now, job, day)
	return err
}

// AnchoredBetween counts the audit anchor events recorded in [from, to).
func (q *Queries) AnchoredBetween(ctx context.Context, from, to time.Time) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_events WHERE stream = 'anchor' AND at >= ? AND at < ?", from, to).Scan(&n)
	return n, err
}

// LastGoodBackup returns when the last successful backup finished.
func (q *Queries) LastGoodBackup(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullTime
	err := q.db.QueryRowContext(ctx, "SELECT MAX(finished_at) FROM backup_runs WHERE kind = 'backup' AND ok").Scan(&at)
	return at.Time, at.Valid, err
}
