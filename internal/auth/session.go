package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"finreview/internal/store"
)

// Session and token lifetimes, and login throttling limits.
const (
	SessionIdle      = 8 * time.Hour
	TokenLifetime    = 12 * time.Hour
	ThrottleWindow   = 15 * time.Minute
	MaxUserFailures  = 5
	MaxIPFailures    = 30
	minPasswordRunes = 8
)

// Service signs people in and resolves sessions and tokens.
type Service struct {
	store  *store.Store
	now    func() time.Time
	tokens tokenCache
}

// NewService builds the service; now is the clock (time.Now in production).
func NewService(s *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now}
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
func (s *Service) Authenticate(ctx context.Context, username, password, ip string) (store.User, error) {
	now := s.now()
	byUser, byIP, err := s.store.FailedLogins(ctx, username, ip, now.Add(-ThrottleWindow))
	if err != nil {
		return store.User{}, err
	}
	if byUser >= MaxUserFailures || byIP >= MaxIPFailures {
		return store.User{}, ErrThrottled
	}
	u, err := s.store.UserByUsername(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = dummyHash
	}
	ok := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil && u.ID != 0 && u.Active
	if rerr := s.store.RecordLoginAttempt(ctx, username, ip, ok, now); rerr != nil {
		return store.User{}, rerr
	}
	if !ok {
		return store.User{}, ErrBadCredentials
	}
	if err := s.store.ClearFailedLogins(ctx, username); err != nil {
		return store.User{}, err
	}
	return u, nil
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

// NewSession starts a browser session; the returned token goes in the cookie.
// A fresh token per sign-in prevents session fixation.
func (s *Service) NewSession(ctx context.Context, userID int64, ip string) (token string, sess store.Session, err error) {
	if token, err = randomToken(); err != nil {
		return "", sess, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", sess, err
	}
	now := s.now()
	sess = store.Session{ID: HashToken(token), UserID: userID, CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(SessionIdle)}
	return token, sess, s.store.InsertSession(ctx, sess, ip)
}

// Session resolves a cookie token to its session and user.
func (s *Service) Session(ctx context.Context, token string) (store.Session, store.User, error) {
	if token == "" {
		return store.Session{}, store.User{}, ErrUnauthenticated
	}
	now := s.now()
	sess, err := s.store.SessionByID(ctx, HashToken(token), now)
	if errors.Is(err, store.ErrNotFound) {
		return sess, store.User{}, ErrUnauthenticated
	}
	if err != nil {
		return sess, store.User{}, err
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil || !u.Active {
		return sess, store.User{}, ErrUnauthenticated
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := s.store.TouchSession(ctx, sess.ID, now, now.Add(SessionIdle)); err != nil {
			return sess, u, err
		}
	}
	return sess, u, nil
}

// EndSession signs out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, HashToken(token))
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
// resolved it less than TokenTrust ago (see tokencache.go).
func (s *Service) TokenUser(ctx context.Context, token string) (store.User, error) {
	if token == "" {
		return store.User{}, ErrUnauthenticated
	}
	hash, now := HashToken(token), s.now()
	if u, ok := s.tokens.get(hash, now); ok {
		return u, nil
	}
	u, expires, err := s.store.UserByAPIToken(ctx, hash, now)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return store.User{}, ErrUnauthenticated
	}
	if err != nil {
		return store.User{}, err
	}
	s.tokens.put(hash, u, expires, now)
	return u, nil
}

// ForgetUser makes this instance resolve the user's tokens afresh, after
// a change that may end them (deactivation).
func (s *Service) ForgetUser(userID int64) { s.tokens.forgetUser(userID) }
