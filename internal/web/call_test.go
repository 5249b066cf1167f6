package web

import (
	"errors"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/firm"
	"finreview/internal/review"
)

// TestServiceMissingAnswers503: a server run without a service answers
// 503 naming that service; one wired in is handed to the handler.
func TestServiceMissingAnswers503(t *testing.T) {
	none := &App{}
	for _, tc := range []struct {
		name string
		get  func() error
		msg  string
	}{
		{"firms", func() error { _, err := none.firmService(); return err }, "中介机构服务未启用"},
		{"billing", func() error { _, err := none.billingService(); return err }, "费用服务未启用"},
		{"reviews", func() error { _, err := none.reviewService(); return err }, "评审服务未启用"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var se *auth.RefusedError
			if err := tc.get(); !errors.As(err, &se) || se.HTTPStatus() != 503 || se.Code() != "unavailable" || se.Error() != tc.msg {
				t.Fatalf("got %v, want 503 unavailable %q", err, tc.msg)
			}
		})
	}
	wiredIn := &App{svc: Services{Firms: &firm.Service{}, Billing: &billing.Service{}, Reviews: &review.Service{}}}
	if f, err := wiredIn.firmService(); err != nil || f != wiredIn.svc.Firms {
		t.Fatalf("firmService = %p, %v; want the wired service", f, err)
	}
	if b, err := wiredIn.billingService(); err != nil || b != wiredIn.svc.Billing {
		t.Fatalf("billingService = %p, %v; want the wired service", b, err)
	}
	if r, err := wiredIn.reviewService(); err != nil || r != wiredIn.svc.Reviews {
		t.Fatalf("reviewService = %p, %v; want the wired service", r, err)
	}
}
