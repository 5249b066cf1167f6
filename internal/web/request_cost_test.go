package web_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/auth"
	"finreview/internal/demo"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

// statementLog records every statement a database pool sends: queries,
// writes, prepares, and the begin and commit of transactions.
type statementLog struct {
	mu   sync.Mutex
	sent []string
}

func (l *statementLog) add(query string) {
	l.mu.Lock()
	l.sent = append(l.sent, strings.Join(strings.Fields(query), " "))
	l.mu.Unlock()
}

// take returns the statements sent since the last take.
func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sent
	l.sent = nil
	return out
}

// countingConnector opens connections that record what they send.
type countingConnector struct {
	driver.Connector
	log *statementLog
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, log: c.log}, nil
}

// countingConn forwards to the driver's connection what database/sql asks
// of it (the go-sql-driver connection implements every one of these).
type countingConn struct {
	driver.Conn
	log *statementLog
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.log.add(query)
	}
	return res, err
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.log.add(query)
	}
	return rows, err
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.log.add("PREPARE " + query)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.log.add("BEGIN")
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{Tx: tx, log: c.log}, nil
}

func (c *countingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *countingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *countingConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	return c.Conn.(driver.NamedValueChecker).CheckNamedValue(v)
}

type countingTx struct {
	driver.Tx
	log *statementLog
}

func (t countingTx) Commit() error {
	t.log.add("COMMIT")
	return t.Tx.Commit()
}

func (t countingTx) Rollback() error {
	t.log.add("ROLLBACK")
	return t.Tx.Rollback()
}

// countingStore is a second store over s's database whose statements l
// records.
func countingStore(t *testing.T, s *store.Store) (*store.Store, *statementLog) {
	t.Helper()
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(testenv.DSN(t, name))
	if err != nil {
		t.Fatal(err)
	}
	cfg.InterpolateParams = true // as store.Open has it
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := &statementLog{}
	db := sql.OpenDB(countingConnector{Connector: connector, log: l})
	t.Cleanup(func() { db.Close() })
	cs := store.New(db)
	cs.SetAuditKey(testenv.AuditKey)
	return cs, l
}

// perRequest matches the statements every signed-in page used to send
// before its own work: the session, its user, the security policy, the
// jurisdiction named in the header and the unread notices.
var perRequest = regexp.MustCompile(`\bFROM sessions\b|\bUPDATE sessions\b|^SELECT [^;]* FROM users WHERE id = \?|` +
	`\bFROM security_policy\b|^SELECT id, code, name, is_city FROM jurisdictions\b|` +
	`^SELECT COUNT\(\*\) FROM notifications WHERE user_id = \? AND read_at IS NULL$`)

// costApp is the web app over a counting store of a fresh database with
// the demo city, on a clock that stands still unless the test moves it
// (later), and the session cookie of username signed in.
func costApp(t *testing.T, username string) (app *web.App, s *store.Store, sent *statementLog, later func(time.Duration), cookie *http.Cookie) {
	t.Helper()
	s = testenv.DB(t)
	testenv.Demo(t, s)
	cs, sent := countingStore(t, s)
	base := time.Now()
	var offset atomic.Int64
	now := func() time.Time { return base.Add(time.Duration(offset.Load())) }
	app, err := web.New(web.Deps{Log: slog.New(slog.DiscardHandler), Auth: auth.NewService(cs, now),
		Services: web.FillServices(cs, now, web.Services{})})
	if err != nil {
		t.Fatal(err)
	}
	cookie, _ = login(t, app, username, demo.Password)
	if cookie == nil {
		t.Fatal("sign-in failed")
	}
	return app, s, sent, func(d time.Duration) { offset.Add(int64(d)) }, cookie
}

// costGet answers GET path with cookie, and the statements it sent.
func costGet(t *testing.T, app *web.App, sent *statementLog, cookie *http.Cookie, path string) (string, []string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(cookie)
	sent.take()
	resp, body := do(t, app, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, body)
	}
	return body, sent.take()
}

