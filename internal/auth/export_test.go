package auth

import "time"

// SetTrust makes s trust what it resolved for d instead of TokenTrust, so
// a test can show what is still checked on a cached session.
func SetTrust(s *Service, d time.Duration) { s.trusted = newTrustCache(d) }
