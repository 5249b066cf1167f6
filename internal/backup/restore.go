package backup

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/minio/minio-go/v7"

	"finreview/internal/audit"
	"finreview/internal/bytesize"
	"finreview/internal/docs"
	"finreview/internal/store"
)

// ErrNotEmpty marks a restore target that already holds data.
var ErrNotEmpty = errors.New("恢复目标不是空的")

// latest reads the manifest of backup id, or of the last complete backup
// when id is empty.
func latest(ctx context.Context, loc location, id string) (*Manifest, error) {
	if id == "" {
		b, err := readAll(ctx, loc, "latest", 256)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s 中没有完整的备份(缺少 latest)", loc)
		}
		if err != nil {
			return nil, err
		}
		id = strings.TrimSpace(string(b))
		if id == "" || strings.ContainsAny(id, "/\\") {
			return nil, fmt.Errorf("%w:%s/latest 内容无效", ErrDamaged, loc)
		}
	}
	name := snapshotDir(id) + "/manifest.json"
	b, err := readAll(ctx, loc, name, 1<<30)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w:备份 %s 缺少清单 %s", ErrDamaged, id, name)
	}
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(name, b)
	if err != nil {
		return nil, err
	}
	if m.ID != id {
		return nil, fmt.Errorf("%w:清单 %s 记载的备份编号是 %s", ErrDamaged, name, m.ID)
	}
	return m, nil
}

func readAll(ctx context.Context, loc location, name string, limit int64) ([]byte, error) {
	r, err := loc.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, limit))
}

// check reads every file the manifest names and compares its length and
// SHA-256 with the manifest, so a damaged backup is refused before
// anything is written.
func check(ctx context.Context, loc location, m *Manifest, progress func(string, ...any)) error {
	if err := checkFile(ctx, loc, m.Database.File, "数据库转储", m.Database.SHA256, m.Database.Size); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, ob := range m.Objects {
		if seen[ob.SHA256] {
			continue
		}
		seen[ob.SHA256] = true
		if err := checkFile(ctx, loc, blobName(ob.SHA256), "对象 "+ob.Key, ob.SHA256, ob.Size); err != nil {
			return err
		}
		if (i+1)%500 == 0 {
			progress("  已校验对象 %d/%d", i+1, len(m.Objects))
		}
	}
	return nil
}

func checkFile(ctx context.Context, loc location, name, what, sum string, size int64) error {
	r, err := loc.Open(ctx, name)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w:%s(%s)在备份中缺失", ErrDamaged, what, name)
	}
	if err != nil {
		return err
	}
	defer r.Close()
	d := newDigest()
	if _, err := io.Copy(d, r); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if d.n != size {
		return fmt.Errorf("%w:%s(%s)长 %d 字节,清单记载 %d 字节,文件被截断或改动", ErrDamaged, what, name, d.n, size)
	}
	if got := d.sum(); got != sum {
		return fmt.Errorf("%w:%s(%s)的 SHA-256 为 %s,清单记载 %s", ErrDamaged, what, name, short(got), short(sum))
	}
	return nil
}

// RestoreOptions say what to restore and where to.
type RestoreOptions struct {
	// From is the backup location, ID the backup (empty: the latest).
	From, ID string
	// DSN and Bucket name the target database and bucket.
	DSN     string
	Objects *docs.ObjectStore
	// Force restores over a target that holds data: its tables are dropped
	// and objects with the backup's keys overwritten.
	Force bool
	// Replay, when set, replays the binary log after the backup is loaded
	// (point-in-time recovery).
	Replay *Replay
}

// Restore restores a backup into the database and bucket of ro. The backup
// is checked whole first; a damaged one, or a target holding data without
// Force, is refused with nothing written. A restore failing half-way
// removes what it wrote.
func Restore(ctx context.Context, o Options, ro RestoreOptions) (*Manifest, error) {
	started := o.now()
	loc, err := openLocation(ctx, ro.From, o.S3, false)
	if err != nil {
		return nil, err
	}
	m, err := latest(ctx, loc, ro.ID)
	if err != nil {
		return nil, err
	}
	o.progressf("校验备份 %s(%d 个对象,%s)…", m.ID, len(m.Objects), bytesize.Text(m.Size))
	if err := check(ctx, loc, m, o.progressf); err != nil {
		return nil, err
	}
	if err := restoreInto(ctx, o, loc, m, ro); err != nil {
		return nil, err
	}
	// The restored database records its own restore.
	if db, err := store.Open(ctx, ro.DSN); err == nil {
		ro := o
		ro.Store = store.New(db)
		ro.record(ctx, "restore", loc.String(), started, m, nil)
		db.Close()
	}
	o.progressf("恢复完成:备份 %s", m.ID)
	return m, nil
}

