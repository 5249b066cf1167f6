package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/input"
	"finreview/internal/store"
)

func TestCheckPassword(t *testing.T) {
	p := auth.DefaultPolicy()
	tests := []struct {
		name, user, pw string
		ok             bool
	}{
		{"three classes", "wangli", "Review#2026", true},
		{"upper, lower and digit", "wangli", "Review2026", true},
		{"two classes", "wangli", "review2026", false},
		{"too short", "wangli", "Rv#2026", false},
		{"contains the user name", "wangli", "WangLi#2026", false},
		{"chinese counts as a special character", "wangli", "评审Review26", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := auth.CheckPassword(p, tt.user, tt.pw); (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	p.MinLength = 12
	if err := auth.CheckPassword(p, "wangli", "Review#2026"); err == nil {
		t.Fatal("a longer minimum from the policy is not applied")
	}
}

func principalOf(t *testing.T, s *store.Store, username string) auth.Principal {
	t.Helper()
	u, err := s.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return auth.FromUser(u)
}

// TestPolicyLockOutAndUnlock: the lock-out takes N and M from the policy
// the security administrator sets, and only they unlock.
func TestPolicyLockOutAndUnlock(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	anquan, admin := principalOf(t, s, "anquan"), principalOf(t, s, "admin")
	p := auth.DefaultPolicy()
	p.MaxFailures, p.LockMinutes = 3, 10
	if err := svc.SetPolicy(ctx, admin, p); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("admin sets the policy: %v", err)
	}
	bad := p
	bad.IdleMinutes = 0
	var pe *input.FieldError
	if err := svc.SetPolicy(ctx, anquan, bad); !errors.As(err, &pe) || pe.Field() != "idle_minutes" {
		t.Fatalf("idle 0: %v", err)
	}
	if err := svc.SetPolicy(ctx, anquan, p); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		svc.Authenticate(ctx, "caizheng", "wrong", "10.0.0.9")
	}
	if _, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.0.9"); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("after 3 failures under a policy of 3: %v", err)
	}
	locked, err := svc.LockedAccounts(ctx, anquan)
	if until, ok := locked["caizheng"]; err != nil || !ok || !until.Equal(clock.Add(10*time.Minute)) {
		t.Fatalf("locked = %v, %v; want until now+10m", locked, err)
	}
	u, _ := s.UserByUsername(ctx, "caizheng")
	if err := svc.Unlock(ctx, admin, u.ID); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("admin unlocks: %v", err)
	}
	if err := svc.Unlock(ctx, anquan, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.0.9"); err != nil {
		t.Fatalf("after the unlock: %v", err)
	}
}

// TestPasswordChangeAndHistory: the current password is checked, the last
// N are not reused, a reset forces a change and a change clears it.
func TestPasswordChangeAndHistory(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	u, _ := s.UserByUsername(ctx, "jianshe")
	if must, _ := svc.MustChangePassword(ctx, u); must {
		t.Fatal("a demo login must not be forced to change")
	}
	if err := svc.ChangePassword(ctx, u.ID, "wrong", "Review#2027", ""); !errors.Is(err, auth.ErrWrongPassword) {
		t.Fatalf("wrong current: %v", err)
	}
	if err := svc.ChangePassword(ctx, u.ID, "Demo@2026", "Review#2027", ""); err != nil {
		t.Fatal(err)
	}
	if err := svc.ChangePassword(ctx, u.ID, "Review#2027", "Demo@2026", ""); err == nil {
		t.Fatal("a password of the last five was reused")
	}
	if err := svc.ResetPassword(ctx, auth.Principal{Name: "命令行"}, "jianshe", "Reset#20261"); err != nil {
		t.Fatal(err)
	}
	u, _ = s.UserByUsername(ctx, "jianshe")
	if must, _ := svc.MustChangePassword(ctx, u); !must {
		t.Fatal("a reset password does not force a change")
	}
	if err := svc.ChangePassword(ctx, u.ID, "Reset#20261", "Changed#2028", ""); err != nil {
		t.Fatal(err)
	}
	u, _ = s.UserByUsername(ctx, "jianshe")
	if must, _ := svc.MustChangePassword(ctx, u); must {
		t.Fatal("the change did not clear the forced change")
	}
	*clock = u.PasswordChangedAt.Add(91 * 24 * time.Hour)
	if must, _ := svc.MustChangePassword(ctx, u); !must {
		t.Fatal("a password older than 90 days is not expired")
	}
	events, n, err := s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: "password_change"})
	if err != nil || n != 2 || events[0].ObjectID != "jianshe" {
		t.Fatalf("password_change audit: %d %v", n, err)
	}
}

// TestSessionLimits: a session ends after the policy's idle time without
// a request and after its absolute lifetime however busy; a single-session
// policy ends the older sessions at sign-in; a session shows the sign-in
// before it.
func TestSessionLimits(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	advance := func(d time.Duration) { *clock = clock.Add(d) }
	login := func() (store.User, string) {
		t.Helper()
		u, err := svc.Authenticate(ctx, "pingshen", "Demo@2026", "10.1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := svc.NewSession(ctx, u, "10.1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		return u, tok
	}
	_, idle := login()
	advance(29 * time.Minute)
	if _, _, err := svc.Session(ctx, idle); err != nil {
		t.Fatalf("29 minutes idle: %v", err)
	}
	advance(31 * time.Minute)
	if _, _, err := svc.Session(ctx, idle); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("31 minutes idle: %v", err)
	}

	first := clock.Add(0)
	_, busy := login()
	for range 12*3 - 1 {
		advance(20 * time.Minute)
		if _, _, err := svc.Session(ctx, busy); err != nil {
			t.Fatalf("busy at %v: %v", clock.Sub(first), err)
		}
	}
	advance(20 * time.Minute)
	if _, _, err := svc.Session(ctx, busy); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("busy past 12 hours: %v", err)
	}

	anquan := principalOf(t, s, "anquan")
	p := auth.DefaultPolicy()
	p.SingleSession = true
	if err := svc.SetPolicy(ctx, anquan, p); err != nil {
		t.Fatal(err)
	}
	_, one := login()
	u, two := login()
	if _, _, err := svc.Session(ctx, one); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("the older session survived a single-session sign-in: %v", err)
	}
	sess, _, err := svc.Session(ctx, two)
	if err != nil || sess.PrevLoginIP != "10.1.1.1" || !sess.PrevLoginAt.Equal(u.LastLoginAt) || u.LastLoginAt.IsZero() {
		t.Fatalf("previous sign-in %v %q (user's %v), %v", sess.PrevLoginAt, sess.PrevLoginIP, u.LastLoginAt, err)
	}
}
