package web

import (
	"context"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/deadline"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/importer"
	"finreview/internal/notice"
	"finreview/internal/review"
)

// Services are the use-case services the handlers call. Each is declared
// here, where it is used, as the small interface the web layer needs;
// cmd/finreview wires the concrete services in.
type Services struct {
	Reviews   *review.Service
	Firms     *firm.Service
	Deadlines *deadline.Engine
	Billing   *billing.Service
	Docs      *docs.Service
	Imports   *importer.Service
	// Notices are the outside notices: contacts, choices, dead letters.
	Notices *notice.Service
	// Banners returns warnings every page shows the principal (for
	// example a calendar year without holiday data, for administrators).
	Banners func(ctx context.Context, p auth.Principal) []string
	// Dues describes the running deadlines of a page of reviews for lists,
	// in one query: the text (date and 剩余N个工作日) and a CSS class
	// (soon, overdue).
	Dues func(ctx context.Context, reviewIDs []int64) map[int64]deadline.Due
}