func perRequestOf(stmts []string) []string {
	var out []string
	for _, q := range stmts {
		if perRequest.MatchString(q) {
			out = append(out, q)
		}
	}
	return out
}

// TestSignedInPageStatements counts the statements of signed-in pages:
// within auth.TokenTrust of the last look-up, a page sends only its own
// statements (it sent six more before: the session, its user, the policy
// twice, the jurisdiction and the unread count); after it, the session
// with its user, the policy and the unread count cost three.
func TestSignedInPageStatements(t *testing.T) {
	app, _, sent, later, cookie := costApp(t, "jianshe")
	for _, path := range []string{"/account/tokens", "/notifications", "/"} {
		costGet(t, app, sent, cookie, path) // the first look-up of this path's own
		body, warm := costGet(t, app, sent, cookie, path)
		if !strings.Contains(body, `<span class="juris">临河区</span>`) {
			t.Errorf("%s: the header does not name the unit's jurisdiction", path)
		}
		t.Logf("%s within the trust: %d statements, %d of them the session's and the header's", path, len(warm), len(perRequestOf(warm)))
		if h := perRequestOf(warm); len(h) > 0 {
			t.Errorf("%s within the trust read the session or the header again:\n%s", path, strings.Join(h, "\n"))
		}
	}

	later(auth.TokenTrust + time.Second)
	_, stmts := costGet(t, app, sent, cookie, "/account/tokens")
	cold := perRequestOf(stmts)
	t.Logf("/account/tokens after the trust: %d statements, %d of them the session's and the header's:\n%s",
		len(stmts), len(cold), strings.Join(cold, "\n"))
	if len(cold) > 3 {
		t.Errorf("after the trust, the session and the header cost %d statements, want at most 3 (session with user, policy, unread)", len(cold))
	}
}

var unreadBadge = regexp.MustCompile(`data-testid="unread">(\d+)<`)

// TestHeaderAfterReadingAndSigningOut: marking the notices read clears
// the header's count on the next page at once, though the count was
// cached; a notice sent meanwhile shows within auth.TokenTrust; signing
// out ends the cached session at once.
func TestHeaderAfterReadingAndSigningOut(t *testing.T) {
	app, s, sent, later, cookie := costApp(t, "jianshe")
	ctx := context.Background()
	u, err := s.UserByUsername(ctx, "jianshe")
	if err != nil {
		t.Fatal(err)
	}
	notify := func() {
		t.Helper()
		if err := s.InsertNotification(ctx, store.Notification{UserID: u.ID, Kind: "nudge", Title: "催办", Body: "请尽快处理"}); err != nil {
			t.Fatal(err)
		}
	}
	unread := func() string {
		t.Helper()
		body, _ := costGet(t, app, sent, cookie, "/account/tokens")
		if m := unreadBadge.FindStringSubmatch(body); m != nil {
			return m[1]
		}
		return "0"
	}
	post := func(path string) *http.Response {
		t.Helper()
		body, _ := costGet(t, app, sent, cookie, "/account/tokens")
		m := csrfField.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no CSRF field on the page")
		}
		req := httptest.NewRequest("POST", path, strings.NewReader(url.Values{"_csrf": {m[1]}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		resp, _ := do(t, app, req)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
		return resp
	}

	notify()
	later(auth.TokenTrust)
	if n := unread(); n != "1" {
		t.Fatalf("unread %s, want 1", n)
	}
	post("/notifications/read")
	if n := unread(); n != "0" {
		t.Fatalf("unread %s right after marking read, want 0", n)
	}
	notify()
	later(auth.TokenTrust)
	if n := unread(); n != "1" {
		t.Fatalf("unread %s a TokenTrust after a new notice, want 1", n)
	}

	post("/logout")
	req := httptest.NewRequest("GET", "/account/tokens", nil)
	req.AddCookie(cookie)
	if resp, _ := do(t, app, req); resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a page right after signing out answered %d, want the way to sign in", resp.StatusCode)
	}
}
