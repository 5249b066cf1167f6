package demo_test

import (
	"context"
	"testing"

	"finreview/internal/demo"
	"finreview/internal/testenv"
)

// TestLoadAddsSeparatedLoginsOnce: seed-demo creates anquan and shenji
// and stays idempotent when run again.
func TestLoadAddsSeparatedLoginsOnce(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	if _, err := demo.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		users, err := s.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(users)
	}
	before := count()
	for range 2 {
		out, err := demo.Load(ctx, s)
		if err != nil || !out.AlreadyLoaded {
			t.Fatalf("second load: %+v, %v", out.AlreadyLoaded, err)
		}
		if n := count(); n != before {
			t.Fatalf("%d users after a repeated load, want %d", n, before)
		}
	}
	for _, name := range []string{"anquan", "shenji"} {
		u, err := s.UserByUsername(ctx, name)
		if err != nil || !u.Demo {
			t.Fatalf("%s: %+v, %v", name, u, err)
		}
	}
}
