package notice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"finreview/internal/deadline"
	"finreview/internal/store"
)

// Options configure a Dispatcher.
type Options struct {
	Store *store.Store
	Log   *slog.Logger
	Now   func() time.Time // time.Now when nil
	// Instance names this process in the attempts (host:pid when empty).
	Instance string
	// Email and SMS are the outside channels; nil turns a channel off.
	Email, SMS Sender
	// BaseURL is the application's address, for the links in messages.
	BaseURL string
	// Signature is the SMS signature (【…】).
	Signature string
	// Templates are the SMS template codes per kind (none when nil).
	Templates map[Kind]string
	// Quiet are the default SMS quiet hours (DefaultQuiet when zero; a
	// user may choose others).
	Quiet *Quiet
	// Interval between passes (2 s when zero).
	Interval time.Duration
	// Batch is the number of rows claimed at once (10 when zero).
	Batch int
	// SendTimeout bounds one send (15 s when zero); the lease on claimed
	// rows is long enough for the whole batch to time out, twice.
	SendTimeout time.Duration
	Lease       time.Duration
	// MaxAttempts before a delivery goes to the dead letters (8 when zero).
	MaxAttempts int
	// Backoff is the wait after the first failure, doubled after each
	// further one up to MaxBackoff (30 s and 1 h when zero).
	Backoff, MaxBackoff time.Duration
}

// Dispatcher fans notifications out into deliveries and sends them.
type Dispatcher struct {
	o Options
	c composer
}

// NewDispatcher builds a dispatcher; see Options for the defaults.
func NewDispatcher(o Options) *Dispatcher {
	deadline.LoopDefaults(&o.Log, &o.Now, &o.Instance)
	if o.Quiet == nil {
		q, _ := ParseQuiet(DefaultQuiet)
		o.Quiet = &q
	}
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 10
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 15 * time.Second
	}
	if min := 2 * time.Duration(o.Batch) * o.SendTimeout; o.Lease < min {
		o.Lease = min
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	return &Dispatcher{o: o, c: composer{baseURL: o.BaseURL, signature: o.Signature, templates: o.Templates}}
}

// Channels lists the channels that are on.
func (d *Dispatcher) Channels() []Channel {
	out := []Channel{InApp}
	if d.o.Email != nil {
		out = append(out, Email)
	}
	if d.o.SMS != nil {
		out = append(out, SMS)
	}
	return out
}

func (d *Dispatcher) sender(c string) Sender {
	switch Channel(c) {
	case Email:
		return d.o.Email
	case SMS:
		return d.o.SMS
	}
	return nil
}

