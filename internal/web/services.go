package web

import (
	"context"

	"finreview/internal/auth"
	"finreview/internal/auth/standin"
	"finreview/internal/billing"
	"finreview/internal/deadline"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/report"
	"finreview/internal/review"
	"finreview/internal/review/importer"
	"finreview/internal/review/notice"
	"finreview/internal/review/retention"
)

// Services are the use-case services the handlers call: every write and
// every read of rows a principal may or may not see goes through one of
// them (users, organizations and sign-in through Deps.Auth). The web layer
// never reaches the store itself; cmd/finreview wires the services in.
type Services struct {
	Reviews *review.Service
	Firms   *firm.Service
	Billing *billing.Service
	Docs    *docs.Service
	Imports *importer.Service
	// Calendar is the working calendar and the deadlines pages show.
	Calendar *deadline.Service
	// Reports are the bulletin, the dashboard, the audit trail and the
	// backup runs.
	Reports   *report.Service
	StandIns  *standin.Service
	Retention *retention.Service
	// Notices are the outside notices: contacts, choices, dead letters.
	Notices *notice.Service
	// Banners returns warnings every page shows the principal (for
	// example a calendar year without holiday data, for administrators).
	Banners func(ctx context.Context, p auth.Principal) []string
}
