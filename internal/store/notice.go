package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliverySending   = "sending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
	DeliveryDropped   = "dropped"
)

// Contact is what a user gave to be reached outside the application, and
// how.
type Contact struct {
	UserID      int64
	Active      bool
	Phone       string
	Email       string
	SMSQuiet    sql.NullString // NULL: the system's quiet hours; "" never quiet
	EmailDigest bool
}

// FanNotice is a notification not yet given its outside deliveries, with
// its recipient's contact.
type FanNotice struct {
	NotificationID int64
	Kind           string
	CreatedAt      time.Time
	Contact
}

// Delivery is one notice through one outside channel.
type Delivery struct {
	ID             int64
	NotificationID int64
	UserID         int64
	Channel        string
	IdemKey        string
	Address        string
	Digest         bool
	BatchKey       string
	State          string
	Attempts       int
	NextAt         time.Time
	LastError      string
	CreatedAt      time.Time
	DeliveredAt    sql.NullTime
	// AttemptID is the attempt row of the claim that returned it, and
	// Holder the lease holder that claim named.
	AttemptID int64
	Holder    string
	// The notice, for composing the message.
	Kind, Title, Body string
	ReviewID          int64
	ProjectName       string
	ReviewKind        string
	DueAt             sql.NullTime
	UserName          string
	SMSQuiet          sql.NullString // the recipient's quiet hours, as Contact's
}

// ClaimUnfannedNotices locks up to limit notifications that have no
// deliveries yet (SKIP LOCKED: another instance's are left to it), and
// reads their recipients' contacts.
func (q *Queries) ClaimUnfannedNotices(ctx context.Context, limit int) ([]FanNotice, error) {
	ids, err := q.ids(ctx, "SELECT id FROM notifications WHERE NOT fanned_out ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED", limit)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	args := anyArgs(ids)
	return queryAll(ctx, q.db, func(s scanner) (FanNotice, error) {
		var f FanNotice
		if err := s.Scan(&f.NotificationID, &f.Kind, &f.CreatedAt, &f.UserID, &f.Active, &f.Phone, &f.Email, &f.SMSQuiet, &f.EmailDigest); err != nil {
			return f, err
		}
		return f, q.openContact(&f.Contact)
	}, `SELECT n.id, n.kind, n.created_at, u.id, u.active, u.phone, u.email, u.sms_quiet, u.email_digest
		FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.id IN (`+placeholders(len(ids))+`) ORDER BY n.id`, args...)
}