// Run passes at once and then every Interval until ctx is done. A pass
// that fails or panics is logged; the loop goes on.
func (d *Dispatcher) Run(ctx context.Context) {
	if d.o.Email == nil && d.o.SMS == nil {
		d.o.Log.Info("outside notices off: neither SMTP nor SMS is configured")
	}
	down := false
	for {
		_, err := d.runOnceSafely(ctx)
		switch {
		case err == nil || ctx.Err() != nil:
			if down && err == nil {
				d.o.Log.Info("database back, notices resume", slog.String("instance", d.o.Instance))
				down = false
			}
		case store.IsDeadlock(err):
			// On a cluster another node claimed the same rows first; its
			// claim stands and nothing of ours was sent.
		case store.IsUnavailable(err):
			if !down {
				d.o.Log.Warn("notices wait for the database", slog.String("instance", d.o.Instance), slog.String("error", err.Error()))
				down = true
			}
		default:
			d.o.Log.Error("notice pass failed", slog.String("instance", d.o.Instance), slog.String("error", err.Error()))
		}
		t := time.NewTimer(d.o.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (d *Dispatcher) runOnceSafely(ctx context.Context) (n int, err error) {
	defer func() {
		if v := recover(); v != nil {
			d.o.Log.Error("notice pass panicked", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("notice pass: panic: %v", v)
		}
	}()
	return d.RunOnce(ctx)
}

// RunOnce fans out the notifications waiting, then sends the deliveries
// due, batch by batch, until none is left; it returns how many it
// delivered.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	for {
		n, err := d.fanOut(ctx)
		if err != nil {
			return 0, err
		}
		if n < d.o.Batch {
			break
		}
	}
	var channels []string
	for _, c := range d.Channels() {
		if c != InApp {
			channels = append(channels, string(c))
		}
	}
	if len(channels) == 0 {
		return 0, nil
	}
	delivered := 0
	for ctx.Err() == nil {
		ds, err := d.claim(ctx, channels)
		if err != nil {
			return delivered, err
		}
		for _, g := range groups(ds) {
			ok, err := d.send(ctx, g)
			if err != nil {
				return delivered, err
			}
			if ok {
				delivered += len(g)
			}
		}
		if len(ds) < d.o.Batch {
			break
		}
	}
	return delivered, nil
}

// fanOut gives waiting notifications their deliveries: one per channel
// that is on, that the recipient has an address for and did not refuse
// for the kind. SMS wait out the quiet hours; email of a user who chose
// the digest waits for the next digest.
func (d *Dispatcher) fanOut(ctx context.Context) (int, error) {
	n := 0
	err := d.o.Store.InClaimTx(ctx, func(q *store.Queries) error {
		ns, err := q.ClaimUnfannedNotices(ctx, d.o.Batch)
		if err != nil {
			return fmt.Errorf("claim notifications: %w", err)
		}
		n = len(ns)
		if n == 0 {
			return nil
		}
		var users, ids []int64
		for _, f := range ns {
			users = append(users, f.UserID)
			ids = append(ids, f.NotificationID)
		}
		opt, err := q.NoticeOptOuts(ctx, users)
		if err != nil {
			return fmt.Errorf("opt-outs: %w", err)
		}
		var ds []store.Delivery
		for _, f := range ns {
			ds = append(ds, d.deliveries(f, opt[f.UserID])...)
		}
		return q.FanOut(ctx, ids, ds)
	})
	return n, err
}

func (d *Dispatcher) deliveries(f store.FanNotice, optOuts map[string]bool) []store.Delivery {
	if !f.Active {
		return nil
	}
	kind := choiceKind(f.Kind)
	now := d.o.Now()
	var out []store.Delivery
	add := func(c Channel, addr string, next time.Time, digest bool) {
		out = append(out, store.Delivery{NotificationID: f.NotificationID, UserID: f.UserID, Channel: string(c),
			IdemKey: idemKey(f.NotificationID, c), Address: addr, Digest: digest, NextAt: next, CreatedAt: now})
	}
	if d.o.Email != nil && f.Email != "" && !optOuts[string(kind)+"/"+string(Email)] {
		if f.EmailDigest {
			add(Email, f.Email, nextDigest(f.CreatedAt), true)
		} else {
			add(Email, f.Email, now, false)
		}
	}
	if d.o.SMS != nil && f.Phone != "" && !optOuts[string(kind)+"/"+string(SMS)] {
		add(SMS, f.Phone, d.quietEnd(f.Contact, now), false)
	}
	return out
}

// quietEnd is t, or the end of the user's SMS quiet hours when t is in them.
func (d *Dispatcher) quietEnd(c store.Contact, t time.Time) time.Time {
	q := *d.o.Quiet
	if c.SMSQuiet.Valid {
		if uq, err := ParseQuiet(c.SMSQuiet.String); err == nil {
			q = uq
		}
	}
	end, _ := q.Until(t)
	return end
}

// idemKey is a delivery's idempotency key: the notification, the channel
// and a random part, so that two installations sharing one gateway never
// share a key. It is stored and never made again.
func idemKey(notificationID int64, c Channel) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("fr-%d-%s-%s", notificationID, c, hex.EncodeToString(b))
}

// claim leases the next batch of deliveries due. Each claim has its own
// lease holder, so that only its claimant records the outcome.
func (d *Dispatcher) claim(ctx context.Context, channels []string) ([]store.Delivery, error) {
	var ds []store.Delivery
	holder := d.o.Instance + "#" + randomHex(4)
	err := d.o.Store.InClaimTx(ctx, func(q *store.Queries) error {
		var err error
		ds, err = q.ClaimDeliveries(ctx, channels, holder, d.o.Now(), d.o.Lease, d.o.Batch)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	for i := range ds {
		ds[i].Holder = holder
	}
	return ds, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// groups splits a claim into messages: a digest batch is one message.
func groups(ds []store.Delivery) [][]store.Delivery {
	var out [][]store.Delivery
	at := map[string]int{}
	for _, x := range ds {
		if x.BatchKey != "" {
			if i, ok := at[x.BatchKey]; ok {
				out[i] = append(out[i], x)
				continue
			}
			at[x.BatchKey] = len(out)
		}
		out = append(out, []store.Delivery{x})
	}
	return out
}

// send sends one message and records the outcome on each of its rows. It
// reports whether the message was delivered; the error is the database's.
func (d *Dispatcher) send(ctx context.Context, g []store.Delivery) (bool, error) {
	first := g[0]
	err := d.deliver(ctx, g)
	now := d.o.Now()
	o := store.DeliveryOutcome{State: store.DeliveryDelivered, NextAt: now}
	if err != nil {
		// Servers may quote the address back: keep it out of the row and
		// the log (PIPL); the delivery id finds it for those allowed.
		msg := strings.ReplaceAll(err.Error(), first.Address, MaskAddress(first.Address))
		o.Error = truncate(msg, 2000)
		switch {
		case IsPermanent(err) || first.Attempts >= d.o.MaxAttempts:
			o.State = store.DeliveryDead
		default:
			o.State = store.DeliveryPending
			o.NextAt = now.Add(d.backoff(first.Attempts))
			if Channel(first.Channel) == SMS {
				o.NextAt = d.quietEnd(store.Contact{SMSQuiet: first.SMSQuiet}, o.NextAt)
			}
		}
		d.o.Log.Warn("notice not delivered", slog.Int64("delivery_id", first.ID), slog.String("channel", first.Channel),
			slog.Int("attempt", first.Attempts), slog.String("outcome", o.State), slog.String("error", o.Error))
	}
	for _, x := range g {
		o.ID, o.AttemptID = x.ID, x.AttemptID
		var held bool
		ferr := d.o.Store.InTx(ctx, func(q *store.Queries) error {
			var err error
			held, err = q.FinishDelivery(ctx, x.Holder, o, now)
			return err
		})
		if ferr != nil {
			return false, fmt.Errorf("finish delivery %d: %w", x.ID, ferr)
		}
		if !held {
			d.o.Log.Warn("notice lease ran out before the send ended", slog.Int64("delivery_id", x.ID))
		}
	}
	return err == nil, nil
}

// deliver writes the message of g and sends it. A panic, in writing or in
// the channel, is a permanent error: the message is a poison one and goes
// to the dead letters.
func (d *Dispatcher) deliver(ctx context.Context, g []store.Delivery) (err error) {
	first := g[0]
	defer func() {
		if v := recover(); v != nil {
			d.o.Log.Error("notice delivery panicked", slog.Int64("delivery_id", first.ID), slog.String("channel", first.Channel),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			err = permanent(fmt.Errorf("panic: %v", v))
		}
	}()
	s := d.sender(first.Channel)
	if s == nil {
		return fmt.Errorf("channel %s is off", first.Channel)
	}
	m := Message{Key: first.IdemKey, To: first.Address}
	switch Channel(first.Channel) {
	case Email:
		if first.BatchKey != "" {
			m.Key = first.BatchKey
			m.Subject, m.Text = d.c.digest(g)
		} else {
			m.Subject, m.Text = d.c.email(first)
		}
	case SMS:
		m.Text = d.c.sms(first)
		m.Template = d.c.templates[choiceKind(first.Kind)]
	}
	ctx, cancel := context.WithTimeout(ctx, d.o.SendTimeout)
	defer cancel()
	return s.Send(ctx, m)
}

func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.o.Backoff
	for i := 1; i < attempts && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.o.MaxBackoff)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
