package auth

import (
	"testing"
	"time"

	"finreview/internal/store"
)

// TestTrustCacheKeepsNothingReadBeforeAForget: a look-up that began
// before a forget (a sign-out, a deactivation) may have read what was
// just ended; it is not kept, and the next request reads afresh.
func TestTrustCacheKeepsNothingReadBeforeAForget(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	k := trustKey{kind: browserSession, hash: "h"}
	entry := trusted{user: store.User{ID: 7}, session: store.Session{ID: "h", UserID: 7}, expires: now.Add(time.Hour)}
	for name, forget := range map[string]func(s *Service){
		"sign-out":    func(s *Service) { s.trusted.Forget(k) },
		"user change": func(s *Service) { s.ForgetUser(7) },
	} {
		s := NewService(nil, nil)
		c := s.trusted
		_, seen, ok := c.Get(k, now)
		if ok {
			t.Fatal("an empty cache answered")
		}
		forget(s)
		c.Put(k, entry, seen, now)
		if _, _, ok := c.Get(k, now); ok {
			t.Errorf("%s: a session read before it was kept", name)
		}
		_, seen, _ = c.Get(k, now)
		c.Put(k, entry, seen, now)
		if _, _, ok := c.Get(k, now); !ok {
			t.Errorf("%s: a session read after it was not kept", name)
		}
		if _, _, ok := c.Get(k, now.Add(TokenTrust)); ok {
			t.Errorf("%s: a session was trusted for TokenTrust or longer", name)
		}
	}
}
