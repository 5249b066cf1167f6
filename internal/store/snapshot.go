package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/shopspring/decimal"
)

// A database snapshot is read and loaded over plain connections of the
// driver (no time parsing, no statement cache): every value travels as the
// server's text, so a dump loads back byte for byte.

// rawDSN turns dsn into one whose values come back as text.
func rawDSN(dsn string, multi bool) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	cfg.ParseTime = false
	cfg.InterpolateParams = true
	cfg.MultiStatements = multi
	return cfg, nil
}

func openRaw(ctx context.Context, cfg *mysql.Config) (*sql.DB, *sql.Conn, error) {
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, nil, err
	}
	db := sql.OpenDB(connector)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, conn, nil
}

// Snapshot is one read-only transaction over a consistent snapshot of the
// whole database: the dump and every figure read from it (row counts,
// audit heads, fee totals) describe the same instant, taken without
// stopping writers.
type Snapshot struct {
	db   *sql.DB
	conn *sql.Conn
	// BinlogFile and BinlogPos name the binary-log position of the
	// snapshot (empty when the server keeps no binary log): replaying the
	// log from there recovers later writes.
	BinlogFile string
	BinlogPos  int64
	// ServerVersion is the server's version string.
	ServerVersion string
}

// OpenSnapshot starts the snapshot transaction on the database of dsn.
func OpenSnapshot(ctx context.Context, dsn string) (*Snapshot, error) {
	cfg, err := rawDSN(dsn, false)
	if err != nil {
		return nil, err
	}
	db, conn, err := openRaw(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{db: db, conn: conn}
	for _, q := range []string{
		"SET SESSION time_zone = '+00:00'",
		"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
		"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			s.Close()
			return nil, fmt.Errorf("snapshot: %s: %w", q, err)
		}
	}
	// MariaDB reports the binary-log position matching the consistent
	// snapshot of this session, with no global lock.
	rows, err := conn.QueryContext(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("snapshot binlog position: %w", err)
	}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			rows.Close()
			s.Close()
			return nil, err
		}
		switch strings.ToLower(name) {
		case "binlog_snapshot_file":
			s.BinlogFile = value
		case "binlog_snapshot_position":
			s.BinlogPos, _ = strconv.ParseInt(value, 10, 64)
		}
	}
	rows.Close()
	if err := conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&s.ServerVersion); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close ends the transaction and the connection.
func (s *Snapshot) Close() {
	if s.conn != nil {
		_, _ = s.conn.ExecContext(context.Background(), "ROLLBACK")
		s.conn.Close()
	}
	s.db.Close()
}

// Tables lists the base tables of the database, sorted.
func (s *Snapshot) Tables(ctx context.Context) ([]string, error) {
	return tables(ctx, s.conn)
}

func tables(ctx context.Context, conn *sql.Conn) ([]string, error) {
	out, err := queryAll(ctx, conn, scanValue[string],
		"SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")
	sort.Strings(out)
	return out, err
}

// RowCounts counts the rows of every table.
func (s *Snapshot) RowCounts(ctx context.Context) (map[string]int64, error) {
	return rowCounts(ctx, s.conn)
}

func rowCounts(ctx context.Context, conn *sql.Conn) (map[string]int64, error) {
	names, err := tables(ctx, conn)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteName(n)).Scan(&c); err != nil {
			return nil, fmt.Errorf("count %s: %w", n, err)
		}
		out[n] = c
	}
	return out, nil
}

// AuditHeads returns every audit stream's head as of the snapshot.
func (s *Snapshot) AuditHeads(ctx context.Context) (map[string]string, error) {
	return headHashes((&Queries{db: s.conn}).AuditHeads(ctx))
}

// headHashes keeps the hash of each head: a manifest records the hashes.
func headHashes(heads map[string]AuditHead, err error) (map[string]string, error) {
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(heads))
	for s, h := range heads {
		out[s] = h.Hash
	}
	return out, nil
}

// AnchorLinks returns the hashes of the anchor stream's events in order.
func (s *Snapshot) AnchorLinks(ctx context.Context) ([]string, error) {
	return anchorLinks(ctx, s.conn)
}

func anchorLinks(ctx context.Context, db DBTX) ([]string, error) {
	return queryAll(ctx, db, scanValue[string], "SELECT hash FROM audit_events WHERE stream = 'anchor' ORDER BY seq")
}

// FeeSums are the sums over every fee statement, to the cent.
type FeeSums struct {
	Statements      int64           `json:"statements"`
	BasicFee        decimal.Decimal `json:"basic_fee"`
	ReductionFee    decimal.Decimal `json:"reduction_fee"`
	TotalFee        decimal.Decimal `json:"total_fee"`
	ContractorShare decimal.Decimal `json:"contractor_share"`
	FinanceShare    decimal.Decimal `json:"finance_share"`
	PayableNow      decimal.Decimal `json:"payable_now"`
	PayableLater    decimal.Decimal `json:"payable_later"`
}

