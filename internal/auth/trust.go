package auth

import (
	"sync"
	"time"

	"finreview/internal/store"
)

// TokenTrust is how long an instance answers for a bearer token or a
// browser session it has resolved, without asking the database again.
// Resolving them cost every API call and every page a round trip or two
// of its own; the security policy and the unread-notice count of the
// page header are trusted as long (cachedPolicy, review's unread count).
//
// What still holds on every request, from the cached copy: a token's own
// end; a session's idle timeout and absolute lifetime, under the policy
// in force. What this instance does takes effect on it at once: signing
// out (EndSession) forgets that session; deactivating a user, changing
// their role or password, revoking a token and a single-session sign-in
// forget every token and session of the user (ForgetUser). On any other
// instance, and after a change made outside the serving instances (the
// command line, or by hand in the database), the same takes effect
// within TokenTrust: until then that instance may still answer for a
// session or token it resolved before the change.
const TokenTrust = 5 * time.Second

// maxTrusted bounds the cache; a full cache first drops what it no longer
// trusts, then starts afresh.
const maxTrusted = 4096

// trustKind tells a bearer token's entry from a browser session's: a
// session cookie is never taken for a bearer token, nor the other way.
type trustKind uint8

const (
	bearerToken trustKind = iota + 1
	browserSession
)

type trustKey struct {
	kind trustKind
	hash string // HashToken of the token or cookie
}

// trustCache holds the bearer tokens and browser sessions this instance
// has resolved, by kind and hash, each with its user.
type trustCache struct {
	mu sync.Mutex
	m  map[trustKey]trusted
	// forgets counts the forgets: a look-up that began before one may not
	// store what it read, which could be what was just ended.
	forgets uint64
	// trust is how long an entry is trusted; 0 is TokenTrust (tests
	// lengthen it).
	trust time.Duration
}

type trusted struct {
	user    store.User
	session store.Session // a browser session's; zero for a bearer token
	expires time.Time     // the token's or the session's own end
	until   time.Time     // trusted until: resolved at + TokenTrust
}

// get returns the entry of k when it was resolved less than TokenTrust
// before now and has not reached its own end. On a miss it returns the
// count of forgets, for put.
func (c *trustCache) get(k trustKey, now time.Time) (trusted, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[k]
	if !ok {
		return trusted{}, c.forgets, false
	}
	if !now.Before(t.until) || !now.Before(t.expires) {
		delete(c.m, k)
		return trusted{}, c.forgets, false
	}
	return t, 0, true
}

// put trusts what a look-up read from the database at now, unless
// something was forgotten since the look-up began (seen, from get).
func (c *trustCache) put(k trustKey, t trusted, seen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets != seen {
		return
	}
	if c.m == nil {
		c.m = map[trustKey]trusted{}
	}
	if len(c.m) >= maxTrusted {
		for h, t := range c.m {
			if !now.Before(t.until) || !now.Before(t.expires) {
				delete(c.m, h)
			}
		}
		if len(c.m) >= maxTrusted {
			clear(c.m)
		}
	}
	trust := c.trust
	if trust == 0 {
		trust = TokenTrust
	}
	t.until = now.Add(trust)
	c.m[k] = t
}

// touched keeps a session's new last request and end (TouchSession) in
// its entry, if it still has one, without trusting it any longer.
func (c *trustCache) touched(k trustKey, sess store.Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.m[k]; ok {
		t.session, t.expires = sess, sess.ExpiresAt
		c.m[k] = t
	}
}

// forget drops the entry of k.
func (c *trustCache) forget(k trustKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgets++
	delete(c.m, k)
}

// forgetUser drops every token and session of userID.
func (c *trustCache) forgetUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgets++
	for k, t := range c.m {
		if t.user.ID == userID {
			delete(c.m, k)
		}
	}
}
