package store_test

import (
	"context"
	"strings"
	"testing"

	"finreview/internal/pii"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestContactSealedAtRest: with a key, a user's phone number and email
// address are stored SM4-sealed and read back whole.
func TestContactSealedAtRest(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	sealer, err := pii.NewSealer([]byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	s.SetSealer(sealer)
	u, err := s.UserByUsername(ctx, "jianshe")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserContact(ctx, u.ID, "13812345678", "liuhaijun@example.com"); err != nil {
		t.Fatal(err)
	}
	var phone, email string
	if err := s.DB.QueryRowContext(ctx, "SELECT phone, email FROM users WHERE id = ?", u.ID).Scan(&phone, &email); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phone, "sm4:") || strings.Contains(phone, "5678") || !strings.HasPrefix(email, "sm4:") ||
		strings.Contains(email, "example") {
		t.Fatalf("stored in the clear: %q %q", phone, email)
	}
	got, err := s.UserNoticeSettings(ctx, u.ID)
	if err != nil || got.Phone != "13812345678" || got.Email != "liuhaijun@example.com" {
		t.Fatalf("read back %q %q, %v", got.Phone, got.Email, err)
	}
	err = s.InTx(ctx, func(q *store.Queries) error {
		settings, err := q.UserNoticeSettings(ctx, u.ID)
		if err != nil {
			return err
		}
		settings.Phone = "13900001111"
		return q.SetNoticeSettings(ctx, settings)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.QueryRowContext(ctx, "SELECT phone FROM users WHERE id = ?", u.ID).Scan(&phone); err != nil || !strings.HasPrefix(phone, "sm4:") {
		t.Fatalf("a transaction stored %q, %v", phone, err)
	}
}