func restoreInto(ctx context.Context, o Options, loc location, m *Manifest, ro RestoreOptions) (err error) {
	t, err := store.OpenTarget(ctx, ro.DSN)
	if err != nil {
		return fmt.Errorf("目标数据库:%w", err)
	}
	defer t.Close()
	names, err := t.Tables(ctx)
	if err != nil {
		return err
	}
	var keys int
	if err := ro.Objects.List(ctx, "", func(docs.Object) error { keys++; return nil }); err != nil {
		return err
	}
	if (len(names) > 0 || keys > 0) && !ro.Force {
		return fmt.Errorf("%w:数据库 %s 已有 %d 张表,存储桶 %s 已有 %d 个对象;恢复只写入空的数据库和存储桶,确需覆盖请加 --force",
			ErrNotEmpty, t.Name, len(names), ro.Objects.Bucket, keys)
	}
	wasEmpty := len(names) == 0 && keys == 0
	if len(names) > 0 {
		if err := t.DropTables(ctx); err != nil {
			return err
		}
	}
	var put []string
	defer func() {
		if err == nil || !wasEmpty {
			return
		}
		// Leave the empty target as it was.
		cctx := context.WithoutCancel(ctx)
		_ = t.DropTables(cctx)
		for _, k := range put {
			_ = ro.Objects.Delete(cctx, k)
		}
	}()

	o.progressf("载入数据库 %s…", t.Name)
	r, err := loc.Open(ctx, m.Database.File)
	if err != nil {
		return err
	}
	defer r.Close()
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w:数据库转储不是 gzip 文件:%v", ErrDamaged, err)
	}
	if err := t.Load(ctx, zr); err != nil {
		return fmt.Errorf("载入数据库转储:%w", err)
	}
	for i, ob := range m.Objects {
		if err := putObject(ctx, loc, ro.Objects, ob); err != nil {
			return err
		}
		put = append(put, ob.Key)
		if (i+1)%500 == 0 {
			o.progressf("  已恢复对象 %d/%d", i+1, len(m.Objects))
		}
	}
	if err := compare(ctx, t, m); err != nil {
		return err
	}
	if ro.Replay != nil {
		return replay(ctx, m, ro.DSN, *ro.Replay, o.progressf)
	}
	return nil
}

func putObject(ctx context.Context, loc location, dst *docs.ObjectStore, ob Object) error {
	r, err := loc.Open(ctx, blobName(ob.SHA256))
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = dst.Client.PutObject(ctx, dst.Bucket, ob.Key, r, ob.Size, minio.PutObjectOptions{ContentType: ob.ContentType, PartSize: docs.PartSize})
	if err != nil {
		return fmt.Errorf("恢复对象 %s:%w", ob.Key, err)
	}
	return nil
}

// compare checks the restored database's row counts, audit heads, anchors
// and fee sums against the manifest.
func compare(ctx context.Context, t *store.Target, m *Manifest) error {
	var problems []string
	counts, err := t.RowCounts(ctx)
	if err != nil {
		return err
	}
	for _, n := range sortedKeys(m.Tables) {
		if counts[n] != m.Tables[n] {
			problems = append(problems, fmt.Sprintf("表 %s 有 %d 行,清单记载 %d 行", n, counts[n], m.Tables[n]))
		}
	}
	heads, err := t.AuditHeads(ctx)
	if err != nil {
		return err
	}
	for _, s := range sortedKeys(m.AuditHeads) {
		if heads[s] != m.AuditHeads[s] {
			problems = append(problems, fmt.Sprintf("审计链 %s 的链头 %s 与清单记载 %s 不一致", s, short(heads[s]), short(m.AuditHeads[s])))
		}
	}
	for s := range heads {
		if _, ok := m.AuditHeads[s]; !ok {
			problems = append(problems, fmt.Sprintf("审计链 %s 不在清单中", s))
		}
	}
	anchors, err := t.AnchorLinks(ctx)
	if err != nil {
		return err
	}
	if strings.Join(anchors, ",") != strings.Join(m.Anchors, ",") {
		problems = append(problems, fmt.Sprintf("每日锚定有 %d 条,与清单记载的 %d 条不一致", len(anchors), len(m.Anchors)))
	}
	fees, err := t.FeeSums(ctx)
	if err != nil {
		return err
	}
	if !fees.Equal(m.Fees) {
		problems = append(problems, fmt.Sprintf("评审费合计(%d 份,总额 %s)与清单记载(%d 份,总额 %s)不一致",
			fees.Statements, fees.TotalFee.StringFixed(2), m.Fees.Statements, m.Fees.TotalFee.StringFixed(2)))
	}
	if len(problems) > 0 {
		return &MismatchError{Problems: problems}
	}
	return nil
}

// MismatchError lists where a restored copy differs from its manifest.
type MismatchError struct{ Problems []string }

