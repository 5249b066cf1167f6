// Package importer brings a bureau's existing registers in from Excel on
// the day it goes live: firms, experts, organizations, projects and
// concluded reviews. Every row is checked before anything is written
// (required fields, amounts, dates, known jurisdictions and firms,
// duplicates, 统一社会信用代码 and 身份证号 check characters); a commit is
// all-or-nothing, and re-importing a file changes nothing, rows being
// matched by their natural keys. Each import keeps its file in the object
// store with its SHA-256, is an audit event, and can be undone while
// nothing has been built on it.
package importer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"finreview/internal/audit"
	"finreview/internal/calendar"
	"finreview/internal/docs"
	"finreview/internal/store"
)

// Options are the service's dependencies.
type Options struct {
	Store   *store.Store
	Objects *docs.ObjectStore
	Now     func() time.Time
	Log     *slog.Logger
}

// Service checks and imports registers.
type Service struct {
	store   *store.Store
	objects *docs.ObjectStore
	now     func() time.Time
	log     *slog.Logger
	loc     *time.Location
}

// New builds the service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: o.Store, objects: o.Objects, now: o.Now, log: o.Log, loc: calendar.Location()}
}

// Actor is who imports: a signed-in user, or the command line.
// Jurisdiction limits the rows to one jurisdiction's (0: the whole city).
type Actor struct {
	UserID       int64
	Name         string
	Jurisdiction int64
}

// ScopeError refuses a register outside the actor's jurisdiction.
type ScopeError struct{ msg string }

func (e *ScopeError) Error() string   { return e.msg }
func (e *ScopeError) HTTPStatus() int { return 403 }
func (e *ScopeError) Code() string    { return "forbidden" }

// checkScope refuses the expert library to an actor limited to one
// jurisdiction: experts serve the whole city.
func checkScope(a Actor, kind Kind) error {
	if kind == Experts && a.Jurisdiction != 0 {
		return &ScopeError{msg: "专家库为全市共用,只能由市本级人员导入"}
	}
	return nil
}

// Report is the outcome of a check or an import.
type Report struct {
	Kind Kind
	// Rows counts the data rows read; New the rows that are (or would be)
	// added; Existing the rows already in the system, left unchanged.
	Rows, New, Existing int
	// Problems lists what is wrong, by row and column (at most
	// maxProblems); MoreProblems counts those left out.
	Problems     []Problem
	MoreProblems int
	// ImportID is the import recorded (0 for a check, or when nothing
	// was new).
	ImportID int64
	SHA256   string
}

// OK reports whether every row is valid.
func (r Report) OK() bool { return len(r.Problems) == 0 && r.MoreProblems == 0 }

// ErrInvalid is returned by Import when rows have problems: nothing was written.
var ErrInvalid = errors.New("import: rows have problems, nothing written")

// errRollback makes a transaction with nothing to keep roll back.
var errRollback = errors.New("import: nothing to keep")

func (c *checker) report(kind Kind) Report {
	return Report{Kind: kind, Rows: c.rows, New: c.added, Existing: c.existing, Problems: c.problems, MoreProblems: c.more}
}