// NoticeOptOuts lists, for the users given, the kind and channel pairs
// each refused, as "kind/channel".
func (q *Queries) NoticeOptOuts(ctx context.Context, userIDs []int64) (map[int64]map[string]bool, error) {
	out := map[int64]map[string]bool{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := anyArgs(userIDs)
	err := queryPairs(ctx, q.db, func(id int64, choice string) error {
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		out[id][choice] = true
		return nil
	}, "SELECT user_id, CONCAT(kind, '/', channel) FROM notice_optouts WHERE user_id IN ("+placeholders(len(userIDs))+")", args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FanOut writes the deliveries of claimed notifications (at most one per
// notification and channel: a second insert is ignored) and marks the
// notifications done.
func (q *Queries) FanOut(ctx context.Context, notificationIDs []int64, ds []Delivery) error {
	if len(ds) > 0 {
		var b strings.Builder
		args := make([]any, 0, len(ds)*9)
		for i, d := range ds {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, 'pending', ?, ?)")
			args = append(args, d.NotificationID, d.UserID, d.Channel, d.IdemKey, d.Address, d.Digest, d.NextAt, d.CreatedAt)
		}
		if _, err := q.db.ExecContext(ctx, `INSERT IGNORE INTO notice_deliveries
			(notification_id, user_id, channel, idem_key, address, digest, state, next_at, created_at) VALUES `+b.String(), args...); err != nil {
			return fmt.Errorf("insert deliveries: %w", err)
		}
	}
	if len(notificationIDs) == 0 {
		return nil
	}
	args := anyArgs(notificationIDs)
	_, err := q.db.ExecContext(ctx, "UPDATE notifications SET fanned_out = TRUE WHERE id IN ("+placeholders(len(notificationIDs))+")", args...)
	return err
}

const deliveryColumns = `d.id, d.notification_id, d.user_id, d.channel, d.idem_key, d.address, d.digest, COALESCE(d.batch_key, ''),
	d.state, d.attempts, d.next_at, d.last_error, d.created_at, d.delivered_at,
	n.kind, n.title, n.body, COALESCE(n.review_id, 0), COALESCE(p.name, ''), COALESCE(r.kind, ''),
	(SELECT MIN(dl.due_at) FROM deadlines dl WHERE dl.review_id = n.review_id AND dl.state = 'pending'), u.display_name, u.sms_quiet`

const deliveryFrom = ` FROM notice_deliveries d JOIN notifications n ON n.id = d.notification_id JOIN users u ON u.id = d.user_id
	LEFT JOIN reviews r ON r.id = n.review_id LEFT JOIN projects p ON p.id = r.project_id`

// deliveryDest is where the columns of deliveryColumns go, in order.
func deliveryDest(d *Delivery) []any {
	return []any{&d.ID, &d.NotificationID, &d.UserID, &d.Channel, &d.IdemKey, &d.Address, &d.Digest, &d.BatchKey,
		&d.State, &d.Attempts, &d.NextAt, &d.LastError, &d.CreatedAt, &d.DeliveredAt,
		&d.Kind, &d.Title, &d.Body, &d.ReviewID, &d.ProjectName, &d.ReviewKind, &d.DueAt, &d.UserName, &d.SMSQuiet}
}

func scanDelivery(s scanner) (Delivery, error) { return scanInto(s, deliveryDest) }

// ClaimDeliveries takes up to limit deliveries due at now on the given
// channels, and those whose sender's lease ran out, for instance until
// now+lease: each counts one more attempt, recorded with its start. Rows
// another transaction holds are skipped. On a cluster two nodes may claim
// the same row; the loser's COMMIT fails and nothing of its claim stays.
// A digest row takes with it the user's other digest rows due: one mail,
// one batch key.
func (q *Queries) ClaimDeliveries(ctx context.Context, channels []string, instance string, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	if len(channels) == 0 {
		return nil, nil
	}
	args := []any{now, now}
	for _, c := range channels {
		args = append(args, c)
	}
	args = append(args, limit)
	ids, err := q.ids(ctx, `SELECT id FROM notice_deliveries
		WHERE ((state = 'pending' AND next_at <= ?) OR (state = 'sending' AND lease_until < ?)) AND channel IN (`+placeholders(len(channels))+`)
		ORDER BY next_at, id LIMIT ? FOR UPDATE SKIP LOCKED`, args...)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	idArgs := anyArgs(ids)
	in := "(" + placeholders(len(ids)) + ")"
	// Digest rows of one user claimed together form one batch, named after
	// the first of them; a batch named before keeps its name.
	if _, err := q.db.ExecContext(ctx, `UPDATE notice_deliveries d JOIN (
		SELECT user_id, MIN(id) AS first FROM notice_deliveries WHERE id IN `+in+` AND digest AND batch_key IS NULL GROUP BY user_id) b
		ON b.user_id = d.user_id SET d.batch_key = CONCAT('fr-digest-', b.first)
		WHERE d.id IN `+in+` AND d.digest AND d.batch_key IS NULL`, append(append([]any{}, idArgs...), idArgs...)...); err != nil {
		return nil, fmt.Errorf("name digests: %w", err)
	}
	if _, err := q.db.ExecContext(ctx, `UPDATE notice_deliveries SET state = 'sending', attempts = attempts + 1, lease_by = ?, lease_until = ?
		WHERE id IN `+in, append([]any{instance, now.Add(lease)}, idArgs...)...); err != nil {
		return nil, fmt.Errorf("lease deliveries: %w", err)
	}
	if _, err := q.db.ExecContext(ctx, `INSERT INTO notice_attempts (delivery_id, attempt, instance, started_at)
		SELECT id, attempts, ?, ? FROM notice_deliveries WHERE id IN `+in, append([]any{instance, now}, idArgs...)...); err != nil {
		return nil, fmt.Errorf("record attempts: %w", err)
	}
	return queryAll(ctx, q.db, func(s scanner) (Delivery, error) {
		var d Delivery
		err := s.Scan(append(deliveryDest(&d), &d.AttemptID)...)
		return d, err
	}, "SELECT "+deliveryColumns+`, (SELECT MAX(a.id) FROM notice_attempts a WHERE a.delivery_id = d.id)`+
		deliveryFrom+" WHERE d.id IN "+in+" ORDER BY d.id", idArgs...)
}

// DeliveryOutcome is what became of one attempt.
type DeliveryOutcome struct {
	ID, AttemptID int64
	State         string // delivered, pending (to retry at NextAt) or dead
	NextAt        time.Time
	Error         string
}

// FinishDelivery records an attempt's outcome, if instance still holds the
// delivery's lease; it reports whether it did (false: the lease ran out
// and another dispatcher took the row over).
func (q *Queries) FinishDelivery(ctx context.Context, instance string, o DeliveryOutcome, now time.Time) (bool, error) {
	var delivered sql.NullTime
	if o.State == DeliveryDelivered {
		delivered = sql.NullTime{Time: now, Valid: true}
	}
	res, err := q.db.ExecContext(ctx, `UPDATE notice_deliveries SET state = ?, next_at = ?, last_error = ?, delivered_at = ?, lease_by = NULL, lease_until = NULL
		WHERE id = ? AND state = 'sending' AND lease_by = ?`, o.State, o.NextAt, o.Error, delivered, o.ID, instance)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if _, err := q.db.ExecContext(ctx, "UPDATE notice_attempts SET ended_at = ?, ok = ?, error = ? WHERE id = ?",
		now, o.State == DeliveryDelivered, o.Error, o.AttemptID); err != nil {
		return false, err
	}
	return n == 1, nil
}

// Deliveries lists deliveries in state, newest first.
func (q *Queries) Deliveries(ctx context.Context, state string, limit int) ([]Delivery, error) {
	return queryAll(ctx, q.db, scanDelivery, "SELECT "+deliveryColumns+deliveryFrom+" WHERE d.state = ? ORDER BY d.id DESC LIMIT ?", state, limit)
}

// DeliveryAttempt is one recorded attempt.
type DeliveryAttempt struct {
	DeliveryID int64
	Attempt    int
	Instance   string
	StartedAt  time.Time
	EndedAt    sql.NullTime
	OK         sql.NullBool
	Error      string
}

// DeliveryAttempts lists the attempts of a delivery, first first.
func (q *Queries) DeliveryAttempts(ctx context.Context, deliveryID int64) ([]DeliveryAttempt, error) {
	return queryAll(ctx, q.db, func(s scanner) (DeliveryAttempt, error) {
		var a DeliveryAttempt
		err := s.Scan(&a.DeliveryID, &a.Attempt, &a.Instance, &a.StartedAt, &a.EndedAt, &a.OK, &a.Error)
		return a, err
	}, `SELECT delivery_id, attempt, instance, started_at, ended_at, ok, error
		FROM notice_attempts WHERE delivery_id = ? ORDER BY id`, deliveryID)
}

// RequeueDeadDelivery makes a dead delivery pending again at now, with a
// fresh count of attempts (those made stay recorded).
func (q *Queries) RequeueDeadDelivery(ctx context.Context, id int64, now time.Time) error {
	res, err := q.db.ExecContext(ctx, "UPDATE notice_deliveries SET state = 'pending', attempts = 0, next_at = ? WHERE id = ? AND state = 'dead'", now, id)
	return changed(res, err, ErrNotFound)
}

// DropDeadDelivery gives a dead delivery up for good.
func (q *Queries) DropDeadDelivery(ctx context.Context, id int64) error {
	res, err := q.db.ExecContext(ctx, "UPDATE notice_deliveries SET state = 'dropped' WHERE id = ? AND state = 'dead'", id)
	return changed(res, err, ErrNotFound)
}

// DeliveryCount is how many deliveries of a channel are in a state, and
// how many of them took more than one attempt.
type DeliveryCount struct {
	Channel, State string
	Count, Retried int64
}

// DeliveryCounts counts the deliveries by channel and state; the in-app
// channel counts the notifications themselves (delivered when written).
func (q *Queries) DeliveryCounts(ctx context.Context) ([]DeliveryCount, error) {
	return queryAll(ctx, q.db, func(s scanner) (DeliveryCount, error) {
		var c DeliveryCount
		err := s.Scan(&c.Channel, &c.State, &c.Count, &c.Retried)
		return c, err
	}, `SELECT channel, state, COUNT(*), COALESCE(SUM(attempts > 1), 0) FROM notice_deliveries GROUP BY channel, state
		UNION ALL SELECT 'in_app', 'delivered', COUNT(*), 0 FROM notifications ORDER BY 1, 2`)
}

// NoticeSettings are a user's contact and choices.
type NoticeSettings struct {
	Contact
	OptOuts map[string]bool // "kind/channel"
}

// UserNoticeSettings reads a user's contact and choices.
func (q *Queries) UserNoticeSettings(ctx context.Context, userID int64) (NoticeSettings, error) {
	var s NoticeSettings
	err := q.db.QueryRowContext(ctx, "SELECT id, active, phone, email, sms_quiet, email_digest FROM users WHERE id = ?", userID).
		Scan(&s.UserID, &s.Active, &s.Phone, &s.Email, &s.SMSQuiet, &s.EmailDigest)
	if err != nil {
		return s, translate(err)
	}
	if err := q.openContact(&s.Contact); err != nil {
		return s, err
	}
	m, err := q.NoticeOptOuts(ctx, []int64{userID})
	if err != nil {
		return s, err
	}
	s.OptOuts = m[userID]
	if s.OptOuts == nil {
		s.OptOuts = map[string]bool{}
	}
	return s, nil
}

// SetUserContact changes a user's phone and email.
func (q *Queries) SetUserContact(ctx context.Context, userID int64, phone, email string) error {
	sealedPhone, sealedEmail, err := q.sealContact(phone, email)
	if err != nil {
		return err
	}
	_, err = q.db.ExecContext(ctx, "UPDATE users SET phone = ?, email = ? WHERE id = ?", sealedPhone, sealedEmail, userID)
	return err
}

// sealContact seals a phone number and an email address for storage
// (SetSealer); openContact opens them again.
func (q *Queries) sealContact(phone, email string) (string, string, error) {
	p, err := q.sealer.Seal(phone)
	if err != nil {
		return "", "", err
	}
	e, err := q.sealer.Seal(email)
	return p, e, err
}

func (q *Queries) openContact(c *Contact) error {
	var err error
	if c.Phone, err = q.sealer.Open(c.Phone); err != nil {
		return fmt.Errorf("user %d phone: %w", c.UserID, err)
	}
	if c.Email, err = q.sealer.Open(c.Email); err != nil {
		return fmt.Errorf("user %d email: %w", c.UserID, err)
	}
	return nil
}

// SetNoticeSettings replaces a user's contact and choices (in a
// transaction, through InTx).
func (q *Queries) SetNoticeSettings(ctx context.Context, s NoticeSettings) error {
	phone, email, err := q.sealContact(s.Phone, s.Email)
	if err != nil {
		return err
	}
	if _, err := q.db.ExecContext(ctx, "UPDATE users SET phone = ?, email = ?, sms_quiet = ?, email_digest = ? WHERE id = ?",
		phone, email, s.SMSQuiet, s.EmailDigest, s.UserID); err != nil {
		return err
	}
	if _, err := q.db.ExecContext(ctx, "DELETE FROM notice_optouts WHERE user_id = ?", s.UserID); err != nil {
		return err
	}
	for k := range s.OptOuts {
		kind, channel, _ := strings.Cut(k, "/")
		if _, err := q.db.ExecContext(ctx, "INSERT INTO notice_optouts (user_id, kind, channel) VALUES (?, ?, ?)", s.UserID, kind, channel); err != nil {
			return err
		}
	}
	return nil
}

// ExpertUserIDs lists the active users of the experts given (experts
// without an account have none).
func (q *Queries) ExpertUserIDs(ctx context.Context, expertIDs []int64) ([]int64, error) {
	if len(expertIDs) == 0 {
		return nil, nil
	}
	args := anyArgs(expertIDs)
	return q.ids(ctx, `SELECT u.id FROM experts e JOIN users u ON u.id = e.user_id
		WHERE u.active AND e.id IN (`+placeholders(len(expertIDs))+") ORDER BY u.id", args...)
}
