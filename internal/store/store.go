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

	// What the database refused in the values it was given (not in how it
	// was asked), each wrapped in an *InputError naming the column
	// (input_error.go).

	// ErrTooLong is a text longer than its column (MariaDB 1406).
	ErrTooLong = errors.New("value too long for column")
	// ErrMissingReference is an id that names no row of the table it
	// refers to (MariaDB 1452).
	ErrMissingReference = errors.New("referenced row does not exist")
	// ErrBadValue is a value the column cannot hold: bytes that are not
	// UTF-8 text (1366) or a number out of its range (1264).
	ErrBadValue = errors.New("value not valid for column")
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
	// tx is set in a transaction's Queries (InTx, InClaimTx).
	tx bool
	// cal is the process's calendar cache, shared by the pool's Queries
	// and every transaction's (calendar.go).
	cal *calendarCache
	// calWritten is set once a transaction edits the calendar: what it
	// reads of the calendar then is not committed and is never cached.
	calWritten bool
	// batch collects some of a transaction's writes once it started one
	// (StartBatch, batch.go).
	batch *Batch
	// sealer seals personal information at rest (SetSealer); nil: none.
	sealer *pii.Sealer
	// suite is the cryptographic suite recorded at installation
	// (RecordSuite, suite.go); "": international.
	suite cryptosuite.Suite
	// orgWrites is the Store's count of writes to organizations
	// (OrganizationWrites), shared by the pool's Queries and every
	// transaction's.
	orgWrites *atomic.Uint64
	// orgsWritten is set once a transaction writes organizations: the
	// Store counts the write when it commits.
	orgsWritten bool
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
	// orgWrites counts the writes to organizations made through this
	// Store (OrganizationWrites).
	orgWrites atomic.Uint64
}

// New wraps an open database.
func New(db *sql.DB) *Store {
	s := &Store{DB: db}
	s.Queries = Queries{db: pool{DB: db, retries: &s.retries}, cal: &calendarCache{}, orgWrites: &s.orgWrites}
	return s
}

// pool runs a Store's statements outside any transaction, each committed
// on its own (no query carries two statements: MultiStatements is off). A
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
	return execAgain(ctx, p.retries, func() (sql.Result, error) { return p.DB.ExecContext(ctx, query, args...) })
}

// execAgain runs a lone statement through exec, again while it loses a
// conflict (error 1213: it had no effect) and TxRetryFor has not passed,
// counting each retry in retries when it is not nil.
func execAgain(ctx context.Context, retries *atomic.Int64, exec func() (sql.Result, error)) (sql.Result, error) {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		res, err := exec()
		if !IsDeadlock(err) || ctx.Err() != nil || time.Since(start) > TxRetryFor {
			return res, err
		}
		if retries != nil {
			retries.Add(1)
		}
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
	// One statement per query: a query never carries a second statement
	// that could run after the first failed or its transaction was aborted
	// (on a Galera node, the statements after an abort would run outside
	// any transaction).
	cfg.MultiStatements = false
	return openConfig(ctx, cfg)
}

// openConfig opens a pool for cfg and checks that the server answers.
func openConfig(ctx context.Context, cfg *mysql.Config) (*sql.DB, error) {
	// Arguments are interpolated client-side (safely, for utf8mb4): one
	// round trip per statement instead of prepare, execute and close.
	cfg.InterpolateParams = true
	// Times go out as the columns hold them, to the microsecond. With the
	// driver's default, nine fractional digits, MariaDB cannot compare the
	// literal with a DATETIME(6) index: a bound such as due_at < now read
	// every pending deadline through the state part of (state, due_at)
	// instead of the range, 30,000 index entries a scan on a province.
	if err := cfg.Apply(mysql.TimeTruncate(time.Microsecond)); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sql.OpenDB(patientConnector{connector})
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
