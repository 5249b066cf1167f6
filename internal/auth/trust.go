package auth

import (
	"time"

	"finreview/internal/store"
	"finreview/internal/trust"
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
// has resolved, by kind and hash, each with its user; an entry is trusted
// for TokenTrust (tests lengthen it, SetTrust) and until its own end.
type trustCache = trust.Map[trustKey, trusted]

func newTrustCache(d time.Duration) *trustCache {
	return trust.New[trustKey](d, maxTrusted, trusted.live)
}

type trusted struct {
	user    store.User
	session store.Session // a browser session's; zero for a bearer token
	expires time.Time     // the token's or the session's own end
}

// live reports whether the token or session has not reached its own end.
func (t trusted) live(now time.Time) bool { return now.Before(t.expires) }
