package review

import (
	"context"

	"finreview/internal/auth"
	"finreview/internal/trust"
)

// maxUnreadCounts bounds the counts kept; a full map first drops what it
// no longer trusts, then starts afresh.
const maxUnreadCounts = 4096

// newUnreadCounts keeps the users' unread-notice counts as this instance
// last counted them: the bell in every page's header, trusted for
// auth.TokenTrust, as the session it is shown with. Marking notices read
// on this instance forgets the user's count at once; a notice sent
// meanwhile, by any instance, shows within auth.TokenTrust.
func newUnreadCounts() *trust.Map[int64, int] {
	return trust.New[int64, int](auth.TokenTrust, maxUnreadCounts, nil)
}

// UnreadNotifications counts p's unread notifications, as counted less
// than auth.TokenTrust ago on this instance.
func (s *Service) UnreadNotifications(ctx context.Context, p auth.Principal) (int, error) {
	return s.unread.Load(p.UserID, s.now(), func() (int, error) {
		return s.store.UnreadNotifications(ctx, p.UserID)
	})
}

// MarkNotificationsRead marks every notification of p read; the bell
// shows it on this instance's next page at once.
func (s *Service) MarkNotificationsRead(ctx context.Context, p auth.Principal) error {
	err := s.store.MarkNotificationsRead(ctx, p.UserID, s.now())
	s.unread.Forget(p.UserID)
	return err
}
