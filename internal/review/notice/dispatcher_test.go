package notice_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"finreview/internal/review/notice"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

type fixture struct {
	t    *testing.T
	s    *store.Store
	user int64
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := testenv.DB(t)
	f := &fixture{t: t, s: s, now: at(t, "2026-12-07T10:00:00+08:00")}
	f.exec("INSERT INTO jurisdictions (code, name) VALUES ('t', '测试区')")
	f.user = f.userWith("13800138000", "unit@example.com")
	return f
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *fixture) exec(q string, args ...any) int64 {
	f.t.Helper()
	res, err := f.s.DB.Exec(q, args...)
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

func (f *fixture) userWith(phone, email string) int64 {
	return f.exec(`INSERT INTO users (username, display_name, password_hash, role, jurisdiction_id, created_at, phone, email)
		VALUES (?, '张三', 'x', 'construction_unit', (SELECT id FROM jurisdictions LIMIT 1), NOW(), ?, ?)`,
		fmt.Sprintf("u%d", time.Now().UnixNano()), phone, email)
}

// notify writes n notices for user, as the events do.
func (f *fixture) notify(user int64, n int, kind string) {
	for i := 0; i < n; i++ {
		f.exec("INSERT INTO notifications (user_id, kind, title, body, created_at) VALUES (?, ?, ?, ?, ?)",
			user, kind, fmt.Sprintf("测试项目:通知%d", i), "评审有新的进展。", f.now)
	}
}

func (f *fixture) clock() func() time.Time { return func() time.Time { return f.now } }

func (f *fixture) states(channel string) map[string]int {
	f.t.Helper()
	rows, err := f.s.DB.Query("SELECT state, COUNT(*) FROM notice_deliveries WHERE channel = ? GROUP BY state", channel)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		out[s] = n
	}
	return out
}

func smtpFor(t *testing.T, srv *smtpServer, mode string, pool *x509.CertPool) notice.Sender {
	t.Helper()
	s, err := notice.NewSMTP(notice.SMTPOptions{Addr: srv.addr(), User: "notices", Password: "s3cret", From: "财政评审 <noreply@example.com>",
		TLS: mode, TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func smsFor(g *gateway) notice.Sender {
	return notice.NewGateway(notice.GatewayOptions{URL: g.URL, Key: "gw-key", Timeout: 2 * time.Second})
}

// Each notice reaches the recipient once by mail over STARTTLS with
// authentication and once by SMS with the gateway key, each carrying its
// own stable key; a second pass sends nothing again.
func TestDispatcherSendsEmailAndSMS(t *testing.T) {
	f := newFixture(t)
	srv, pool := newSMTPServer(t, false)
	g := newGateway(t)
	f.notify(f.user, 3, "delegated")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), Email: smtpFor(t, srv, notice.TLSStartTLS, pool), SMS: smsFor(g),
		Signature: "财政评审", BaseURL: "https://pingshen.example.gov.cn"})
	n, err := d.RunOnce(context.Background())
	if err != nil || n != 6 {
		t.Fatalf("RunOnce = %d, %v; want 6 delivered", n, err)
	}
	mails := srv.received()
	if len(mails) != 3 {
		t.Fatalf("%d mails, want 3", len(mails))
	}
	keys := map[string]bool{}
	for _, m := range mails {
		if !m.TLS || !m.Authed || !strings.Contains(m.To, "unit@example.com") {
			t.Errorf("mail tls=%v authed=%v to=%q", m.TLS, m.Authed, m.To)
		}
		i := strings.Index(m.Data, "Message-ID: <fr-")
		if i < 0 {
			t.Fatalf("no Message-ID from the key in %q", m.Data)
		}
		keys[m.Data[i:i+40]] = true
	}
	if len(keys) != 3 {
		t.Errorf("Message-IDs not distinct: %v", keys)
	}
	reqs, _ := g.snapshot()
	if len(reqs) != 3 {
		t.Fatalf("%d SMS, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Auth != "Bearer gw-key" || r.Phone != "13800138000" || !strings.HasPrefix(r.Text, "【财政评审】") || !strings.HasPrefix(r.ID, "fr-") {
			t.Errorf("SMS %+v", r)
		}
	}
	if n, err := d.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("second pass = %d, %v; want nothing sent", n, err)
	}
	if st := f.states("email"); st["delivered"] != 3 {
		t.Errorf("email states %v", st)
	}
}

