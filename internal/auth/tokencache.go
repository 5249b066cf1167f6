package auth

import (
	"sync"
	"time"

	"finreview/internal/store"
)

// TokenTrust is how long an instance answers for a bearer token it has
// resolved without asking the database again. Resolving a token costs an
// API call a round trip of its own: about 8% of a transition. A token
// stops working only by expiring, which the cache checks on every call, or
// by its user being deactivated: on the instance that deactivates, at once
// (ForgetUser); on any other instance, within TokenTrust.
const TokenTrust = 5 * time.Second

// maxTrustedTokens bounds the cache; a full cache first drops what it no
// longer trusts, then starts afresh.
const maxTrustedTokens = 4096

// tokenCache holds resolved tokens by their hash.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]trustedToken
}

type trustedToken struct {
	user    store.User
	expires time.Time // the token's own end
	until   time.Time // trusted until: resolved at + TokenTrust
}

// get returns the user of hash when it was resolved less than TokenTrust
// before now and the token has not expired.
func (c *tokenCache) get(hash string, now time.Time) (store.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[hash]
	if !ok {
		return store.User{}, false
	}
	if !now.Before(t.until) || !now.Before(t.expires) {
		delete(c.m, hash)
		return store.User{}, false
	}
	return t.user, true
}

func (c *tokenCache) put(hash string, u store.User, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]trustedToken{}
	}
	if len(c.m) >= maxTrustedTokens {
		for h, t := range c.m {
			if !now.Before(t.until) || !now.Before(t.expires) {
				delete(c.m, h)
			}
		}
		if len(c.m) >= maxTrustedTokens {
			clear(c.m)
		}
	}
	c.m[hash] = trustedToken{user: u, expires: expires, until: now.Add(TokenTrust)}
}

// forgetUser drops every token of userID.
func (c *tokenCache) forgetUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, t := range c.m {
		if t.user.ID == userID {
			delete(c.m, h)
		}
	}
}