func (e *MismatchError) Error() string {
	return "恢复的数据与清单不符:" + strings.Join(e.Problems, ";")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Verify restores a backup into a scratch database and bucket beside the
// live ones, checks the audit chains, every object's hash, the row counts
// and the fee sums against the manifest, and drops the scratch copies. It
// returns the manifest and nil only when everything checks out.
func Verify(ctx context.Context, o Options, from, id string) (m *Manifest, err error) {
	started := o.now()
	loc, err := openLocation(ctx, from, o.S3, false)
	if err != nil {
		return nil, err
	}
	defer func() { o.record(ctx, "verify", loc.String(), started, m, err) }()
	m, err = latest(ctx, loc, id)
	if err != nil {
		return nil, err
	}
	o.progressf("校验备份 %s(%d 个对象,%s)…", m.ID, len(m.Objects), bytesize.Text(m.Size))
	if err := check(ctx, loc, m, o.progressf); err != nil {
		return m, err
	}
	suffix := randomSuffix()
	cfg, err := mysql.ParseDSN(o.DSN)
	if err != nil {
		return m, err
	}
	cfg.DBName = "finreview_verify_" + suffix
	scratchDSN := cfg.FormatDSN()
	scratch := &docs.ObjectStore{Client: o.Objects.Client, Bucket: "finreview-verify-" + suffix}
	if err := scratch.EnsureBucket(ctx); err != nil {
		return m, err
	}
	defer dropScratch(context.WithoutCancel(ctx), scratchDSN, scratch)
	o.progressf("在临时库 %s 与临时桶 %s 中恢复…", cfg.DBName, scratch.Bucket)
	if err := restoreInto(ctx, o, loc, m, RestoreOptions{DSN: scratchDSN, Objects: scratch}); err != nil {
		return m, err
	}
	if err := verifyRestored(ctx, scratchDSN, o.Store.AuditKey(), scratch, m); err != nil {
		return m, err
	}
	if o.Store != nil {
		compared, err := checkLive(ctx, o.Store, m)
		if err != nil {
			return m, err
		}
		if compared {
			o.progressf("当前数据库的审计链与备份时的链头、每日锚定一致")
		}
	}
	o.progressf("备份 %s 校验通过:审计链、%d 个对象、%d 张表的行数与评审费合计均与清单一致", m.ID, len(m.Objects), len(m.Tables))
	return m, nil
}

// verifyRestored checks a restored copy beyond the manifest's figures: the
// audit chains recompute, every object reads back with its hash, and every
// stored document's object is there with the hash its row records.
func verifyRestored(ctx context.Context, dsn string, key []byte, objects *docs.ObjectStore, m *Manifest) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	restored := store.New(db)
	restored.SetAuditKey(key) // the anchors were keyed with the live key
	// The chain is checked with the suite the backed-up installation
	// recorded (SM3 for 国密).
	if suite, err := restored.RecordedSuite(ctx); err == nil {
		restored.SetSuite(suite)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	res, err := audit.Verify(ctx, restored)
	if err != nil {
		return fmt.Errorf("审计链校验:%w", err)
	}
	if !res.OK {
		return &MismatchError{Problems: []string{"审计链断裂:" + res.Broken}}
	}
	var problems []string
	byKey := map[string]Object{}
	for _, ob := range m.Objects {
		byKey[ob.Key] = ob
		sum, err := hashObject(ctx, objects, ob.Key)
		if err != nil {
			problems = append(problems, fmt.Sprintf("对象 %s 无法读回:%v", ob.Key, err))
		} else if sum != ob.SHA256 {
			problems = append(problems, fmt.Sprintf("对象 %s 读回的 SHA-256 %s 与清单 %s 不符", ob.Key, short(sum), short(ob.SHA256)))
		}
	}
	t, err := store.OpenTarget(ctx, dsn)
	if err != nil {
		return err
	}
	defer t.Close()
	docsList, err := t.DocumentObjects(ctx)
	if err != nil {
		return err
	}
	for _, d := range docsList {
		ob, ok := byKey[d.Key]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("资料对象 %s 不在备份中", d.Key))
		case d.SHA256 != "" && d.SHA256 != ob.SHA256:
			problems = append(problems, fmt.Sprintf("资料对象 %s 的 SHA-256 与资料记录不符", d.Key))
		}
	}
	if len(problems) > 0 {
		return &MismatchError{Problems: problems}
	}
	return nil
}

func hashObject(ctx context.Context, objects *docs.ObjectStore, key string) (string, error) {
	r, err := objects.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	d := newDigest()
	if _, err := io.Copy(d, r); err != nil {
		return "", err
	}
	return d.sum(), nil
}

func dropScratch(ctx context.Context, dsn string, objects *docs.ObjectStore) {
	if t, err := store.OpenTarget(ctx, dsn); err == nil {
		_ = t.DropDatabase(ctx)
		t.Close()
	}
	_ = objects.List(ctx, "", func(ob docs.Object) error { return objects.Delete(ctx, ob.Key) })
	_ = objects.Client.RemoveBucket(ctx, objects.Bucket)
}

func randomSuffix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