// Check reads and checks a file without writing anything (the preview).
// A file that cannot be read at all is a *FileError. New counts the rows
// that would be added.
func (s *Service) Check(ctx context.Context, a Actor, kind Kind, file io.ReaderAt, size int64, progress func(int)) (Report, error) {
	if err := checkScope(a, kind); err != nil {
		return Report{}, err
	}
	var rep Report
	// The check runs in a transaction that is always rolled back, so that
	// it counts what the import would add exactly as the import does.
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		c, err := run(ctx, q, a, kind, file, size, s.loc, false, 0, s.now(), progress)
		if err != nil {
			return err
		}
		rep = c.report(kind)
		if !rep.OK() {
			rep.New = 0
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return rep, err
}

// Import checks the file and, when every row is valid, adds the new rows
// in one transaction, keeps the file in the object store with its
// SHA-256 and records the import as an audit event. Rows with problems →
// the report lists them, ErrInvalid, nothing written; a file that cannot
// be read → *FileError. When every row exists already nothing is written
// and the report's ImportID is 0.
func (s *Service) Import(ctx context.Context, a Actor, kind Kind, name string, file io.ReaderAt, size int64, progress func(int)) (Report, error) {
	if err := checkScope(a, kind); err != nil {
		return Report{}, err
	}
	sum, err := fileSHA256(file, size)
	if err != nil {
		return Report{}, err
	}
	key, err := objectKey()
	if err != nil {
		return Report{}, err
	}
	at := s.now().Truncate(time.Microsecond)
	var rep Report
	stored := false
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		id, err := q.InsertImport(ctx, store.Import{Kind: string(kind), FileName: name, ObjectKey: key, SHA256: sum,
			Size: size, ActorID: a.UserID, ActorName: a.Name, CreatedAt: at})
		if err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		c, err := run(ctx, q, a, kind, file, size, s.loc, true, id, at, progress)
		if err != nil {
			return err
		}
		rep = c.report(kind)
		rep.SHA256 = sum
		if !rep.OK() {
			return ErrInvalid
		}
		if c.added == 0 {
			return errRollback
		}
		if err := q.SetImportRows(ctx, id, c.added); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, q, at, audit.Entry{ActorID: a.UserID, ActorName: a.Name, Action: "import",
			ObjectType: "import", ObjectID: audit.ID(id),
			Detail: map[string]any{"kind": string(kind), "file_name": name, "sha256": sum, "size": size,
				"rows": c.rows, "added": c.added, "existing": c.existing, "object_key": key}}); err != nil {
			return err
		}
		// The file is stored before the commit: a commit that fails
		// removes it again, a failed upload rolls everything back.
		if err := s.objects.Put(ctx, key, io.NewSectionReader(file, 0, size), size,
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"); err != nil {
			return fmt.Errorf("store import file: %w", err)
		}
		stored = true
		rep.ImportID = id
		return nil
	})
	if err != nil && stored {
		if derr := s.objects.Delete(context.WithoutCancel(ctx), key); derr != nil {
			s.log.Error("remove import file after failed commit", "key", key, "error", derr)
		}
		rep.ImportID = 0
	}
	switch {
	case errors.Is(err, errRollback):
		return rep, nil
	case err != nil:
		rep.ImportID = 0
		return rep, err
	}
	s.log.Info("import", "kind", string(kind), "import_id", rep.ImportID, "rows", rep.Rows, "added", rep.New,
		"existing", rep.Existing, "sha256", sum)
	return rep, nil
}

// InUseError says why an import cannot be undone.
type InUseError struct{ Reason string }

func (e *InUseError) Error() string { return "不能撤销:" + e.Reason }

// HTTPStatus is 409: the import's rows are in use.
func (e *InUseError) HTTPStatus() int { return 409 }

// Code is the stable English code.
func (e *InUseError) Code() string { return "import_in_use" }

// Message is the Chinese text for people.
func (e *InUseError) Message() string { return e.Error() }

// Undo removes the rows an import added, while nothing has been built on
// them; the file stays in the object store and the undoing is audited.
func (s *Service) Undo(ctx context.Context, a Actor, id int64) error {
	at := s.now().Truncate(time.Microsecond)
	return s.store.InTx(ctx, func(q *store.Queries) error {
		im, err := q.LockImport(ctx, id)
		if err != nil {
			return err
		}
		if im.UndoneAt.Valid {
			return &InUseError{Reason: "该导入已撤销"}
		}
		if a.Jurisdiction != 0 && a.UserID != im.ActorID {
			return &ScopeError{msg: "只能撤销本人所做的导入"}
		}
		reason, err := q.ImportInUse(ctx, id, im.Kind)
		if err != nil {
			return err
		}
		if reason != "" {
			return &InUseError{Reason: "导入的数据已被使用(" + reason + ")"}
		}
		if err := q.DeleteImportRows(ctx, id, im.Kind); err != nil {
			return err
		}
		if err := q.MarkImportUndone(ctx, id, a.UserID, at); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, at, audit.Entry{ActorID: a.UserID, ActorName: a.Name, Action: "import_undo",
			ObjectType: "import", ObjectID: audit.ID(id),
			Detail: map[string]any{"kind": im.Kind, "file_name": im.FileName, "sha256": im.SHA256, "rows": im.Rows}})
		return err
	})
}

// Imports lists the latest imports.
func (s *Service) Imports(ctx context.Context) ([]store.Import, error) {
	return s.store.Imports(ctx, 50)
}

func fileSHA256(file io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(file, 0, size)); err != nil {
		return "", fmt.Errorf("read import file: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func objectKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "imports/" + hex.EncodeToString(b), nil
}
