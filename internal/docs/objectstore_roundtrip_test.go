package docs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"finreview/internal/testenv"
)

func TestObjectStoreRoundTrip(t *testing.T) {
	o := testenv.Objects(t)
	ctx := context.Background()
	body := []byte("巴彦淖尔市财政投资评审 — round trip")
	if err := o.Put(ctx, "reviews/1/abc", bytes.NewReader(body), int64(len(body)), "text/plain"); err != nil {
		t.Fatal(err)
	}
	size, err := o.Stat(ctx, "reviews/1/abc")
	if err != nil || size != int64(len(body)) {
		t.Fatalf("stat: %d %v", size, err)
	}
	obj, err := o.Get(ctx, "reviews/1/abc")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("get: %q %v", got, err)
	}
	if err := o.Delete(ctx, "reviews/1/abc"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Stat(ctx, "reviews/1/abc"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after delete: %v, want not exist", err)
	}
	if err := o.Delete(ctx, "reviews/1/abc"); err != nil {
		t.Fatalf("deleting a missing object is not an error: %v", err)
	}
	if err := o.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
