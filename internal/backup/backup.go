package backup

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/minio/minio-go/v7"

	"finreview/internal/audit"
	"finreview/internal/bytesize"
	"finreview/internal/docs"
	"finreview/internal/store"
)

// Options are what every backup operation works with.
type Options struct {
	// DSN names the live database (FINREVIEW_DSN).
	DSN string
	// Store is the live database, where runs and audit events are recorded.
	Store *store.Store
	// Objects is the live document bucket.
	Objects *docs.ObjectStore
	// S3 connects to s3:// backup locations.
	S3 S3
	// Progress receives progress lines (stderr); nil for none.
	Progress io.Writer
	Now      func() time.Time
	Log      *slog.Logger
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) progressf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// Backup writes one backup of the database and the bucket to where and
// returns its manifest.
func Backup(ctx context.Context, o Options, where string) (m *Manifest, err error) {
	started := o.now()
	loc, err := openLocation(ctx, where, o.S3, true)
	if err != nil {
		return nil, err
	}
	defer func() { o.record(ctx, "backup", loc.String(), started, m, err) }()
	prev := map[string]Object{}
	if pm, err := latest(ctx, loc, ""); err == nil {
		for _, ob := range pm.Objects {
			prev[ob.Key] = ob
		}
	}
	m = &Manifest{Format: Format, ID: started.UTC().Format("20060102T150405.000000Z"), CreatedAt: started.UTC().Truncate(time.Microsecond)}

	dump, err := os.CreateTemp("", "finreview-dump-*.sql.gz")
	if err != nil {
		return nil, err
	}
	defer func() { dump.Close(); os.Remove(dump.Name()) }()
	if err := o.snapshot(ctx, m, dump); err != nil {
		return nil, err
	}

	if err := o.copyObjects(ctx, loc, m, prev); err != nil {
		return nil, err
	}

	if _, err := dump.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	m.Database.File = snapshotDir(m.ID) + "/db.sql.gz"
	if err := loc.Put(ctx, m.Database.File, dump, m.Database.Size); err != nil {
		return nil, err
	}
	m.Size = m.Database.Size
	for _, ob := range m.Objects {
		m.Size += ob.Size
	}
	body, err := m.seal()
	if err != nil {
		return nil, err
	}
	if err := loc.Put(ctx, snapshotDir(m.ID)+"/manifest.json", bytes.NewReader(body), int64(len(body))); err != nil {
		return nil, err
	}
	if err := loc.Put(ctx, "latest", strings.NewReader(m.ID+"\n"), int64(len(m.ID)+1)); err != nil {
		return nil, err
	}
	o.progressf("备份完成:%s,数据库 %s,对象 %d 个,共 %s", m.ID, bytesize.Text(m.Database.Size), len(m.Objects), bytesize.Text(m.Size))
	return m, nil
}

