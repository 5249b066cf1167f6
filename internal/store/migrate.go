package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Migrate creates the database named in dsn if missing and applies every
// migration in files not yet recorded in schema_migrations. It claims the
// row of schema_migrations_lock first, so two processes migrating at once
// apply each file once, on one server or on different nodes of a Galera
// cluster (where GET_LOCK is node-local or refused). It returns the names
// of the files applied.
func Migrate(ctx context.Context, dsn string, files fs.FS) ([]string, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	name := cfg.DBName
	server := cfg.Clone()
	server.DBName = ""
	admin, err := Open(ctx, server.FormatDSN())
	if err != nil {
		return nil, err
	}
	_, err = admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+strings.ReplaceAll(name, "`", "``")+
		"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	admin.Close()
	if err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}

	// A migration file is one query of several statements.
	mcfg := cfg.Clone()
	mcfg.MultiStatements = true
	db, err := openConfig(ctx, mcfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version VARCHAR(255) NOT NULL PRIMARY KEY,
		applied_at DATETIME(6) NOT NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	lock, err := claimMigrationLock(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer lock.release(context.WithoutCancel(ctx))
	applied := map[string]bool{}
	err = queryEach(ctx, conn, scanValue[string], func(v string) error {
		applied[v] = true
		return nil
	}, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}

	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var done []string
	for _, n := range names {
		if applied[n] {
			continue
		}
		body, err := fs.ReadFile(files, n)
		if err != nil {
			return done, err
		}
		if err := lock.renew(ctx); err != nil {
			return done, err
		}
		if _, err := conn.ExecContext(ctx, string(body)); err != nil {
			return done, fmt.Errorf("migration %s: %w", n, err)
		}
		if _, err := lock.exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", n, time.Now()); err != nil {
			return done, fmt.Errorf("record migration %s: %w", n, err)
		}
		done = append(done, n)
	}
	return done, nil
}

// MigrationLease is how long a claim of the migration lock lasts unless
// renewed (before each file): a migrating process that died holds it no
// longer than this.
const MigrationLease = 5 * time.Minute

// migrationLock is this process's claim of the one row of
// schema_migrations_lock.
type migrationLock struct {
	conn   *sql.Conn
	holder string
}

// claimMigrationLock waits until it has claimed the lock row: an UPDATE
// that takes the row only when it is free or its lease ran out. Two
// claims on two Galera nodes both change the row locally; certification
// lets one commit and fails the other with a deadlock error, which waits
// and tries again, and then finds the row taken.
func claimMigrationLock(ctx context.Context, conn *sql.Conn) (*migrationLock, error) {
	host, _ := os.Hostname()
	l := &migrationLock{conn: conn, holder: fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations_lock (
		id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
		holder VARCHAR(100) NULL,
		expires_at DATETIME(6) NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`); err != nil {
		return nil, fmt.Errorf("create schema_migrations_lock: %w", err)
	}
	give := time.Now().Add(MigrationLease + time.Minute)
	for {
		_, err := conn.ExecContext(ctx, "INSERT IGNORE INTO schema_migrations_lock (id) VALUES (1)")
		if err == nil {
			var res sql.Result
			res, err = conn.ExecContext(ctx, `UPDATE schema_migrations_lock
				SET holder = ?, expires_at = NOW(6) + INTERVAL ? SECOND
				WHERE id = 1 AND (holder IS NULL OR expires_at < NOW(6))`, l.holder, int(MigrationLease/time.Second))
			if err == nil {
				if n, _ := res.RowsAffected(); n == 1 {
					return l, nil
				}
			}
		}
		if err != nil && !IsDeadlock(err) {
			return nil, fmt.Errorf("take migration lock: %w", err)
		}
		if time.Now().After(give) {
			return nil, fmt.Errorf("take migration lock: another process has held it since before %s", give.Add(-MigrationLease-time.Minute).Format(time.RFC3339))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("take migration lock: %w", ctx.Err())
		case <-time.After(100*time.Millisecond + time.Duration(rand.Int64N(int64(100*time.Millisecond)))):
		}
	}
}

// exec sends a lone statement on the lock's connection, again while it
// loses a conflict (error 1213, no effect): on a Galera cluster another
// node's claim of the lock row, or its CREATE TABLE IF NOT EXISTS (run in
// total order, aborting what touches the table meanwhile), can abort it.
func (l *migrationLock) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return execAgain(ctx, nil, func() (sql.Result, error) { return l.conn.ExecContext(ctx, query, args...) })
}

// renew extends the lease; it fails when the claim was lost.
func (l *migrationLock) renew(ctx context.Context) error {
	res, err := l.exec(ctx, `UPDATE schema_migrations_lock SET expires_at = NOW(6) + INTERVAL ? SECOND
		WHERE id = 1 AND holder = ?`, int(MigrationLease/time.Second), l.holder)
	if err != nil {
		return fmt.Errorf("renew migration lock: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("renew migration lock: the claim ran out and another process took it")
	}
	return nil
}

func (l *migrationLock) release(ctx context.Context) {
	_, _ = l.exec(ctx, "UPDATE schema_migrations_lock SET holder = NULL, expires_at = NULL WHERE id = 1 AND holder = ?", l.holder)
}