// Equal compares two totals to the cent.
func (a FeeSums) Equal(b FeeSums) bool {
	return a.Statements == b.Statements && a.BasicFee.Equal(b.BasicFee) && a.ReductionFee.Equal(b.ReductionFee) &&
		a.TotalFee.Equal(b.TotalFee) && a.ContractorShare.Equal(b.ContractorShare) && a.FinanceShare.Equal(b.FinanceShare) &&
		a.PayableNow.Equal(b.PayableNow) && a.PayableLater.Equal(b.PayableLater)
}

const feeSumsQuery = `SELECT COUNT(*), COALESCE(SUM(basic_fee),0), COALESCE(SUM(reduction_fee),0), COALESCE(SUM(total_fee),0),
	COALESCE(SUM(contractor_share),0), COALESCE(SUM(finance_share),0), COALESCE(SUM(payable_now),0), COALESCE(SUM(payable_later),0)
	FROM fee_statements`

func feeSums(ctx context.Context, db DBTX) (FeeSums, error) {
	var t FeeSums
	err := db.QueryRowContext(ctx, feeSumsQuery).Scan(&t.Statements, &t.BasicFee, &t.ReductionFee, &t.TotalFee,
		&t.ContractorShare, &t.FinanceShare, &t.PayableNow, &t.PayableLater)
	return t, err
}

// FeeSums sums the fee statements of the snapshot.
func (s *Snapshot) FeeSums(ctx context.Context) (FeeSums, error) {
	return feeSums(ctx, s.conn)
}

// DocumentObject is a stored document's object and the hash recorded for it.
type DocumentObject struct {
	Key    string
	SHA256 string
	Size   int64
}

// DumpBatch is the most row bytes one INSERT statement of a dump carries.
const DumpBatch = 1 << 20

// Dump writes the schema and rows of every table as SQL, one statement a
// line (values are escaped, so no statement spans lines), loadable by Load
// or by the mariadb client. progress, when set, is told each table dumped.
func (s *Snapshot) Dump(ctx context.Context, w io.Writer, progress func(table string, rows int64)) error {
	names, err := s.Tables(ctx)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "-- finreview database snapshot; server %s\n", s.ServerVersion)
	bw.WriteString("SET NAMES utf8mb4;\nSET time_zone = '+00:00';\nSET foreign_key_checks = 0;\nSET unique_checks = 0;\nSET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\n")
	for _, n := range names {
		var name, ddl string
		if err := s.conn.QueryRowContext(ctx, "SHOW CREATE TABLE "+quoteName(n)).Scan(&name, &ddl); err != nil {
			return fmt.Errorf("show create table %s: %w", n, err)
		}
		bw.WriteString(strings.ReplaceAll(ddl, "\n", " ") + ";\n")
		rows, err := s.dumpRows(ctx, bw, n)
		if err != nil {
			return fmt.Errorf("dump %s: %w", n, err)
		}
		if progress != nil {
			progress(n, rows)
		}
	}
	bw.WriteString("SET foreign_key_checks = 1;\nSET unique_checks = 1;\n-- end of snapshot\n")
	return bw.Flush()
}

