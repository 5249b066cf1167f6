// Package store holds every SQL statement of finreview. It wraps *sql.DB,
// translates driver errors into sentinels and runs multi-step writes in
// transactions through InTx.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/cryptosuite"
	"finreview/internal/pii"
)

// Sentinel errors returned by the store.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("duplicate entry")
	// ErrStale means an optimistic-locking update found a newer version.
	ErrStale = errors.New("stale version")
)

// DBTX is what both *sql.DB and *sql.Tx offer.
type DBTX interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Queries runs statements on a connection pool or inside a transaction.
type Queries struct {
	db DBTX
	// cal is the process's calendar cache, shared by the pool's Queries
	// and every transaction's.
	cal *calendarCache
	// calVersion is the calendar version a transaction has already read
	// (0: not read); only a transaction's own Queries sets it.
	calVersion int64
	// calWritten is set once a transaction edits the calendar.
	calWritten bool
	// heads are the heads of the review chains the transaction holds
	// locked (with their reviews).
	heads map[int64]auditHead
	// memo holds the user lists a transaction has read, once it asked to
	// remember them (RememberUsers).
	memo map[string]any
	// deferUpdates makes UpdateReview defer its statement and have the
	// commit verify it (DeferReviewUpdates).
	deferUpdates bool
	// sealer seals personal information at rest (SetSealer); nil: none.
	sealer *pii.Sealer
	// suite is the cryptographic suite recorded at installation
	// (RecordSuite, suite.go); "": international.
	suite cryptosuite.Suite
}

// RememberUsers makes the transaction read each list of recipients (users
// by role, organization or jurisdiction) once: a claim of a hundred
// deadlines mostly tells the same few organizations. Only for transactions
// that do not change users.
func (q *Queries) RememberUsers() {
	if q.memo == nil {
		q.memo = map[string]any{}
	}
}

// remembered returns the list under key, reading it with read unless the
// transaction remembers it already.
func remembered[T any](q *Queries, key string, read func() ([]T, error)) ([]T, error) {
	if q.memo == nil {
		return read()
	}
	if v, ok := q.memo[key]; ok {
		return v.([]T), nil
	}
	v, err := read()
	if err == nil {
		q.memo[key] = v
	}
	return v, err
}

// Store is the entry point: reads run on the pool, writes of several steps
// through InTx.
type Store struct {
	Queries
	DB *sql.DB
	// auditKey keys the audit anchors' MACs; it never enters the database.
	auditKey []byte
	// retries counts transactions run again after a deadlock (tx.go).
	retries atomic.Int64
	// galera is whether the server is a Galera node (wsrep_on), asked
	// once it answers (onGalera).
	galeraMu    sync.Mutex
	galera      bool
	galeraKnown bool
}

// onGalera reports whether the server is a node of a Galera cluster: its
// transactions then send each statement in a query of its own (tx.go).
// The answer is asked once the server answers, and kept.
func (s *Store) onGalera(ctx context.Context) bool {
	s.galeraMu.Lock()
	defer s.galeraMu.Unlock()
	if s.galeraKnown {
		return s.galera
	}
	var on sql.NullInt64
	err := s.DB.QueryRowContext(ctx, "SELECT @@GLOBAL.wsrep_on").Scan(&on)
	var me *mysql.MySQLError
	switch {
	case err == nil:
		s.galera, s.galeraKnown = on.Int64 == 1, true
	case errors.As(err, &me):
		s.galera, s.galeraKnown = false, true // no such variable: not Galera
	}
	return s.galera
}

// New wraps an open database.
func New(db *sql.DB) *Store {
	s := &Store{DB: db}
	s.Queries = Queries{db: pool{DB: db, retries: &s.retries}, cal: &calendarCache{}}
	return s
}

// pool runs a Store's statements outside any transaction, each on its own
// (several statements travel in one query only inside a transaction). A
// write that lost a certification conflict on a Galera cluster, or was
// chosen as an InnoDB deadlock victim, had no effect (error 1213; the
// server never retries it, wsrep_retry_autocommit=0): it is sent again, as
// run sends a whole transaction again. Two instances signing the same
// person in through two nodes both update that user's row.
type pool struct {
	*sql.DB
	retries *atomic.Int64
}

func (p pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		res, err := p.DB.ExecContext(ctx, query, args...)
		if !IsDeadlock(err) || ctx.Err() != nil || time.Since(start) > TxRetryFor {
			return res, err
		}
		p.retries.Add(1)
		if !pauseBeforeRetry(ctx, attempt) {
			return res, err
		}
	}
}

// Open opens the pool for dsn and checks that the server answers.
func Open(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	// Arguments are interpolated client-side (safely, for utf8mb4): one
	// round trip per statement instead of prepare, execute and close.
	cfg.InterpolateParams = true
	// Several statements may travel in one round trip (see batch.go); the
	// arguments are still escaped by the driver, never spliced by hand.
	cfg.MultiStatements = true
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Connections remember the statements they have prepared (prepared.go).
	db := sql.OpenDB(patientConnector{preparingConnector{connector}})
	db.SetMaxOpenConns(64)
	db.SetMaxIdleConns(32)
	db.SetConnMaxLifetime(30 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// ConnectPatience bounds how long a new connection is tried again when
// the server refused it, or closed it before greeting it: a node
// restarting, or HAProxy with no node passing its health check for a
// moment. No statement was sent then, so trying again changes nothing.
const ConnectPatience = 10 * time.Second

// patientConnector connects as its Connector does, and connects again,
// within ConnectPatience and the caller's context, when the connection was
// refused or closed before the server greeted it. Any other failure, and
// any failure once a statement was sent, is the caller's to handle.
type patientConnector struct{ driver.Connector }

func (c patientConnector) Connect(ctx context.Context) (driver.Conn, error) {
	give := time.Now().Add(ConnectPatience)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		conn, err := c.Connector.Connect(ctx)
		if err == nil || !refusedBeforeGreeting(err) || time.Now().Add(wait).After(give) {
			return conn, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

// refusedBeforeGreeting reports whether a connection attempt failed before
// anything was asked of the server: refused, or closed before its
// greeting (the driver's ErrInvalidConn while connecting).
func refusedBeforeGreeting(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, mysql.ErrInvalidConn)
}

// IsDeadlock reports whether err is InnoDB choosing this transaction as a
// deadlock victim: it was rolled back whole and may simply run again.
func IsDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

// IsUnavailable reports whether err means the database could not be
// reached or went away mid-statement (restarted, shut down, connection
// killed): the request may be tried again once it is back.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053, 1927, 2002, 2003, 2006, 2013: // too many connections, shutdown, killed, gone
			return true
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// translate maps driver errors to the store's sentinels.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if ie, ok := AsInputError(err); ok {
		return ie
	}
	return err
}

// SetAuditKey gives the store the key of the audit trail's anchors (see
// package audit), read by the process from outside the database.
func (s *Store) SetAuditKey(key []byte) { s.auditKey = key }

// SetSealer gives the store the SM4 key personal information is sealed
// with at rest (users' phone numbers and email addresses).
func (s *Store) SetSealer(p *pii.Sealer) { s.sealer = p }

// AuditKey is the key of the audit trail's anchors; nil when none was set.
func (s *Store) AuditKey() []byte { return s.auditKey }
