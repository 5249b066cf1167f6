package store

import (
	"context"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
)

// MariaDB spends much of a short statement's time parsing its text: the
// review lock, with its subqueries, cost the server 105–178 µs as text and
// 83–106 µs run from a statement prepared once. The statements every
// transition sends are therefore registered (hot) and prepared once per
// connection, with SQL's own PREPARE, which travels in the batch of the
// statement's first use there; a transaction then sends
// `EXECUTE name USING …` in their place. They still travel in the batches
// of tx.go, their arguments escaped by the driver as ever; a statement
// that is not registered, or one outside a transaction, goes as text.

// A preparedStmt is a statement registered for preparing.
type preparedStmt struct {
	name string // the server-side name: fr_ and a hash of the text
	text string
	exec string // the EXECUTE that runs it, a placeholder per argument
}

// registered maps a statement's exact text to its *preparedStmt, and
// names a name to the text that holds it.
var registered, names sync.Map

// hot registers text for preparing and returns it unchanged. Only texts of
// a bounded number of shapes may be registered: a connection keeps every
// statement it prepared for as long as it lives. A text whose name (its
// hash) another text holds already is not registered, and goes as text.
func hot(text string) string {
	if _, ok := registered.Load(text); ok {
		return text
	}
	h := fnv.New64a()
	h.Write([]byte(text))
	name := "fr_" + strconv.FormatUint(h.Sum64(), 36)
	if holder, taken := names.LoadOrStore(name, text); taken && holder.(string) != text {
		return text
	}
	exec := "EXECUTE " + name
	if n := countPlaceholders(text); n > 0 {
		exec += " USING ?" + strings.Repeat(", ?", n-1)
	}
	registered.LoadOrStore(text, &preparedStmt{name: name, text: text, exec: exec})
	return text
}

// countPlaceholders counts the ? of text outside quoted strings and
// identifiers, as the driver does when it interpolates arguments.
func countPlaceholders(text string) int {
	n := 0
	var quote byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '?':
			n++
		}
	}
	return n
}

// prepare is the PREPARE of p. Its text goes in hexadecimal, so it
// reaches the server byte for byte whatever the session's escaping rules
// (NO_BACKSLASH_ESCAPES among them).
func (p *preparedStmt) prepare() string {
	return "PREPARE " + p.name + " FROM CONVERT(X'" + hex.EncodeToString([]byte(p.text)) + "' USING utf8mb4)"
}

// preparingConnector opens connections that remember which statements
// they have prepared.
type preparingConnector struct{ driver.Connector }

func (c preparingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &preparedConn{Conn: conn}, nil
}

// preparedConn is a driver connection with the names it has prepared.
// database/sql hands a connection to one user at a time, so the set needs
// no lock.
type preparedConn struct {
	driver.Conn
	names map[string]bool
}

// swap returns the text to send for s on this connection, and the PREPARE
// it needs first ("" when it is prepared already or is not registered).
func (pc *preparedConn) swap(query string) (send, prepare string) {
	v, ok := registered.Load(query)
	if !ok {
		return query, ""
	}
	p := v.(*preparedStmt)
	if pc.names[p.name] {
		return p.exec, ""
	}
	if pc.names == nil {
		pc.names = map[string]bool{}
	}
	pc.names[p.name] = true
	return p.exec, p.prepare()
}

// forget drops what the connection believes it has prepared, after a
// batch that may have stopped before a PREPARE it carried.
func (pc *preparedConn) forget() { pc.names = nil }

// The driver's optional interfaces, passed through.

func (pc *preparedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := pc.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (pc *preparedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := pc.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (pc *preparedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := pc.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return pc.Conn.Prepare(query)
}

func (pc *preparedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := pc.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return nil, fmt.Errorf("store: driver connection cannot begin with options")
}

func (pc *preparedConn) Ping(ctx context.Context) error {
	if p, ok := pc.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (pc *preparedConn) ResetSession(ctx context.Context) error {
	if r, ok := pc.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (pc *preparedConn) IsValid() bool {
	if v, ok := pc.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (pc *preparedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := pc.Conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