func (s *Snapshot) dumpRows(ctx context.Context, w *bufio.Writer, table string) (int64, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT * FROM "+quoteName(table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	binary := make([]bool, len(types))
	for i, t := range types {
		switch strings.ToUpper(t.DatabaseTypeName()) {
		case "BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BIT", "GEOMETRY":
			binary[i] = true
		}
	}
	vals := make([]sql.RawBytes, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	var stmt strings.Builder
	flush := func() {
		if stmt.Len() > 0 {
			w.WriteString(stmt.String())
			w.WriteString(";\n")
			stmt.Reset()
		}
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if stmt.Len() == 0 {
			stmt.WriteString("INSERT INTO " + quoteName(table) + " VALUES ")
		} else {
			stmt.WriteByte(',')
		}
		stmt.WriteByte('(')
		for i, v := range vals {
			if i > 0 {
				stmt.WriteByte(',')
			}
			switch {
			case v == nil:
				stmt.WriteString("NULL")
			case binary[i]:
				stmt.WriteString("X'" + hex.EncodeToString(v) + "'")
			default:
				writeQuoted(&stmt, v)
			}
		}
		stmt.WriteByte(')')
		n++
		if stmt.Len() >= DumpBatch {
			flush()
		}
	}
	flush()
	return n, rows.Err()
}

// writeQuoted writes v as a string literal with every byte that could end
// the literal or the line escaped.
func writeQuoted(b *strings.Builder, v []byte) {
	b.WriteByte('\'')
	for _, c := range v {
		switch c {
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case 0x1a:
			b.WriteString(`\Z`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
}

func quoteName(n string) string { return "`" + strings.ReplaceAll(n, "`", "``") + "`" }

// Target is a database being restored into, over one connection.
type Target struct {
	db   *sql.DB
	conn *sql.Conn
	// Name is the database's name.
	Name string
}

// OpenTarget connects to the database of dsn, creating it when missing.
func OpenTarget(ctx context.Context, dsn string) (*Target, error) {
	cfg, err := rawDSN(dsn, false)
	if err != nil {
		return nil, err
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("FINREVIEW_DSN names no database")
	}
	server := cfg.Clone()
	server.DBName = ""
	adb, aconn, err := openRaw(ctx, server)
	if err != nil {
		return nil, err
	}
	_, err = aconn.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+quoteName(cfg.DBName)+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	aconn.Close()
	adb.Close()
	if err != nil {
		return nil, fmt.Errorf("create database %s: %w", cfg.DBName, err)
	}
	db, conn, err := openRaw(ctx, cfg)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{"SET SESSION time_zone = '+00:00'", "SET SESSION foreign_key_checks = 0",
		"SET SESSION unique_checks = 0", "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			db.Close()
			return nil, err
		}
	}
	return &Target{db: db, conn: conn, Name: cfg.DBName}, nil
}

// Close closes the connection.
func (t *Target) Close() {
	t.conn.Close()
	t.db.Close()
}

// Tables lists the target's tables.
func (t *Target) Tables(ctx context.Context) ([]string, error) { return tables(ctx, t.conn) }

// DropTables removes every table of the target (a failed or forced restore).
func (t *Target) DropTables(ctx context.Context) error {
	names, err := t.Tables(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := t.conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteName(n)); err != nil {
			return fmt.Errorf("drop %s: %w", n, err)
		}
	}
	return nil
}

// DropDatabase removes the whole target database (a scratch copy).
func (t *Target) DropDatabase(ctx context.Context) error {
	_, err := t.conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteName(t.Name))
	return err
}

// Load runs a dump written by Dump, statement by statement.
func (t *Target) Load(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	line := 0
	for sc.Scan() {
		line++
		st := sc.Text()
		if st == "" || strings.HasPrefix(st, "-- ") {
			continue
		}
		if _, err := t.conn.ExecContext(ctx, strings.TrimSuffix(st, ";")); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return sc.Err()
}

// RowCounts counts the rows of every table of the target.
func (t *Target) RowCounts(ctx context.Context) (map[string]int64, error) {
	return rowCounts(ctx, t.conn)
}

// AuditHeads returns the target's audit stream heads.
func (t *Target) AuditHeads(ctx context.Context) (map[string]string, error) {
	return headHashes((&Queries{db: t.conn}).AuditHeads(ctx))
}

// AnchorLinks returns the hashes of the target's anchor events in order.
func (t *Target) AnchorLinks(ctx context.Context) ([]string, error) { return anchorLinks(ctx, t.conn) }

// FeeSums sums the target's fee statements.
func (t *Target) FeeSums(ctx context.Context) (FeeSums, error) { return feeSums(ctx, t.conn) }

// DocumentObjects lists the objects the target's stored documents name.
func (t *Target) DocumentObjects(ctx context.Context) ([]DocumentObject, error) {
	return queryAll(ctx, t.conn, func(s scanner) (DocumentObject, error) {
		var d DocumentObject
		err := s.Scan(&d.Key, &d.SHA256, &d.Size)
		return d, err
	}, "SELECT object_key, sha256, size FROM documents WHERE status = 'committed' ORDER BY id")
}

// StreamSeq names one link of an audit chain.
type StreamSeq struct {
	Stream string
	Seq    int64
}

// AuditSeqs returns every audit stream's head sequence number.
func (s *Snapshot) AuditSeqs(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := queryInto(ctx, s.conn, out, `SELECT stream, seq FROM audit_heads WHERE seq > 0
		UNION ALL SELECT CONCAT('review:', id), audit_seq FROM reviews WHERE audit_seq > 0`)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AuditLinks returns the hashes of the given links that exist, by the
// (stream, seq) key, a few hundred links a statement.
func (q *Queries) AuditLinks(ctx context.Context, links []StreamSeq) (map[StreamSeq]string, error) {
	out := make(map[StreamSeq]string, len(links))
	const batch = 500
	for len(links) > 0 {
		n := min(batch, len(links))
		var b strings.Builder
		args := make([]any, 0, 2*n)
		b.WriteString("SELECT stream, seq, hash FROM audit_events WHERE ")
		for i, l := range links[:n] {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString("(stream = ? AND seq = ?)")
			args = append(args, l.Stream, l.Seq)
		}
		rows, err := q.db.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k StreamSeq
			var h string
			if err := rows.Scan(&k.Stream, &k.Seq, &h); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = h
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		links = links[n:]
	}
	return out, nil
}