// Implicit TLS (port 465 style) works too.
func TestDispatcherImplicitTLS(t *testing.T) {
	f := newFixture(t)
	srv, pool := newSMTPServer(t, true)
	f.notify(f.user, 1, "concluded")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), Email: smtpFor(t, srv, notice.TLSImplicit, pool)})
	if n, err := d.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if m := srv.received(); len(m) != 1 || !m[0].TLS || !m[0].Authed {
		t.Fatalf("mails %+v", m)
	}
}

// A failing gateway is tried again after the backoff with the same id; a
// refusal goes to the dead letters at once, where it can be retried or
// dropped; every attempt is recorded.
func TestDispatcherRetriesAndDeadLetters(t *testing.T) {
	f := newFixture(t)
	g := newGateway(t)
	g.set(func(g *gateway) { g.fail = 1 })
	f.notify(f.user, 1, "returned")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), SMS: smsFor(g), Backoff: time.Minute})
	if n, err := d.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("first pass = %d, %v; want the failure", n, err)
	}
	if st := f.states("sms"); st["pending"] != 1 {
		t.Fatalf("after a 500: %v, want pending", st)
	}
	if n, _ := d.RunOnce(context.Background()); n != 0 {
		t.Fatalf("retried before the backoff")
	}
	f.now = f.now.Add(61 * time.Second)
	if n, err := d.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("after the backoff = %d, %v", n, err)
	}
	reqs, seen := g.snapshot()
	if len(reqs) != 2 || reqs[0].ID != reqs[1].ID || len(seen) != 1 {
		t.Fatalf("requests %+v: want the same id twice, delivered once", reqs)
	}
	var attempts, ok int
	f.s.DB.QueryRow("SELECT COUNT(*), SUM(ok) FROM notice_attempts").Scan(&attempts, &ok)
	if attempts != 2 || ok != 1 {
		t.Errorf("attempts %d ok %d, want 2 and 1", attempts, ok)
	}

	g.set(func(g *gateway) { g.refuse = true })
	f.notify(f.user, 1, "returned")
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	dead, err := f.s.Deliveries(context.Background(), store.DeliveryDead, 10)
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].LastError, "400") {
		t.Fatalf("dead letters %+v, %v", dead, err)
	}
	g.set(func(g *gateway) { g.refuse = false })
	if err := f.s.RequeueDeadDelivery(context.Background(), dead[0].ID, f.now); err != nil {
		t.Fatal(err)
	}
	if n, err := d.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("retried dead letter = %d, %v", n, err)
	}
	if err := f.s.DropDeadDelivery(context.Background(), dead[0].ID); err == nil {
		t.Fatal("dropped a delivered message")
	}
}

type panicking struct{}

func (panicking) Send(context.Context, notice.Message) error { panic("poison") }

// A message that makes its channel panic does not stop the dispatcher: it
// goes to the dead letters and the others are delivered.
func TestDispatcherPoisonMessageIsDead(t *testing.T) {
	f := newFixture(t)
	srv, pool := newSMTPServer(t, false)
	f.notify(f.user, 2, "delegated")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), SMS: panicking{}, Email: smtpFor(t, srv, notice.TLSStartTLS, pool)})
	n, err := d.RunOnce(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("RunOnce = %d, %v; want the 2 mails", n, err)
	}
	if st := f.states("sms"); st["dead"] != 2 {
		t.Fatalf("sms states %v, want 2 dead", st)
	}
}

// SMS wait out the quiet hours; a user's own hours replace the default,
// and a refused kind is not sent on that channel.
func TestDispatcherQuietHoursAndChoices(t *testing.T) {
	f := newFixture(t)
	g := newGateway(t)
	f.now = at(t, "2026-12-07T23:10:00+08:00")
	night := f.userWith("13900139000", "")
	f.exec("UPDATE users SET sms_quiet = '' WHERE id = ?", night) // never quiet
	f.exec("INSERT INTO notice_optouts (user_id, kind, channel) VALUES (?, 'nudge', 'sms')", f.user)
	f.notify(f.user, 1, "opinion_sent")
	f.notify(f.user, 1, "nudge")
	f.notify(night, 1, "opinion_sent")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), SMS: smsFor(g)})
	if n, err := d.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("at night = %d, %v; want only the user without quiet hours", n, err)
	}
	f.now = at(t, "2026-12-08T06:59:00+08:00")
	if n, _ := d.RunOnce(context.Background()); n != 0 {
		t.Fatalf("sent %d before 07:00", n)
	}
	f.now = at(t, "2026-12-08T07:00:00+08:00")
	if n, err := d.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("at 07:00 = %d, %v; want the waiting one (the nudge was refused)", n, err)
	}
}

