package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// location is where backups are kept: a directory or an S3 prefix. Every
// Put is atomic: a reader sees the whole file or none of it.
type location interface {
	Put(ctx context.Context, name string, r io.Reader, size int64) error
	// Open returns an os.ErrNotExist error for a missing name.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Stat returns the size, or an os.ErrNotExist error.
	Stat(ctx context.Context, name string) (int64, error)
	String() string
}

// S3 configures the connection to an S3 endpoint holding backups.
type S3 struct {
	Endpoint, AccessKey, SecretKey string
	Secure                         bool
}

// openLocation opens "DIR" or "s3://bucket/prefix"; create makes what is
// missing (a backup), otherwise the location must exist (a restore).
func openLocation(ctx context.Context, where string, s3 S3, create bool) (location, error) {
	if where == "" {
		return nil, errors.New("未指定备份位置")
	}
	if rest, ok := strings.CutPrefix(where, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return nil, fmt.Errorf("备份位置 %s 未写明桶名(s3://桶/前缀)", where)
		}
		cl, err := minio.New(s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, ""), Secure: s3.Secure})
		if err != nil {
			return nil, fmt.Errorf("s3 client: %w", err)
		}
		ok, err := cl.BucketExists(ctx, bucket)
		if err != nil {
			return nil, fmt.Errorf("无法访问备份桶 %s(%s):%w", bucket, s3.Endpoint, err)
		}
		if !ok {
			if !create {
				return nil, fmt.Errorf("备份桶 %s 不存在", bucket)
			}
			if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
				return nil, fmt.Errorf("创建备份桶 %s:%w", bucket, err)
			}
		}
		prefix = strings.Trim(prefix, "/")
		if prefix != "" {
			prefix += "/"
		}
		return &s3Location{cl: cl, bucket: bucket, prefix: prefix}, nil
	}
	dir, err := filepath.Abs(where)
	if err != nil {
		return nil, err
	}
	if create {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("创建备份目录 %s:%w", dir, err)
		}
	} else if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("备份目录 %s 不存在", dir)
	}
	return dirLocation(dir), nil
}

type dirLocation string

func (d dirLocation) String() string { return string(d) }

func (d dirLocation) path(name string) string {
	return filepath.Join(string(d), filepath.FromSlash(name))
}

// Put writes to a temporary file beside the final one, syncs it and
// renames it into place.
func (d dirLocation) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := d.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	tmp := p + ".tmp-" + hex.EncodeToString(b[:])
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("wrote %d bytes of %d", n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = ctx.Err()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	if dir, err := os.Open(filepath.Dir(p)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

func (d dirLocation) Open(_ context.Context, name string) (io.ReadCloser, error) {
	return os.Open(d.path(name))
}

func (d dirLocation) Stat(_ context.Context, name string) (int64, error) {
	fi, err := os.Stat(d.path(name))
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

type s3Location struct {
	cl     *minio.Client
	bucket string
	prefix string
}

func (s *s3Location) String() string { return "s3://" + s.bucket + "/" + s.prefix }

func (s *s3Location) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	_, err := s.cl.PutObject(ctx, s.bucket, s.prefix+name, r, size, minio.PutObjectOptions{PartSize: 16 << 20})
	if err != nil {
		return fmt.Errorf("put %s: %w", s.prefix+name, err)
	}
	return nil
}

func (s *s3Location) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if _, err := s.Stat(ctx, name); err != nil {
		return nil, err
	}
	o, err := s.cl.GetObject(ctx, s.bucket, s.prefix+name, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	return o, nil
}

func (s *s3Location) Stat(ctx context.Context, name string) (int64, error) {
	info, err := s.cl.StatObject(ctx, s.bucket, s.prefix+name, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return 0, fmt.Errorf("%s: %w", s.prefix+name, os.ErrNotExist)
		}
		return 0, err
	}
	return info.Size, nil
}
