package testenv

import (
	"context"
	"testing"
)

func TestEnvironment(t *testing.T) {
	s := DB(t)
	seeded := Demo(t, s)
	if len(seeded.Projects) == 0 {
		t.Fatalf("demo loaded no projects")
	}
	u, err := s.UserByUsername(context.Background(), "pingshen")
	if err != nil || u.Role != "review_center" {
		t.Fatalf("pingshen = %+v, %v", u, err)
	}
	o := Objects(t)
	ok, err := o.Client.BucketExists(context.Background(), o.Bucket)
	if err != nil || !ok {
		t.Fatalf("bucket %s exists = %v, %v", o.Bucket, ok, err)
	}
}