// snapshot dumps the database to w (gzip) and fills the manifest's
// figures from the same snapshot.
func (o *Options) snapshot(ctx context.Context, m *Manifest, w io.Writer) error {
	snap, err := store.OpenSnapshot(ctx, o.DSN)
	if err != nil {
		return fmt.Errorf("数据库快照:%w", err)
	}
	defer snap.Close()
	cfg, _ := mysql.ParseDSN(o.DSN)
	m.Database.Name = cfg.DBName
	m.Database.ServerVersion = snap.ServerVersion
	m.Database.BinlogFile, m.Database.BinlogPos = snap.BinlogFile, snap.BinlogPos
	if m.Tables, err = snap.RowCounts(ctx); err != nil {
		return err
	}
	if m.AuditHeads, err = snap.AuditHeads(ctx); err != nil {
		return err
	}
	if m.AuditSeqs, err = snap.AuditSeqs(ctx); err != nil {
		return err
	}
	if m.Anchors, err = snap.AnchorLinks(ctx); err != nil {
		return err
	}
	if m.Fees, err = snap.FeeSums(ctx); err != nil {
		return err
	}
	d := newDigest()
	zw := gzip.NewWriter(io.MultiWriter(w, d))
	o.progressf("数据库快照开始(%d 张表)", len(m.Tables))
	if err := snap.Dump(ctx, zw, func(table string, rows int64) {
		if rows >= 10000 {
			o.progressf("  表 %s:%d 行", table, rows)
		}
	}); err != nil {
		return fmt.Errorf("数据库转储:%w", err)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	m.Database.SHA256, m.Database.Size = d.sum(), d.n
	o.progressf("数据库快照完成:%s", bytesize.Text(d.n))
	return nil
}

// copyObjects lists the bucket and copies each object not yet in the
// location, by content. An object unchanged since the previous backup
// (same key, size and ETag) whose blob is there is not read again.
func (o *Options) copyObjects(ctx context.Context, loc location, m *Manifest, prev map[string]Object) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var copied, reused int
	var bytesCopied int64
	last := time.Now()
	for info := range o.Objects.Client.ListObjects(ctx, o.Objects.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if info.Err != nil {
			return fmt.Errorf("list bucket %s: %w", o.Objects.Bucket, info.Err)
		}
		etag := strings.Trim(info.ETag, `"`)
		if p, ok := prev[info.Key]; ok && p.Size == info.Size && p.ETag == etag && etag != "" {
			if n, err := loc.Stat(ctx, blobName(p.SHA256)); err == nil && n == p.Size {
				m.Objects = append(m.Objects, p)
				reused++
				continue
			}
		}
		ob, n, err := o.copyObject(ctx, loc, info.Key, info.Size)
		if err != nil {
			return err
		}
		ob.ETag = etag
		m.Objects = append(m.Objects, ob)
		copied++
		bytesCopied += n
		if time.Since(last) > 2*time.Second {
			o.progressf("  对象:已复制 %d 个(%s),沿用 %d 个", copied, bytesize.Text(bytesCopied), reused)
			last = time.Now()
		}
	}
	o.progressf("对象完成:新复制 %d 个(%s),与上次备份相同而沿用 %d 个", copied, bytesize.Text(bytesCopied), reused)
	return nil
}

// copyObject hashes one object through a temporary file and stores its
// bytes under their hash unless the location has them already. It
// returns the bytes written to the location.
func (o *Options) copyObject(ctx context.Context, loc location, key string, size int64) (Object, int64, error) {
	src, err := o.Objects.Client.GetObject(ctx, o.Objects.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return Object{}, 0, fmt.Errorf("get %s: %w", key, err)
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return Object{}, 0, fmt.Errorf("stat %s: %w", key, err)
	}
	tmp, err := os.CreateTemp("", "finreview-object-*")
	if err != nil {
		return Object{}, 0, err
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	d := newDigest()
	n, err := io.Copy(io.MultiWriter(tmp, d), src)
	if err != nil {
		return Object{}, 0, fmt.Errorf("read %s: %w", key, err)
	}
	ob := Object{Key: key, SHA256: d.sum(), Size: n, ContentType: info.ContentType}
	if have, err := loc.Stat(ctx, blobName(ob.SHA256)); err == nil && have == n {
		return ob, 0, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return Object{}, 0, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Object{}, 0, err
	}
	if err := loc.Put(ctx, blobName(ob.SHA256), tmp, n); err != nil {
		return Object{}, 0, err
	}
	return ob, n, nil
}

// record notes a run in backup_runs and the audit trail; a failure to
// record is logged, never hides the run's own outcome.
func (o *Options) record(ctx context.Context, kind, where string, started time.Time, m *Manifest, runErr error) {
	if o.Store == nil {
		return
	}
	run := store.BackupRun{Kind: kind, Location: where, OK: runErr == nil, StartedAt: started, FinishedAt: o.now()}
	var sealed string
	if m != nil {
		run.BackupID, run.Size, sealed = m.ID, m.Size, m.SHA256
	}
	if runErr != nil {
		run.Detail = runErr.Error()
	}
	ctx = context.WithoutCancel(ctx)
	err := o.Store.InTx(ctx, func(q *store.Queries) error {
		if err := q.InsertBackupRun(ctx, run); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, run.FinishedAt, audit.Entry{ActorName: "系统", Action: kind, ObjectType: "backup",
			ObjectID: run.BackupID, Detail: map[string]any{"location": where, "ok": run.OK, "size": run.Size, "manifest_sha256": sealed, "error": run.Detail}})
		return err
	})
	if err != nil && o.Log != nil {
		o.Log.Error("record backup run", slog.String("kind", kind), slog.String("error", err.Error()))
	}
}

// digest is the SHA-256 and the length of what is written to it, as a
// manifest records them for each file.
type digest struct {
	h hash.Hash
	n int64
}

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return d.h.Write(p)
}

// sum is the hex SHA-256.
func (d *digest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }
