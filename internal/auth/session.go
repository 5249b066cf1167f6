package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"finreview/internal/audit"
	"finreview/internal/calendar"
	"finreview/internal/store"
	"finreview/internal/trust"
)

// Session and token lifetimes, and login throttling limits (see
// Authenticate).
const (
	TokenLifetime = 12 * time.Hour
	// ThrottleWindow is the window the attempts of an account name or an
	// address are counted in.
	ThrottleWindow = 15 * time.Minute
	// MaxUserFailures is how many password checks an account name gets per
	// window; that many failures lock the account for LockDuration.
	MaxUserFailures = 5
	LockDuration    = 30 * time.Minute
	// MaxIPFailures is how many sign-ins with unknown names an address gets
	// per window.
	MaxIPFailures    = 30
	minPasswordRunes = 8
)

// Service signs people in and resolves sessions and tokens.
type Service struct {
	store *store.Store
	now   func() time.Time
	// trusted are the tokens and sessions this instance resolved (trust.go).
	trusted *trustCache
	// policy is the security policy as a request last read it, trusted
	// for TokenTrust (cachedPolicy).
	policy *trust.Map[struct{}, Policy]
	// names are the jurisdictions' names (JurisdictionName) and their
	// list (JurisdictionChoices).
	names *trust.Map[struct{}, jurisdictionNames]
	// orgs are the organizations of each kind as a list's filter offers
	// them (OrganizationChoices), by kind.
	orgs *trust.Map[string, orgChoices]
}

// NewService builds the service; now is the clock (time.Now in production).
func NewService(s *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now, trusted: newTrustCache(TokenTrust),
		policy: trust.New[struct{}, Policy](TokenTrust, 1, nil),
		names:  trust.New[struct{}, jurisdictionNames](NameTrust, 1, nil),
		orgs:   newOrgCache(s)}
}

// HashPassword hashes with bcrypt after checking the password policy.
func HashPassword(pw string) (string, error) {
	if len([]rune(pw)) < minPasswordRunes {
		return "", fmt.Errorf("密码至少 %d 个字符", minPasswordRunes)
	}
	if len(pw) > 72 {
		return "", errors.New("密码不能超过 72 个字节")
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// dummyHash keeps the time of a failed sign-in for an unknown user close to
// that of a wrong password, so timing does not tell which part was wrong.
const dummyHash = "$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z5Rr/1Q5c0G3vKd5bEw5u2jS"

// Authenticate checks a user name and password, with throttling.
//
// Every password check is claimed first, under the lock of the account
// name's row in login_throttle: the checks in flight and the failures of a
// window together never exceed MaxUserFailures, so at most that many wrong
// passwords are ever checked, however many requests arrive at once, and
// that many failures lock the account for LockDuration (429 with the time
// it unlocks, and an "account_locked" audit event). A success clears the
// count. A claim whose check never finished (its instance died) stops
// counting after claimTTL, so it cannot keep the right password out.
// Unknown names are counted the same way, so a lock-out does not tell
// whether a name exists.
//
// An address is limited only in what cannot hurt the people behind it: its
// sign-ins with unknown names (guessed or sprayed names) are claimed from
// the address's own count, MaxIPFailures per window. A name that exists is
// never refused because of its address, so everyone behind one proxy keeps
// signing in with the right password; once the address is over its count,
// a wrong password answers 429 like an unknown name, so the difference
// between the two answers does not reveal which names exist.
func (s *Service) Authenticate(ctx context.Context, username, password, ip string) (store.User, error) {
	now := s.now()
	policy, err := s.Policy(ctx)
	if err != nil {
		return store.User{}, err
	}
	u, err := s.store.UserByUsername(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	known := err == nil
	key := accountKey(u, username)
	if !known {
		if err := s.claim(ctx, addressKey(ip), MaxIPFailures, now); err != nil {
			return store.User{}, err
		}
	}
	if err := s.claimCheck(ctx, key, policy.MaxFailures, now); err != nil {
		return store.User{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = dummyHash
	}
	ok := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil && known && u.Active
	if err := s.store.RecordLoginAttempt(ctx, username, ip, ok, now); err != nil {
		return store.User{}, err
	}
	if ok {
		if err := s.store.ClearLoginThrottle(ctx, key); err != nil {
			return store.User{}, err
		}
		// u keeps the sign-in before this one, for NewSession to show.
		if err := s.store.RecordLogin(ctx, u.ID, ip, now); err != nil {
			return store.User{}, err
		}
		return u, nil
	}
	if err := s.fail(ctx, key, u, ip, policy, now); err != nil {
		return store.User{}, err
	}
	if known {
		over, err := s.addressOver(ctx, ip, now)
		if err != nil {
			return store.User{}, err
		}
		if over {
			return store.User{}, ErrThrottled
		}
	}
	return store.User{}, ErrBadCredentials
}

// ThrottleError refuses a sign-in that is over its count (Locked false) or
// whose account is locked, until Until.
type ThrottleError struct {
	Until  time.Time
	Locked bool
}

func (e *ThrottleError) Error() string {
	at := e.Until.In(calendar.Location()).Format("2006-01-02 15:04")
	if e.Locked {
		return "登录失败次数过多,账户已锁定,将于 " + at + " 自动解锁"
	}
	return "登录尝试过于频繁,请于 " + at + " 后再试"
}

// Is makes every ThrottleError an ErrThrottled.
func (e *ThrottleError) Is(target error) bool { return target == ErrThrottled }

// ThrottleMessage is the Chinese message of a throttled sign-in: when the
// account unlocks, or when to try again.
func ThrottleMessage(err error) string {
	var te *ThrottleError
	if errors.As(err, &te) {
		return te.Error()
	}
	return ErrThrottled.Error()
}

// accountKey is the throttle key of an account name: the stored name of a
// user, or the name as typed (in lower case) when there is no such user.
func accountKey(u store.User, typed string) string {
	if u.ID != 0 {
		return "account:" + u.Username
	}
	return "account:" + strings.ToLower(strings.TrimSpace(typed))
}

func addressKey(ip string) string { return "address:" + ip }

// claim takes one of max password checks of key's window, or answers why
// not: the key is locked, or its window's checks are all taken.
func (s *Service) claim(ctx context.Context, key string, max int, now time.Time) error {
	return s.claimWith(ctx, key, now, func(t *store.LoginThrottle) error {
		if t.Claims >= max {
			return &ThrottleError{Until: t.WindowStart.Add(ThrottleWindow)}
		}
		t.Claims++
		return nil
	})
}

// claimTTL is how long a password check in flight counts: far longer than
// a check takes, short enough that one left by a dead instance soon stops
// counting.
const claimTTL = 30 * time.Second

// claimCheck claims a password check of an account name: refused while the
// account is locked, or while its failures and the checks in flight reach
// the policy's MaxFailures (maxFailures).
func (s *Service) claimCheck(ctx context.Context, key string, maxFailures int, now time.Time) error {
	return s.claimWith(ctx, key, now, func(t *store.LoginThrottle) error {
		if !t.ClaimedAt.After(now.Add(-claimTTL)) {
			t.Claims = 0
		}
		if t.Failures+t.Claims >= maxFailures {
			until := t.WindowStart.Add(ThrottleWindow)
			if t.Claims > 0 {
				until = t.ClaimedAt.Add(claimTTL)
			}
			return &ThrottleError{Until: until}
		}
		t.Claims++
		t.ClaimedAt = now
		return nil
	})
}

// claimWith locks key's count, refuses while it is locked, starts a new
// window when the last one is over, and lets take decide: a ThrottleError
// refuses the attempt, nil saves the count as take left it.
func (s *Service) claimWith(ctx context.Context, key string, now time.Time, take func(*store.LoginThrottle) error) error {
	var refused error
	err := s.retry(ctx, func(q *store.Queries) error {
		refused = nil
		t, err := q.LockLoginThrottle(ctx, key, now)
		if err != nil {
			return err
		}
		if t.LockedUntil.After(now) {
			refused = &ThrottleError{Until: t.LockedUntil, Locked: true}
			return nil
		}
		if !t.LockedUntil.IsZero() || !t.WindowStart.After(now.Add(-ThrottleWindow)) {
			t = store.LoginThrottle{WindowStart: now}
		}
		if refused = take(&t); refused != nil {
			return nil
		}
		return q.SaveLoginThrottle(ctx, key, t)
	})
	if err != nil {
		return fmt.Errorf("claim sign-in attempt: %w", err)
	}
	return refused
}

// fail counts a failed password check of key; the policy's MaxFailures-th
// locks the account for its LockMinutes, which a real account records in
// the audit trail.
func (s *Service) fail(ctx context.Context, key string, u store.User, ip string, policy Policy, now time.Time) error {
	return s.retry(ctx, func(q *store.Queries) error {
		t, err := q.LockLoginThrottle(ctx, key, now)
		if err != nil {
			return err
		}
		t.Failures++
		// Every failed sign-in is a security event in the trail; an
		// unknown name is recorded as typed, with no actor.
		name := u.Username
		if u.ID == 0 {
			name = strings.TrimPrefix(key, "account:")
		}
		if _, err := audit.Append(ctx, q, now, audit.Entry{ActorID: u.ID, ActorName: u.DisplayName, Action: "login_failed",
			ObjectType: "user", ObjectID: name, Detail: map[string]any{"ip": ip, "failures": t.Failures, "known": u.ID != 0}}); err != nil {
			return err
		}
		t.Claims = max(0, t.Claims-1) // this check is no longer in flight
		if t.Failures < policy.MaxFailures || t.LockedUntil.After(now) {
			return q.SaveLoginThrottle(ctx, key, t)
		}
		t.LockedUntil = now.Add(time.Duration(policy.LockMinutes) * time.Minute)
		if err := q.SaveLoginThrottle(ctx, key, t); err != nil {
			return err
		}
		if u.ID == 0 {
			return nil
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: u.ID, ActorName: u.DisplayName, Action: "account_locked",
			ObjectType: "user", ObjectID: u.Username, Detail: map[string]any{"ip": ip, "failures": t.Failures,
				"locked_until": t.LockedUntil.In(calendar.Location()).Format(time.RFC3339)}})
		return err
	})
}

// retry runs fn in a transaction, which the store runs again when it lost
// a deadlock (or, on a cluster, a certification conflict at commit): its
// outcome is decided afresh from the row it locks.
func (s *Service) retry(ctx context.Context, fn func(q *store.Queries) error) error {
	return s.store.InTx(ctx, fn)
}

// addressOver reports whether an address has used up its sign-ins with
// unknown names in the current window.
func (s *Service) addressOver(ctx context.Context, ip string, now time.Time) (bool, error) {
	t, err := s.store.LoginThrottleOf(ctx, addressKey(ip))
	if err != nil {
		return false, err
	}
	return t.WindowStart.After(now.Add(-ThrottleWindow)) && t.Claims >= MaxIPFailures, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// HashToken is the stored form of a session cookie or bearer token.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// NewSession starts a browser session for u as Authenticate returned it;
// the returned token goes in the cookie. A fresh token per sign-in
// prevents session fixation. The session keeps u's sign-in before this
// one, to show; under a single-session policy it ends the user's others.
func (s *Service) NewSession(ctx context.Context, u store.User, ip string) (token string, sess store.Session, err error) {
	if token, err = randomToken(); err != nil {
		return "", sess, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", sess, err
	}
	policy, err := s.Policy(ctx)
	if err != nil {
		return "", sess, err
	}
	now := s.now()
	sess = store.Session{ID: HashToken(token), UserID: u.ID, CSRFToken: csrf, CreatedAt: now,
		ExpiresAt: now.Add(idleTimeout(policy)), PrevLoginAt: u.LastLoginAt, PrevLoginIP: u.LastLoginIP}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		if policy.SingleSession {
			if err := q.DeleteUserSessions(ctx, u.ID, ""); err != nil {
				return err
			}
		}
		return q.InsertSession(ctx, sess, ip)
	})
	if err == nil && policy.SingleSession {
		s.ForgetUser(u.ID)
	}
	return token, sess, err
}

// idleTimeout and lifetime are a session's limits under the policy: it
// ends after idleTimeout without a request, and lifetime after sign-in
// whatever happens.
func idleTimeout(p Policy) time.Duration { return time.Duration(p.IdleMinutes) * time.Minute }
func lifetime(p Policy) time.Duration    { return time.Duration(p.AbsoluteHours) * time.Hour }

// Session resolves a cookie token to its session and user: from this
// instance's cache when it resolved the session less than TokenTrust ago
// (trust.go), else in one query. The idle timeout and the absolute
// lifetime are checked on every request all the same, against the
// session's times and the policy in force.
func (s *Service) Session(ctx context.Context, token string) (store.Session, store.User, error) {
	if token == "" {
		return store.Session{}, store.User{}, ErrUnauthenticated
	}
	now := s.now()
	key := trustKey{kind: browserSession, hash: HashToken(token)}
	t, seen, ok := s.trusted.Get(key, now)
	if !ok {
		sess, u, err := s.store.SessionUser(ctx, key.hash, now)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
			return sess, store.User{}, ErrUnauthenticated
		}
		if err != nil {
			return sess, store.User{}, err
		}
		t = trusted{user: u, session: sess, expires: sess.ExpiresAt}
		s.trusted.Put(key, t, seen, now)
	}
	sess, u := t.session, t.user
	policy, err := s.cachedPolicy(ctx)
	if err != nil {
		return sess, store.User{}, err
	}
	// The idle timeout and the absolute lifetime are decided from the
	// policy now in force, so shortening them takes effect at once.
	end := sess.CreatedAt.Add(lifetime(policy))
	if !now.Before(end) || now.Sub(sess.LastSeen) >= idleTimeout(policy) {
		s.trusted.Forget(key)
		if err := s.store.DeleteSession(ctx, sess.ID); err != nil {
			return sess, store.User{}, err
		}
		return sess, store.User{}, ErrUnauthenticated
	}
	// At most once a minute, the session's last request is written; the
	// cached copy keeps it, without being trusted any longer, so the next
	// requests do not write it again.
	if now.Sub(sess.LastSeen) > time.Minute {
		expires := minTime(now.Add(idleTimeout(policy)), end)
		if err := s.store.TouchSession(ctx, sess.ID, now, expires); err != nil {
			return sess, u, err
		}
		sess.LastSeen, sess.ExpiresAt = now, expires
		s.trusted.Update(key, func(t trusted) trusted {
			t.session, t.expires = sess, sess.ExpiresAt
			return t
		})
	}
	return sess, u, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// EndSession signs out, on this instance at once (on the others within
// TokenTrust).
func (s *Service) EndSession(ctx context.Context, token string) error {
	key := trustKey{kind: browserSession, hash: HashToken(token)}
	err := s.store.DeleteSession(ctx, key.hash)
	// Forgotten after the delete: a request that read the session before
	// it cannot store it any more (trust.Map.Put).
	s.trusted.Forget(key)
	return err
}

// CheckCSRF compares a submitted token with the session's in constant time.
func CheckCSRF(sess store.Session, submitted string) bool {
	return submitted != "" && subtle.ConstantTimeCompare([]byte(sess.CSRFToken), []byte(submitted)) == 1
}

// NewToken issues a bearer token for the JSON API.
func (s *Service) NewToken(ctx context.Context, userID int64) (string, error) {
	tok, err := randomToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	return tok, s.store.InsertAPIToken(ctx, HashToken(tok), userID, now, now.Add(TokenLifetime))
}

// TokenUser resolves a bearer token, from the instance's cache when it
// resolved it less than TokenTrust ago (see trust.go).
func (s *Service) TokenUser(ctx context.Context, token string) (store.User, error) {
	if token == "" {
		return store.User{}, ErrUnauthenticated
	}
	key, now := trustKey{kind: bearerToken, hash: HashToken(token)}, s.now()
	t, err := s.trusted.Load(key, now, func() (trusted, error) {
		u, expires, err := s.store.UserByAPIToken(ctx, key.hash, now)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
			return trusted{}, ErrUnauthenticated
		}
		return trusted{user: u, expires: expires}, err
	})
	return t.user, err
}

// ForgetUser makes this instance resolve the user's tokens and sessions
// afresh, after a change to the user or their sessions (deactivation, a
// new role or password, a revoked token, a single-session sign-in).
func (s *Service) ForgetUser(userID int64) {
	s.trusted.ForgetIf(func(_ trustKey, t trusted) bool { return t.user.ID == userID })
}