// A user who chose the digest gets one mail a day at 08:00 with all the
// notices of the day.
func TestDispatcherDailyDigest(t *testing.T) {
	f := newFixture(t)
	srv, pool := newSMTPServer(t, false)
	f.exec("UPDATE users SET email_digest = TRUE WHERE id = ?", f.user)
	f.notify(f.user, 3, "deadline_reminder")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), Email: smtpFor(t, srv, notice.TLSStartTLS, pool)})
	if n, _ := d.RunOnce(context.Background()); n != 0 {
		t.Fatalf("sent %d before the digest", n)
	}
	f.now = at(t, "2026-12-08T08:00:00+08:00")
	if n, err := d.RunOnce(context.Background()); err != nil || n != 3 {
		t.Fatalf("digest = %d, %v; want 3 notices in it", n, err)
	}
	if m := srv.received(); len(m) != 1 || !strings.Contains(m[0].Data, "Message-ID: <fr-digest-") {
		t.Fatalf("mails %+v, want one digest", m)
	}
}

// A mail server's 550 for the recipient is final: the delivery is dead at
// once, and the address it quotes is kept masked.
func TestDispatcherRefusedRecipientIsDeadAndMasked(t *testing.T) {
	f := newFixture(t)
	srv, pool := newSMTPServer(t, false)
	u := f.userWith("", "zhangsan@refused.example")
	f.notify(u, 1, "concluded")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), Email: smtpFor(t, srv, notice.TLSStartTLS, pool)})
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	dead, err := f.s.Deliveries(context.Background(), store.DeliveryDead, 10)
	if err != nil || len(dead) != 1 || dead[0].Attempts != 1 {
		t.Fatalf("dead letters %+v, %v; want one after one attempt", dead, err)
	}
	if strings.Contains(dead[0].LastError, "zhangsan@refused.example") || !strings.Contains(dead[0].LastError, "550") {
		t.Errorf("last error %q: want the 550 without the address", dead[0].LastError)
	}
}

// A retry that would fall in the recipient's own quiet hours waits for
// their end.
func TestDispatcherRetryWaitsOutUserQuietHours(t *testing.T) {
	f := newFixture(t)
	g := newGateway(t)
	g.set(func(g *gateway) { g.fail = 1 })
	f.now = at(t, "2026-12-07T09:59:30+08:00")
	f.exec("UPDATE users SET sms_quiet = '10:00-11:00' WHERE id = ?", f.user)
	f.notify(f.user, 1, "returned")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), SMS: smsFor(g), Backoff: time.Minute})
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var next time.Time
	if err := f.s.DB.QueryRow("SELECT next_at FROM notice_deliveries").Scan(&next); err != nil {
		t.Fatal(err)
	}
	if want := at(t, "2026-12-07T11:00:00+08:00"); !next.Equal(want) {
		t.Fatalf("retry at %v, want %v", next, want)
	}
}

// A pass that panics does not end Run: the next pass delivers.
func TestDispatcherRunOutlivesAPanickingPass(t *testing.T) {
	f := newFixture(t)
	g := newGateway(t)
	f.exec("UPDATE users SET sms_quiet = '' WHERE id = ?", f.user)
	f.notify(f.user, 1, "returned")
	var calls atomic.Int64
	now := func() time.Time {
		if calls.Add(1) == 1 {
			panic("clock broke")
		}
		return f.now
	}
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: now, SMS: smsFor(g), Interval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, seen := g.snapshot(); len(seen) == 1 {
			if calls.Load() < 2 {
				t.Fatal("the clock never panicked")
			}
			return
		}
	}
	t.Fatal("nothing delivered after the panicking pass")
}
