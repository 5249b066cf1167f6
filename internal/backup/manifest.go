// Package backup takes, checks and restores finreview's backups: one
// consistent snapshot of the database plus every document object, copied
// incrementally by SHA-256, described by a manifest that seals itself with
// its own hash.
//
// A backup location (a directory or s3://bucket/prefix) holds
//
//	objects/sha256/ab/abcd…          each object's bytes, once per content
//	snapshots/<id>/db.sql.gz         the database snapshot as SQL
//	snapshots/<id>/manifest.json     what the snapshot holds, sealed
//	latest                           the id of the last complete backup
//
// Blobs are never rewritten and a snapshot counts only once its manifest
// and then latest are written, each in one atomic step, so a backup killed
// half-way leaves the previous one whole.
package backup

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"finreview/internal/store"
)

// Format names the manifest's layout.
const Format = "finreview-backup/1"

// Manifest describes one backup.
type Manifest struct {
	Format    string    `json:"format"`
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Database  Database  `json:"database"`
	// Tables holds each table's row count at the snapshot.
	Tables map[string]int64 `json:"tables"`
	// AuditHeads holds each audit stream's head hash at the snapshot.
	AuditHeads map[string]string `json:"audit_heads"`
	// AuditSeqs holds each audit stream's head sequence number.
	AuditSeqs map[string]int64 `json:"audit_seqs"`
	// Anchors are the hashes of the daily anchor events, in order.
	Anchors []string      `json:"anchors"`
	Fees    store.FeeSums `json:"fees"`
	Objects []Object      `json:"objects"`
	// Size is the bytes this backup references (dump and objects).
	Size int64 `json:"size"`
	// SHA256 seals the manifest: the hash of its JSON with this field empty.
	SHA256 string `json:"sha256"`
}

// Database is the snapshot's dump.
type Database struct {
	File          string `json:"file"`
	SHA256        string `json:"sha256"`
	Size          int64  `json:"size"`
	Name          string `json:"name"`
	ServerVersion string `json:"server_version"`
	// BinlogFile and BinlogPos are where replaying the binary log starts
	// for point-in-time recovery (empty without a binary log).
	BinlogFile string `json:"binlog_file,omitempty"`
	BinlogPos  int64  `json:"binlog_pos,omitempty"`
}

// Object is one document object of the bucket.
type Object struct {
	Key         string `json:"key"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type,omitempty"`
	ETag        string `json:"etag,omitempty"`
}

func (m *Manifest) hash() (string, error) {
	c := *m
	c.SHA256 = ""
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// seal sets the manifest's own hash and returns its JSON.
func (m *Manifest) seal() ([]byte, error) {
	h, err := m.hash()
	if err != nil {
		return nil, err
	}
	m.SHA256 = h
	return json.MarshalIndent(m, "", "  ")
}

// ErrDamaged marks a backup that is incomplete, truncated or altered.
var ErrDamaged = errors.New("备份已损坏")

// parseManifest decodes and checks a manifest read from name.
func parseManifest(name string, b []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w:清单 %s 无法解析(%v),可能被截断", ErrDamaged, name, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%w:清单 %s 的格式 %q 不是 %s", ErrDamaged, name, m.Format, Format)
	}
	h, err := m.hash()
	if err != nil {
		return nil, err
	}
	if m.SHA256 == "" || h != m.SHA256 {
		return nil, fmt.Errorf("%w:清单 %s 的自校验值不符(记载 %s,实际 %s),清单被改动或损坏", ErrDamaged, name, short(m.SHA256), short(h))
	}
	if m.Database.File == "" || len(m.Database.SHA256) != 64 {
		return nil, fmt.Errorf("%w:清单 %s 未记载数据库转储", ErrDamaged, name)
	}
	for _, o := range m.Objects {
		if len(o.SHA256) != 64 || o.Key == "" {
			return nil, fmt.Errorf("%w:清单 %s 中对象 %q 的记录不完整", ErrDamaged, name, o.Key)
		}
	}
	return &m, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "(空)"
	}
	return h
}

func blobName(sum string) string { return "objects/sha256/" + sum[:2] + "/" + sum }

func snapshotDir(id string) string { return "snapshots/" + id }
