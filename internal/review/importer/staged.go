package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"finreview/internal/store"
)

// Stage keeps a file that passed its check for its commit, in the object
// store (every instance reaches it) and recorded for the person, so that
// they commit it without choosing it again.
func (s *Service) Stage(ctx context.Context, a Actor, kind Kind, name string, file io.ReaderAt, size int64) (int64, error) {
	sum, err := fileSHA256(file, size)
	if err != nil {
		return 0, err
	}
	key, err := objectKey()
	if err != nil {
		return 0, err
	}
	key = "imports/checked/" + key[len("imports/"):]
	if err := s.objects.Put(ctx, key, io.NewSectionReader(file, 0, size), size,
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"); err != nil {
		return 0, fmt.Errorf("keep checked import file: %w", err)
	}
	id, err := s.store.InsertStagedImport(ctx, store.StagedImport{UserID: a.UserID, Kind: string(kind), FileName: name,
		ObjectKey: key, SHA256: sum, Size: size, CreatedAt: s.now().Truncate(time.Microsecond)})
	if err != nil {
		if derr := s.objects.Delete(context.WithoutCancel(ctx), key); derr != nil {
			s.log.Error("remove checked import file", "key", key, "error", derr)
		}
		return 0, err
	}
	return id, nil
}

// StagedError refuses the commit of a checked file that is gone or was
// committed already (409).
type StagedError struct{ msg string }

func (e *StagedError) Error() string   { return e.msg }
func (e *StagedError) HTTPStatus() int { return 409 }
func (e *StagedError) Code() string    { return "import_staged" }

// CommitStaged imports a file the person checked before: every row is
// checked again (the database may have changed since), and the commit is
// all-or-nothing as with Import. Another person's file is not found.
func (s *Service) CommitStaged(ctx context.Context, a Actor, id int64, progress func(int)) (Report, store.StagedImport, error) {
	st, err := s.store.StagedImportOf(ctx, id, a.UserID)
	if err != nil {
		return Report{}, st, err
	}
	if st.ImportID.Valid {
		msg := "该文件已经导入,未再写入"
		if st.ImportID.Int64 != 0 {
			msg = "该文件已经导入(第 " + strconv.FormatInt(st.ImportID.Int64, 10) + " 次导入),未再写入"
		}
		return Report{}, st, &StagedError{msg: msg}
	}
	kind, err := ParseKind(st.Kind)
	if err != nil {
		return Report{}, st, err
	}
	f, err := os.CreateTemp("", "finreview-import-*.xlsx")
	if err != nil {
		return Report{}, st, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	obj, err := s.objects.Get(ctx, st.ObjectKey)
	if err != nil {
		return Report{}, st, fmt.Errorf("read checked import file: %w", err)
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), obj)
	obj.Close()
	if err != nil {
		return Report{}, st, &StagedError{msg: "检查过的文件已不可读,请重新上传"}
	}
	if size != st.Size || hex.EncodeToString(h.Sum(nil)) != st.SHA256 {
		return Report{}, st, &StagedError{msg: "检查过的文件与检查时不一致,请重新上传"}
	}
	rep, err := s.Import(ctx, a, kind, st.FileName, f, size, progress)
	if err != nil {
		return rep, st, err
	}
	if err := s.store.MarkStagedImported(ctx, st.ID, rep.ImportID); err != nil {
		return rep, st, err
	}
	// The import keeps its own copy of the file; the checked one goes.
	if err := s.objects.Delete(context.WithoutCancel(ctx), st.ObjectKey); err != nil {
		s.log.Error("remove checked import file", "key", st.ObjectKey, "error", err)
	}
	return rep, st, nil
}

// SetProgress records how far a person's running check or commit has
// read, under the token their page polls; it is written outside the
// import's transaction, so every instance can answer the poll.
func (s *Service) SetProgress(ctx context.Context, userID int64, token string, p store.ImportProgress) error {
	return s.store.SetImportProgress(ctx, token, userID, p, s.now())
}

// Progress reads the progress under a person's token.
func (s *Service) Progress(ctx context.Context, userID int64, token string) (store.ImportProgress, error) {
	return s.store.ImportProgressOf(ctx, token, userID)
}
