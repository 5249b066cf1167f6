package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Migrate creates the database named in dsn if missing and applies every
// migration in files not yet recorded in schema_migrations. It takes a
// named lock, so two processes migrating at once apply each file once.
// It returns the names of the files applied.
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

	mcfg := cfg.Clone()
	mcfg.MultiStatements = true
	db, err := Open(ctx, mcfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	lock := "finreview_migrate_" + name
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", lock).Scan(&got); err != nil || got.Int64 != 1 {
		return nil, fmt.Errorf("take migration lock: %v", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", lock)

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version VARCHAR(255) NOT NULL PRIMARY KEY,
		applied_at DATETIME(6) NOT NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[string]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		applied[v] = true
	}
	rows.Close()

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
		if _, err := conn.ExecContext(ctx, string(body)); err != nil {
			return done, fmt.Errorf("migration %s: %w", n, err)
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", n, time.Now()); err != nil {
			return done, fmt.Errorf("record migration %s: %w", n, err)
		}
		done = append(done, n)
	}
	return done, nil
}
