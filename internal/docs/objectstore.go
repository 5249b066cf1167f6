// Package docs keeps review documents: bytes in MinIO through minio-go,
// metadata in MariaDB through the store.
package docs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// ObjectStore is the MinIO bucket holding document bytes.
type ObjectStore struct {
	Client *minio.Client
	Bucket string
}

// ObjectStoreOptions configure the MinIO connection.
type ObjectStoreOptions struct {
	Endpoint, AccessKey, SecretKey, Bucket string
	Secure                                 bool
}

// NewObjectStore connects to MinIO and creates the bucket if missing.
func NewObjectStore(ctx context.Context, o ObjectStoreOptions) (*ObjectStore, error) {
	cl, err := minio.New(o.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""), Secure: o.Secure})
	if err != nil {
		return nil, fmt.Errorf("minio client: %w", err)
	}
	s := &ObjectStore{Client: cl, Bucket: o.Bucket}
	if err := s.EnsureBucket(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// EnsureBucket creates the bucket when it does not exist.
func (s *ObjectStore) EnsureBucket(ctx context.Context) error {
	ok, err := s.Client.BucketExists(ctx, s.Bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", s.Bucket, err)
	}
	if ok {
		return nil
	}
	if err := s.Client.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{}); err != nil {
		resp := minio.ToErrorResponse(err)
		if resp.Code == "BucketAlreadyOwnedByYou" || resp.Code == "BucketAlreadyExists" {
			return nil
		}
		return fmt.Errorf("create bucket %s: %w", s.Bucket, err)
	}
	return nil
}

// Ping checks that MinIO answers and the bucket is there (for /readyz).
func (s *ObjectStore) Ping(ctx context.Context) error {
	ok, err := s.Client.BucketExists(ctx, s.Bucket)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("bucket %s missing", s.Bucket)
	}
	return nil
}

// PartSize is the multipart part size of uploads of unknown length:
// minio-go fills one buffer of this size at a time, so it bounds the memory
// an upload takes whatever the file's size (MinIO's minimum is 5 MiB).
const PartSize = 8 << 20

// Put stores r under key. With size -1 (length unknown, as for a streamed
// multipart upload) minio-go uploads parts of PartSize from two buffers.
// The payload is not hashed a second time for the request signature:
// finreview computes the SHA-256 of every document itself on the way.
func (s *ObjectStore) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	opts := minio.PutObjectOptions{ContentType: contentType, PartSize: PartSize, DisableContentSha256: true}
	if size < 0 {
		// Two part buffers: one fills from the request while the other is
		// sent, so reading the upload never waits for MinIO.
		opts.ConcurrentStreamParts, opts.NumThreads = true, 2
	}
	if _, err := s.Client.PutObject(ctx, s.Bucket, key, r, size, opts); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get opens an object for reading.
func (s *ObjectStore) Get(ctx context.Context, key string) (*minio.Object, error) {
	obj, err := s.Client.GetObject(ctx, s.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, convert(err)
	}
	return obj, nil
}

// Stat returns an object's size, or os.ErrNotExist.
func (s *ObjectStore) Stat(ctx context.Context, key string) (int64, error) {
	info, err := s.Client.StatObject(ctx, s.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return 0, convert(err)
	}
	return info.Size, nil
}

// Delete removes an object; a missing one is not an error.
func (s *ObjectStore) Delete(ctx context.Context, key string) error {
	err := s.Client.RemoveObject(ctx, s.Bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !errors.Is(convert(err), os.ErrNotExist) {
		return err
	}
	return nil
}

// Object is one listed object.
type Object struct {
	Key          string
	Size         int64
	LastModified time.Time
}

// List calls fn for every object under prefix.
func (s *ObjectStore) List(ctx context.Context, prefix string, fn func(Object) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("list %s: %w", prefix, o.Err)
		}
		if err := fn(Object{Key: o.Key, Size: o.Size, LastModified: o.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// convert maps MinIO errors to the standard library's.
func convert(err error) error {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NoSuchBucket":
		return fmt.Errorf("%w: %v", os.ErrNotExist, err)
	case "AccessDenied":
		return fmt.Errorf("%w: %v", os.ErrPermission, err)
	}
	return err
}
