package store

import (
	"context"
	"time"
)

// Notification is an in-app message (the bell).
type Notification struct {
	ID        int64
	UserID    int64
	ReviewID  int64
	Kind      string
	Title     string
	Body      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// InsertNotification adds a message for a user.
func (q *Queries) InsertNotification(ctx context.Context, n Notification) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO notifications (user_id, review_id, kind, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		n.UserID, nullInt(n.ReviewID), n.Kind, n.Title, n.Body, time.Now())
	return err
}

// UnreadNotifications counts a user's unread messages.
func (q *Queries) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID).Scan(&n)
	return n, err
}

// Notifications lists a user's messages, newest first.
func (q *Queries) Notifications(ctx context.Context, userID int64, limit, offset int) ([]Notification, int, error) {
	var total int
	if err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ?", userID).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, q.db, func(s scanner) (Notification, error) {
		var n Notification
		err := s.Scan(&n.ID, &n.UserID, &n.ReviewID, &n.Kind, &n.Title, &n.Body, &n.CreatedAt, &n.ReadAt)
		return n, err
	}, `SELECT id, user_id, COALESCE(review_id,0), kind, title, body, created_at, read_at FROM notifications
		 WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`, userID, limit, offset)
	return out, total, err
}

// MarkNotificationsRead marks all of a user's messages read.
func (q *Queries) MarkNotificationsRead(ctx context.Context, userID int64, at time.Time) error {
	_, err := q.db.ExecContext(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", at, userID)
	return err
}
