package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"finreview/internal/auth"
)

// TestConcurrentGuessesStopAtTheLimit: forty wrong passwords sent at once
// get at most MaxUserFailures password checks between them; the account is
// then locked, the right password too answers with when it unlocks, the
// lock is in the audit trail, and the account opens again after it.
func TestConcurrentGuessesStopAtTheLimit(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })

	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Authenticate(ctx, "caizheng", fmt.Sprintf("guess-%02d", i), fmt.Sprintf("10.0.1.%d", i))
		}()
	}
	wg.Wait()
	bad, throttled := 0, 0
	for _, err := range errs {
		switch {
		case errors.Is(err, auth.ErrBadCredentials):
			bad++
		case errors.Is(err, auth.ErrThrottled):
			throttled++
		default:
			t.Fatalf("unexpected answer: %v", err)
		}
	}
	var checked int
	if err := s.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM login_attempts WHERE username = 'caizheng'").Scan(&checked); err != nil {
		t.Fatal(err)
	}
	if checked > auth.MaxUserFailures || bad > auth.MaxUserFailures {
		t.Fatalf("%d passwords checked, %d answered wrong; at most %d may be", checked, bad, auth.MaxUserFailures)
	}

	_, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.2.1")
	var te *auth.ThrottleError
	if !errors.As(err, &te) || !te.Locked || !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("right password on a locked account: %v, want the lock", err)
	}
	if want := clock.Add(auth.LockDuration); te.Until.Sub(want).Abs() > time.Second {
		t.Fatalf("unlocks at %s, want %s", te.Until, want)
	}
	var locks int
	if err := s.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_events WHERE action = 'account_locked' AND object_id = 'caizheng'").
		Scan(&locks); err != nil {
		t.Fatal(err)
	}
	if locks != 1 {
		t.Fatalf("%d lock events in the audit trail, want 1", locks)
	}

	*clock = clock.Add(auth.LockDuration + time.Second)
	if _, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.2.1"); err != nil {
		t.Fatalf("after the lock ends: %v", err)
	}
}

// TestMadeUpNamesDoNotLockOutTheirAddress: an address that sprays made-up
// names is refused more of them, while a real user behind the same
// address still signs in; a wrong password of a real name then answers as
// an unknown name does.
func TestMadeUpNamesDoNotLockOutTheirAddress(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	const proxy = "10.0.9.9"
	for i := 0; i < auth.MaxIPFailures; i++ {
		if _, err := svc.Authenticate(ctx, fmt.Sprintf("nobody%02d", i), "Demo@2026", proxy); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("made-up name %d: %v", i, err)
		}
	}
	if _, err := svc.Authenticate(ctx, "nobody-more", "Demo@2026", proxy); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("made-up name past the address's count: %v, want throttled", err)
	}
	for _, name := range []string{"jianshe", "pingshen", "caizheng"} {
		u, err := svc.Authenticate(ctx, name, "Demo@2026", proxy)
		if err != nil || u.Username != name {
			t.Fatalf("%s from the same address: %v", name, err)
		}
	}
	if _, err := svc.Authenticate(ctx, "jianshe", "wrong-password", proxy); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("wrong password from the address: %v, want the same answer as a made-up name", err)
	}
	if _, err := svc.Authenticate(ctx, "jianshe", "Demo@2026", proxy); err != nil {
		t.Fatalf("right password after a wrong one: %v", err)
	}
	if _, err := svc.Authenticate(ctx, "nobody00", "Demo@2026", "10.0.9.10"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("another address: %v", err)
	}
}

// TestMadeUpNamesLockLikeRealOnes: a lock-out does not tell whether a name
// exists.
func TestMadeUpNamesLockLikeRealOnes(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	for _, name := range []string{"jianshe", "nobody"} {
		for i := 0; i < auth.MaxUserFailures; i++ {
			if _, err := svc.Authenticate(ctx, name, "wrong-password", fmt.Sprintf("10.0.3.%d", i)); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("%s attempt %d: %v", name, i, err)
			}
		}
		var te *auth.ThrottleError
		if _, err := svc.Authenticate(ctx, name, "Demo@2026", "10.0.3.99"); !errors.As(err, &te) || !te.Locked {
			t.Fatalf("%s after %d failures: %v, want locked", name, auth.MaxUserFailures, err)
		}
	}
}

// TestChecksLeftInFlightStopCounting: claims of password checks that never
// finished (their instance died between the claim and the answer) keep the
// right password out only for a short while, and the right password
// signs in meanwhile as soon as they are stale; concurrent right
// passwords all sign in.
func TestChecksLeftInFlightStopCounting(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	// Five checks claimed and never answered, as a killed instance leaves them.
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO login_throttle (throttle_key, window_start, claims, claimed_at, failures)
		VALUES ('account:caizheng', ?, ?, ?, 0)`, *clock, auth.MaxUserFailures, *clock); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.3.1"); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("right password with five checks in flight: %v, want a short refusal", err)
	}
	*clock = clock.Add(time.Minute)
	if _, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.3.1"); err != nil {
		t.Fatalf("right password once the dead checks are stale: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, auth.MaxUserFailures)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.3.2")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent right passwords: %v", err)
		}
	}
	// The right passwords left nothing counting against the account.
	for i := range auth.MaxUserFailures - 1 {
		if _, err := svc.Authenticate(ctx, "caizheng", fmt.Sprintf("wrong-%d", i), "10.0.3.3"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	if _, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.3.4"); err != nil {
		t.Fatalf("right password after four failures: %v", err)
	}
}
