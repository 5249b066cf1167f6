package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

func TestHashPasswordPolicy(t *testing.T) {
	tests := []struct {
		name, pw string
		ok       bool
	}{
		{"too short", "Ab1@", false},
		{"eight characters", "Demo@202", true},
		{"chinese characters count as characters", "财政投资评审中心", true},
		{"longer than bcrypt takes", string(make([]byte, 73)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := auth.HashPassword(tt.pw)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && (len(h) < 50 || h[:4] != "$2a$") {
				t.Fatalf("not a bcrypt hash: %q", h)
			}
		})
	}
}

func TestScopeByRole(t *testing.T) {
	tests := []struct {
		name string
		p    auth.Principal
		want store.Scope
	}{
		{"admin sees all", auth.Principal{Role: auth.Admin}, store.Scope{All: true}},
		{"section sees its jurisdiction", auth.Principal{Role: auth.FinanceSection, JurisdictionID: 2}, store.Scope{JurisdictionID: 2}},
		{"center with city grant sees all", auth.Principal{Role: auth.ReviewCenter, JurisdictionID: 1, CityGrant: true}, store.Scope{All: true}},
		{"firm sees its delegations", auth.Principal{Role: auth.Intermediary, OrgID: 9}, store.Scope{FirmID: 9}},
		{"firm user without firm sees nothing", auth.Principal{Role: auth.Intermediary}, store.Scope{FirmID: -1}},
		{"unit sees its own", auth.Principal{Role: auth.ConstructionUnit, OrgID: 4}, store.Scope{UnitID: 4}},
		{"contractor", auth.Principal{Role: auth.Contractor, OrgID: 5}, store.Scope{ContractorID: 5}},
		{"department", auth.Principal{Role: auth.CompetentDept, OrgID: 6}, store.Scope{DeptID: 6}},
		{"expert", auth.Principal{Role: auth.Expert, UserID: 7}, store.Scope{ExpertUserID: 7}},
		{"unknown role sees nothing", auth.Principal{Role: "visitor"}, store.Scope{None: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Scope(); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// demoClock is a fresh database with the demo city, and a clock the test
// moves: the returned time is what every service made with it reads.
func demoClock(t *testing.T) (*store.Store, *time.Time) {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local)
	return s, &now
}

func TestAuthenticateThrottlesAndSessions(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	advance := func(d time.Duration) { *clock = clock.Add(d) }

	if _, err := svc.Authenticate(ctx, "jianshe", "wrong-password", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := svc.Authenticate(ctx, "nobody", "Demo@2026", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("unknown user must look like a wrong password: %v", err)
	}
	u, err := svc.Authenticate(ctx, "jianshe", "Demo@2026", "10.0.0.1")
	if err != nil || u.Username != "jianshe" {
		t.Fatalf("good login: %v", err)
	}
	for i := 0; i < auth.MaxUserFailures; i++ {
		svc.Authenticate(ctx, "caizheng", "bad", "10.0.0.2")
	}
	if _, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.0.2"); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("after %d failures: %v, want throttled", auth.MaxUserFailures, err)
	}
	advance(auth.LockDuration + time.Minute)
	if _, err := svc.Authenticate(ctx, "caizheng", "Demo@2026", "10.0.0.2"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}

	tok, sess, err := svc.NewSession(ctx, u, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if sess.ID == tok {
		t.Fatal("the stored session id must be a hash of the cookie, not the cookie")
	}
	got, gu, err := svc.Session(ctx, tok)
	if err != nil || gu.ID != u.ID || !auth.CheckCSRF(got, sess.CSRFToken) || auth.CheckCSRF(got, "forged") {
		t.Fatalf("session lookup: %v", err)
	}
	advance(30*time.Minute + time.Minute)
	if _, _, err := svc.Session(ctx, tok); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("expired session: %v", err)
	}
	apiTok, err := svc.NewToken(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.TokenUser(ctx, apiTok); err != nil {
		t.Fatal(err)
	}
	advance(auth.TokenLifetime + time.Minute)
	if _, err := svc.TokenUser(ctx, apiTok); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("expired token: %v", err)
	}
}

// TestTokenTrust: a resolved token is answered from the instance's cache
// for TokenTrust at most, never past the token's own end, and never after
// the instance deactivated its user.
func TestTokenTrust(t *testing.T) {
	s, clock := demoClock(t)
	ctx := context.Background()
	svc := auth.NewService(s, func() time.Time { return *clock })
	other := auth.NewService(s, func() time.Time { return *clock }) // a second instance
	advance := func(d time.Duration) { *clock = clock.Add(d) }
	user := func(name string) store.User {
		u, err := s.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	deactivate := func(id int64) {
		if err := s.InTx(ctx, func(q *store.Queries) error { return q.SetUserActive(ctx, id, false) }); err != nil {
			t.Fatal(err)
		}
	}
	resolves := func(svc *auth.Service, tok string) bool {
		t.Helper()
		_, err := svc.TokenUser(ctx, tok)
		if err != nil && !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatal(err)
		}
		return err == nil
	}

	// The token's own end holds on a cached token.
	u := user("jianshe")
	tok, err := svc.NewToken(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	advance(auth.TokenLifetime - auth.TokenTrust/2)
	if !resolves(svc, tok) {
		t.Fatal("a live token was refused")
	}
	advance(auth.TokenTrust / 4)
	if !resolves(svc, tok) {
		t.Fatal("a live token was refused")
	}
	advance(auth.TokenTrust / 2) // past the token's end, inside the trust
	if resolves(svc, tok) {
		t.Fatal("an expired token was answered from the cache")
	}

	// Deactivated on another instance: trusted here for TokenTrust at most.
	u = user("caizheng")
	tok, err = svc.NewToken(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !resolves(svc, tok) || !resolves(other, tok) {
		t.Fatal("a live token was refused")
	}
	deactivate(u.ID)
	other.ForgetUser(u.ID)
	if resolves(other, tok) {
		t.Fatal("the instance that deactivated the user still answers for its token")
	}
	advance(auth.TokenTrust - time.Second)
	if !resolves(svc, tok) {
		t.Fatal("the cache was not used within TokenTrust")
	}
	advance(time.Second)
	if resolves(svc, tok) {
		t.Fatalf("a deactivated user's token was answered more than %s after", auth.TokenTrust)
	}
}

// TestNameOr: the trail names a principal by name, else by user name,
// else by what the caller falls back on.
func TestNameOr(t *testing.T) {
	tests := []struct {
		p    auth.Principal
		want string
	}{
		{auth.Principal{Name: "张三", Username: "zhang"}, "张三"},
		{auth.Principal{Username: "zhang"}, "zhang"},
		{auth.Principal{Role: auth.Auditor}, "系统"},
		{auth.SystemPrincipal(), "系统"},
	}
	for _, tc := range tests {
		if got := tc.p.NameOr("系统"); got != tc.want {
			t.Errorf("%+v.NameOr(系统) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestRefusedErrorAnswers: a refusal of any service gives the web layer
// its status, its stable code and its Chinese message.
func TestRefusedErrorAnswers(t *testing.T) {
	var err error = &auth.RefusedError{Status: 413, Reason: "too_large", Msg: "文件超过大小上限"}
	var r interface {
		HTTPStatus() int
		Code() string
		Message() string
	}
	if !errors.As(err, &r) || r.HTTPStatus() != 413 || r.Code() != "too_large" || r.Message() != "文件超过大小上限" ||
		err.Error() != "文件超过大小上限" {
		t.Fatalf("refusal %v does not answer its status, code and message", err)
	}
}
