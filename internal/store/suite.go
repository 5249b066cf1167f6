package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"finreview/internal/cryptosuite"
)

// SuiteMismatchError refuses a start whose configured suite is not the
// one the database was installed with.
type SuiteMismatchError struct {
	Recorded, Configured cryptosuite.Suite
	// Upgrade is set when the database predates the choice and already
	// holds an audit trail chained with SHA-256.
	Upgrade bool
}

func (e *SuiteMismatchError) Error() string {
	if e.Upgrade {
		return fmt.Sprintf("密码算法配置不符:该数据库已有按 SHA-256 链接的审计记录,只能沿用国际算法;"+
			"FINREVIEW_CRYPTO_SUITE=%s 只能在全新安装时选择。请改为 FINREVIEW_CRYPTO_SUITE=intl 后再启动。", e.Configured)
	}
	return fmt.Sprintf("密码算法配置不符:该数据库安装时选定的是%s(crypto_suite=%s),本次配置 FINREVIEW_CRYPTO_SUITE=%s(%s)。"+
		"审计链、文档摘要和个人信息加密均按安装时的选择进行,请将 FINREVIEW_CRYPTO_SUITE 改回 %s 后再启动。",
		e.Recorded.Label(), e.Recorded, e.Configured, e.Configured.Label(), e.Recorded)
}

// RecordedSuite is the suite the database was installed with; ErrNotFound
// before it was recorded.
func (q *Queries) RecordedSuite(ctx context.Context) (cryptosuite.Suite, error) {
	var v string
	err := q.db.QueryRowContext(ctx, "SELECT value FROM install_settings WHERE name = 'crypto_suite'").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return cryptosuite.Parse(v)
}

// RecordSuite records the configured suite on the first start after
// installation (or the first migrate) and, on every later start, checks
// the configuration against the recorded one: a mismatch is a
// *SuiteMismatchError. The store then runs with the suite.
func (s *Store) RecordSuite(ctx context.Context, configured cryptosuite.Suite) error {
	recorded, err := s.RecordedSuite(ctx)
	if errors.Is(err, ErrNotFound) {
		if configured == cryptosuite.GM {
			var trail bool
			if err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM audit_events)").Scan(&trail); err != nil {
				return err
			}
			if trail {
				return &SuiteMismatchError{Recorded: cryptosuite.Intl, Configured: configured, Upgrade: true}
			}
		}
		// Two instances starting at once both insert; the first wins and
		// the other compares with it below.
		if _, err := s.db.ExecContext(ctx, "INSERT IGNORE INTO install_settings (name, value, recorded_at) VALUES ('crypto_suite', ?, ?)",
			string(configured), time.Now().UTC()); err != nil {
			return err
		}
		recorded, err = s.RecordedSuite(ctx)
	}
	if err != nil {
		return err
	}
	if recorded != configured {
		return &SuiteMismatchError{Recorded: recorded, Configured: configured}
	}
	s.suite = recorded
	return nil
}

// SetSuite makes the store run with a suite without recording it (tests).
func (s *Store) SetSuite(x cryptosuite.Suite) { s.suite = x }

// Suite is the suite the store runs with: the audit chain's digest and
// the sealing of personal information follow it. Intl unless set.
func (q *Queries) Suite() cryptosuite.Suite {
	if q.suite == "" {
		return cryptosuite.Intl
	}
	return q.suite
}
