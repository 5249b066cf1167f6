package review

import (
	"context"
	"sync"
	"time"

	"finreview/internal/auth"
)

// maxUnreadCounts bounds the counts kept; a full map first drops what it
// no longer trusts, then starts afresh.
const maxUnreadCounts = 4096

// unreadCounts are the users' unread-notice counts as this instance last
// counted them: the bell in every page's header, trusted for
// auth.TokenTrust, as the session it is shown with. Marking notices read
// on this instance forgets the user's count at once; a notice sent
// meanwhile, by any instance, shows within auth.TokenTrust.
type unreadCounts struct {
	mu sync.Mutex
	m  map[int64]unreadCount
	// forgets counts the forgets: a count that began before one may not
	// be kept.
	forgets uint64
}

type unreadCount struct {
	n     int
	until time.Time
}

// UnreadNotifications counts p's unread notifications, as counted less
// than auth.TokenTrust ago on this instance.
func (s *Service) UnreadNotifications(ctx context.Context, p auth.Principal) (int, error) {
	now, c := s.now(), &s.unread
	c.mu.Lock()
	got, ok := c.m[p.UserID]
	seen := c.forgets
	c.mu.Unlock()
	if ok && now.Before(got.until) {
		return got.n, nil
	}
	n, err := s.store.UnreadNotifications(ctx, p.UserID)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets != seen {
		return n, nil
	}
	if c.m == nil {
		c.m = map[int64]unreadCount{}
	}
	if len(c.m) >= maxUnreadCounts {
		for id, u := range c.m {
			if !now.Before(u.until) {
				delete(c.m, id)
			}
		}
		if len(c.m) >= maxUnreadCounts {
			clear(c.m)
		}
	}
	c.m[p.UserID] = unreadCount{n: n, until: now.Add(auth.TokenTrust)}
	return n, nil
}

// MarkNotificationsRead marks every notification of p read; the bell
// shows it on this instance's next page at once.
func (s *Service) MarkNotificationsRead(ctx context.Context, p auth.Principal) error {
	err := s.store.MarkNotificationsRead(ctx, p.UserID, s.now())
	s.unread.mu.Lock()
	s.unread.forgets++
	delete(s.unread.m, p.UserID)
	s.unread.mu.Unlock()
	return err
}
