package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/demo"
	"finreview/internal/store"
)

// trustEnv is two instances over one database with the demo city, on one
// clock the test moves.
type trustEnv struct {
	t          *testing.T
	s          *store.Store
	clock      *time.Time
	svc, other *auth.Service
}

func newTrustEnv(t *testing.T) *trustEnv {
	s, clock := demoClock(t)
	now := func() time.Time { return *clock }
	return &trustEnv{t: t, s: s, clock: clock, svc: auth.NewService(s, now), other: auth.NewService(s, now)}
}

func (e *trustEnv) advance(d time.Duration) { *e.clock = e.clock.Add(d) }

// signIn checks the demo password of username on svc and opens n sessions.
func (e *trustEnv) signIn(username string, n int) (store.User, []string) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.svc.Authenticate(ctx, username, demo.Password, "10.2.2.2")
	if err != nil {
		e.t.Fatal(err)
	}
	var toks []string
	for range n {
		tok, _, err := e.svc.NewSession(ctx, u, "10.2.2.2")
		if err != nil {
			e.t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	return u, toks
}

// resolves reports whether svc answers for the session of tok, and with
// which user.
func (e *trustEnv) resolves(svc *auth.Service, tok string) (store.User, bool) {
	e.t.Helper()
	_, u, err := svc.Session(context.Background(), tok)
	if err != nil && !errors.Is(err, auth.ErrUnauthenticated) {
		e.t.Fatal(err)
	}
	return u, err == nil
}

// TestSignOutEndsACachedSessionAtOnce: signing out ends the session on
// the instance at once, though it had the session cached; another
// instance that had it cached answers for it within TokenTrust at most.
func TestSignOutEndsACachedSessionAtOnce(t *testing.T) {
	e := newTrustEnv(t)
	_, toks := e.signIn("jianshe", 1)
	tok := toks[0]
	for _, svc := range []*auth.Service{e.svc, e.other} {
		if _, ok := e.resolves(svc, tok); !ok {
			t.Fatal("a live session was refused")
		}
	}
	if err := e.svc.EndSession(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.resolves(e.svc, tok); ok {
		t.Fatal("the instance that signed the session out still answers for it")
	}
	e.advance(auth.TokenTrust - time.Second)
	if _, ok := e.resolves(e.other, tok); !ok {
		t.Fatal("the other instance did not use its cache within TokenTrust")
	}
	e.advance(time.Second)
	if _, ok := e.resolves(e.other, tok); ok {
		t.Fatalf("the other instance answered for a signed-out session more than %s after", auth.TokenTrust)
	}
}

// TestChangesToAUserReachTheirCachedSessionsAtOnce: deactivating a user,
// changing their role or password, and a single-session sign-in reach
// the sessions the instance has cached at once.
func TestChangesToAUserReachTheirCachedSessionsAtOnce(t *testing.T) {
	e := newTrustEnv(t)
	ctx := context.Background()
	admin, anquan := principalOf(t, e.s, "admin"), principalOf(t, e.s, "anquan")
	cached := func(toks ...string) {
		t.Helper()
		for _, tok := range toks {
			if _, ok := e.resolves(e.svc, tok); !ok {
				t.Fatal("a live session was refused")
			}
		}
	}

	t.Run("deactivated", func(t *testing.T) {
		u, toks := e.signIn("jianshe", 1)
		cached(toks...)
		if _, err := e.svc.SetUserActive(ctx, admin, u.ID, false, "离职"); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.resolves(e.svc, toks[0]); ok {
			t.Fatal("a deactivated user's cached session was answered for")
		}
	})
	t.Run("role changed", func(t *testing.T) {
		u, toks := e.signIn("caizheng", 1)
		cached(toks...)
		if err := e.svc.GrantRole(ctx, anquan, u.ID, auth.ReviewCenter); err != nil {
			t.Fatal(err)
		}
		if got, ok := e.resolves(e.svc, toks[0]); !ok || got.Role != string(auth.ReviewCenter) {
			t.Fatalf("after the role change the session answers role %q (%v), want %q", got.Role, ok, auth.ReviewCenter)
		}
	})
	t.Run("password reset", func(t *testing.T) {
		u, toks := e.signIn("shigong", 1)
		cached(toks...)
		if _, err := e.svc.ResetToOneTime(ctx, anquan, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.resolves(e.svc, toks[0]); ok {
			t.Fatal("a session survived its user's password reset")
		}
	})
	t.Run("password changed", func(t *testing.T) {
		u, toks := e.signIn("pingshen", 2)
		cached(toks...)
		if err := e.svc.ChangePassword(ctx, u.ID, demo.Password, "Xq7#mpLk2vRw", auth.HashToken(toks[0])); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.resolves(e.svc, toks[1]); ok {
			t.Fatal("another session survived its user's password change")
		}
		if _, ok := e.resolves(e.svc, toks[0]); !ok {
			t.Fatal("the session that changed the password was ended")
		}
	})
	t.Run("single-session sign-in", func(t *testing.T) {
		p := auth.DefaultPolicy()
		p.SingleSession = true
		if err := e.svc.SetPolicy(ctx, anquan, p); err != nil {
			t.Fatal(err)
		}
		_, toks := e.signIn("shenji", 1)
		cached(toks...)
		e.signIn("shenji", 1)
		if _, ok := e.resolves(e.svc, toks[0]); ok {
			t.Fatal("the older cached session survived a single-session sign-in")
		}
	})
}

// TestPolicyChangeReachesCachedSessionsAtOnce: a shorter absolute
// lifetime set on the instance ends its cached sessions that are older
// at once.
func TestPolicyChangeReachesCachedSessionsAtOnce(t *testing.T) {
	e := newTrustEnv(t)
	_, toks := e.signIn("pingshen", 1)
	for range 5 {
		e.advance(20 * time.Minute)
		if _, ok := e.resolves(e.svc, toks[0]); !ok {
			t.Fatal("a busy session was refused")
		}
	}
	p := auth.DefaultPolicy()
	p.AbsoluteHours = 1
	if err := e.svc.SetPolicy(context.Background(), principalOf(t, e.s, "anquan"), p); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.resolves(e.svc, toks[0]); ok {
		t.Fatal("a session older than the new lifetime was answered for from the cache")
	}
}

// TestIdleTimeoutHoldsOnACachedSession: the idle timeout is checked on
// every request, against the cached session's last request, however long
// the instance trusts the session.
func TestIdleTimeoutHoldsOnACachedSession(t *testing.T) {
	e := newTrustEnv(t)
	auth.SetTrust(e.svc, 24*time.Hour)
	_, toks := e.signIn("jianshe", 1)
	if _, ok := e.resolves(e.svc, toks[0]); !ok {
		t.Fatal("a live session was refused")
	}
	p := auth.DefaultPolicy()
	p.IdleMinutes = 5
	if err := e.svc.SetPolicy(context.Background(), principalOf(t, e.s, "anquan"), p); err != nil {
		t.Fatal(err)
	}
	e.advance(6 * time.Minute)
	if _, ok := e.resolves(e.svc, toks[0]); ok {
		t.Fatal("a cached session idle past the timeout was answered for")
	}
	if _, _, err := e.s.SessionUser(context.Background(), auth.HashToken(toks[0]), *e.clock); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the idle session is still stored: %v", err)
	}
}

// TestCachedSessionTouchedOnceAMinute: a request more than a minute after
// the last writes the session's last request once; the cached session
// keeps it, so the requests after it do not write it again.
func TestCachedSessionTouchedOnceAMinute(t *testing.T) {
	e := newTrustEnv(t)
	ctx := context.Background()
	_, toks := e.signIn("jianshe", 1)
	hash := auth.HashToken(toks[0])
	e.advance(61 * time.Second)
	touched := *e.clock
	for range 3 {
		sess, _, err := e.svc.Session(ctx, toks[0])
		if err != nil {
			t.Fatal(err)
		}
		if !sess.LastSeen.Equal(touched) {
			t.Fatalf("last request %v, want %v", sess.LastSeen, touched)
		}
		var stored time.Time
		if err := e.s.DB.QueryRowContext(ctx, "SELECT last_seen_at FROM sessions WHERE id = ?", hash).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !stored.Equal(touched) {
			t.Fatalf("stored last request %v, want %v", stored, touched)
		}
		e.advance(time.Second)
	}
}

// TestCachedSessionsAreTheirOwn: each cookie is answered with its own
// session and user, however many are resolved at once; a session cookie
// is never taken for a bearer token, nor a token for a cookie.
func TestCachedSessionsAreTheirOwn(t *testing.T) {
	e := newTrustEnv(t)
	ctx := context.Background()
	type who struct {
		id  int64
		tok string
	}
	var people []who
	for _, name := range []string{"jianshe", "caizheng", "pingshen"} {
		u, toks := e.signIn(name, 2)
		for _, tok := range toks {
			people = append(people, who{u.ID, tok})
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 60 {
				w := people[(g+i)%len(people)]
				sess, u, err := e.svc.Session(ctx, w.tok)
				if err == nil && (u.ID != w.id || sess.UserID != w.id || sess.ID != auth.HashToken(w.tok)) {
					err = errors.New("a cookie was answered with another's session")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	if _, err := e.svc.TokenUser(ctx, people[0].tok); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("a cached session's cookie was taken for a bearer token: %v", err)
	}
	apiTok, err := e.svc.NewToken(ctx, people[0].id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TokenUser(ctx, apiTok); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.resolves(e.svc, apiTok); ok {
		t.Fatal("a cached bearer token was taken for a session cookie")
	}
	if _, ok := e.resolves(e.svc, people[0].tok+"0"); ok {
		t.Fatal("a cookie that is not a session's was answered for")
	}
}
