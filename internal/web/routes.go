package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"
)

// access is who may reach a route and what runs before its handler.
type access int

const (
	// probe: no session, token or input check (health, readiness, metrics,
	// browsers' CSP reports).
	probe access = iota
	// apiOpen: the JSON API before sign-in (issuing a token).
	apiOpen
	// api: the JSON API with a bearer token; text is checked after
	// sign-in (checkInput), so no anonymous body is read beyond what
	// limitBody allows.
	api
	// apiQueued: as api, and the request waits its turn among the running
	// transitions (admission.go).
	apiQueued
	// pageOpen: pages with the session cookie, CSRF on every form and the
	// input check, signed in or not.
	pageOpen
	// page: pageOpen, signed in and with no password change due.
	page
	// pageQueued: as page, and the request waits its turn among the
	// running transitions.
	pageQueued
)

// route is one entry of the route table.
type route struct {
	access  access
	method  string
	path    string
	handler fiber.Handler
}

const (
	get  = fiber.MethodGet
	post = fiber.MethodPost
	put  = fiber.MethodPut
)

// routeTable is every route finreview answers, in the order they are
// matched. Paths under api are relative to /api/v1. Roles and row scope are
// checked by each handler's service call (auth.Principal.Can).
func (a *App) routeTable() []route {
	return []route{
		{probe, get, "/healthz", a.healthz},
		{probe, get, "/readyz", a.readyz},
		{probe, post, "/csp-report", a.cspReport},
		{probe, get, "/metrics", a.metrics},

		// JSON API (API.md).
		{apiOpen, post, "/tokens", a.apiCreateToken},
		{api, get, "/me", a.apiMe},
		// Projects and reviews.
		{api, post, "/projects", a.apiCreateProject},
		{api, get, "/projects", a.apiListProjects},
		{api, post, "/reviews", a.apiCreateReview},
		{api, get, "/reviews", a.apiListReviews},
		{api, get, "/reviews/:id<int>", a.apiGetReview},
		{apiQueued, post, "/reviews/:id<int>/transitions", a.apiFireReview},
		{api, get, "/reviews/:id<int>/events", a.apiReviewEvents},
		{api, post, "/reviews/:id<int>/nudge", a.apiNudgeReview},
		{api, get, "/audit/verify", a.apiAuditVerify},
		{api, get, "/openapi.json", a.apiOpenAPI},
		// Fees: the what-if calculator, the schedules, a review's statement.
		{api, post, "/fees/calculate", a.apiFeeCalculate},
		{api, get, "/fee-schedules", a.apiFeeSchedules},
		{api, post, "/fee-schedules", a.apiCreateFeeSchedule},
		{api, put, "/fee-schedules/:id<int>", a.apiUpdateFeeSchedule},
		{api, get, "/reviews/:id<int>/fee-statement", a.apiFeeStatement},
		// Firm and expert library: review center, finance sections and
		// administrators only.
		{api, get, "/firms", a.apiListFirms},
		{api, get, "/firms/:id<int>", a.apiGetFirm},
		{api, get, "/experts", a.apiListExperts},
		// Documents and papers.
		{api, post, "/reviews/:id/documents", a.apiUploadDocument},
		{api, get, "/reviews/:id/documents", a.apiListDocuments},
		{api, get, "/reviews/:id/papers", a.apiReviewPapers},
		{api, get, "/documents/:id", a.apiDocument},
		{api, get, "/documents/:id/content", a.apiDocumentContent},
		{api, get, "/documents/:id/versions", a.apiDocumentVersions},
		{api, get, "/documents/:id/access", a.apiDocumentAccess},
		{api, get, "/papers", a.apiSearchPapers},
		{api, post, "/papers/:id/void", a.apiVoidPaper},
		// Expert draws for dispute and sample re-reviews, their
		// verification and the experts' scores.
		{api, post, "/reviews/:id<int>/draws", a.apiCreateDraw},
		{api, get, "/reviews/:id<int>/draws", a.apiListDraws},
		{api, get, "/draws/:id<int>", a.apiGetDraw},
		{api, get, "/draws/:id<int>/verify", a.apiVerifyDraw},
		{api, post, "/reviews/:id<int>/experts/:eid<int>/score", a.apiScoreExpert},
		// The user's own contact for outside notices.
		{api, put, "/me", a.apiSetContact},

		// Sign-in.
		{pageOpen, get, "/login", a.loginPage},
		{pageOpen, post, "/login", a.loginSubmit},
		{pageOpen, post, "/logout", a.logout},
		// Work: home, notifications, stand-ins.
		{page, get, "/", a.home},
		{page, get, "/notifications", a.notifications},
		{page, post, "/notifications/read", a.notificationsRead},
		{page, get, "/stand-ins", a.standIns},
		{page, post, "/stand-ins", a.standInAdd},
		{page, post, "/stand-ins/:id/revoke", a.standInRevoke},
		// Fees: calculator, schedules, statements, contractor deductions.
		{page, get, "/fees/calculator", a.pageFeeCalculator},
		{page, get, "/fees/schedules", a.pageFeeSchedules},
		{page, post, "/fees/schedules", a.pageCreateFeeSchedule},
		{page, get, "/fees/deductions", a.pageFeeDeductions},
		{page, get, "/fees/deductions.xlsx", a.pageFeeDeductionsExcel},
		{page, get, "/reviews/:id<int>/fee-statement", a.pageFeeStatement},
		{page, get, "/reviews/:id<int>/fee-statement.xlsx", a.pageFeeStatementExcel},
		// Reviews.
		{page, get, "/reviews", a.reviewList},
		{page, get, "/reviews.xlsx", a.reviewExport},
		{page, get, "/reviews/:id<int>", a.reviewPage},
		{pageQueued, post, "/reviews/:id<int>/transitions", a.reviewTransition},
		{page, post, "/reviews/:id<int>/nudge", a.reviewNudge},
		// Projects.
		{page, get, "/projects", a.projectList},
		{page, get, "/projects/new", a.projectNew},
		{page, post, "/projects", a.projectCreate},
		{page, get, "/projects/:id<int>", a.projectPage},
		{page, post, "/projects/:id<int>/reviews", a.projectCreateReview},
		// Statistics and the monthly bulletin.
		{page, get, "/dashboard", a.dashboard},
		{page, get, "/bulletin", a.bulletin},
		{page, get, "/bulletin.xlsx", a.bulletinExcel},
		{page, get, "/bulletin/print", a.bulletinPrint},
		// The audit trail.
		{page, get, "/audit", a.auditLog},
		{page, get, "/audit/verify", a.auditVerify},
		{page, get, "/audit/export.xlsx", a.auditExport},
		// Administration: users, organizations, backups.
		{page, get, "/admin/users", a.adminUsers},
		{page, post, "/admin/users", a.adminCreateUser},
		{page, post, "/admin/users/:id<int>/active", a.adminSetUserActive},
		{page, get, "/admin/organizations", a.adminOrganizations},
		{page, post, "/admin/organizations", a.adminCreateOrganization},
		{page, get, "/admin/backups", a.adminBackups},
		// Archives due for disposal (档案到期处置), each confirmed by a person.
		{page, get, "/archives/disposal", a.disposalPage},
		{page, post, "/archives/disposal/:id<int>/confirm", a.confirmDisposal},
		// The firm library (page_firms.go), its assessment
		// (page_assessment.go) and the expert library (page_experts.go).
		{page, get, "/firms", a.pageFirmList},
		{page, get, "/firms/export.xlsx", a.pageFirmExport},
		{page, get, "/firms/new", a.pageFirmNew},
		{page, post, "/firms", a.pageFirmCreate},
		{page, get, "/firms/assessment", a.pageFirmAssessment},
		{page, post, "/firms/assessment/periods", a.pageFirmPeriodCreate},
		{page, post, "/firms/assessment/:pid<int>/scores", a.pageFirmScores},
		{page, post, "/firms/assessment/:pid<int>/compute", a.pageFirmCompute},
		{page, post, "/firms/assessment/:pid<int>/close", a.pageFirmClose},
		{page, get, "/firms/assessment/:pid<int>/export.xlsx", a.pageFirmAssessmentExport},
		{page, get, "/firms/:id<int>", a.pageFirmDetail},
		{page, get, "/firms/:id<int>/edit", a.pageFirmEdit},
		{page, post, "/firms/:id<int>", a.pageFirmUpdate},
		{page, post, "/firms/:id<int>/status", a.pageFirmStatus},
		{page, post, "/firms/:id<int>/conflicts", a.pageFirmConflict},
		{page, get, "/experts", a.pageExperts},
		{page, post, "/experts", a.pageExpertAdd},
		{page, post, "/experts/:id<int>/active", a.pageExpertActive},
		{page, post, "/experts/placement", a.pageExpertPlacement},
		{page, post, "/experts/relations", a.pageExpertRelation},
		// Documents and papers.
		{page, get, "/reviews/:id/documents", a.documentsPage},
		{page, post, "/reviews/:id/upload", a.documentUpload},
		{page, get, "/reviews/:id/papers/:kind", a.paperPrint},
		{page, get, "/documents/:id", a.documentDownload},
		{page, get, "/documents/:id/thumb", a.documentThumb},
		{page, get, "/documents/:id/versions", a.documentVersionsPage},
		{page, get, "/papers", a.papersPage},
		{page, get, "/papers/:id.pdf", a.paperPDF},
		{page, post, "/papers/:id/void", a.paperVoid},
		// The working-day calendar: year overview and coverage, the
		// database rows, single-day edits, and the CSV import with a preview
		// of what changes and which open deadlines move.
		{page, get, "/admin/calendar", a.calendarPage},
		{page, post, "/admin/calendar/days", a.calendarSetDay},
		{page, post, "/admin/calendar/days/delete", a.calendarDeleteDay},
		{page, post, "/admin/calendar/import/preview", a.calendarImportPreview},
		{page, post, "/admin/calendar/import", a.calendarImport},
		// The overdue list (逾期清单): every passed deadline a review still
		// waits on, with the working days overdue.
		{page, get, "/overdue", a.overdueList},
		{page, get, "/overdue.xlsx", a.overdueExcel},
		// Expert draws of a review.
		{page, get, "/reviews/:id<int>/draws", a.pageDrawList},
		{page, post, "/reviews/:id<int>/draws", a.pageDrawCreate},
		{page, post, "/draws/:id<int>/verify", a.pageDrawVerify},
		{page, post, "/reviews/:id<int>/experts/:eid<int>/score", a.pageExpertScore},
		// The security administrator (安全保密管理员): roles, unlocking and
		// the security policy.
		{page, get, "/security/users", a.securityUsers},
		{page, post, "/security/users/:id<int>/role", a.securityGrantRole},
		{page, post, "/security/users/:id<int>/unlock", a.securityUnlock},
		{page, get, "/security/policy", a.securityPolicy},
		{page, post, "/security/policy", a.securitySetPolicy},
		// The signed-in user's own account: password and API tokens.
		{page, get, "/account/password", a.accountPassword},
		{page, post, "/account/password", a.accountChangePassword},
		{page, get, "/account/tokens", a.accountTokens},
		{page, post, "/account/tokens/:id<int>/revoke", a.accountRevokeToken},
		// Imports of firms, experts and projects from spreadsheets.
		{page, get, "/imports", a.imports},
		{page, get, "/imports/template/:kind", a.importTemplate},
		{page, post, "/imports/upload", a.importUpload},
		{page, post, "/imports/:id/undo", a.importUndo},
		// The profile (contact and notice choices) and the administrator's
		// page of outside notices (figures, dead letters).
		{page, get, "/profile", a.profile},
		{page, post, "/profile", a.profileSave},
		{page, get, "/admin/notices", a.adminNotices},
		{page, post, "/admin/notices/:id<int>/retry", a.adminNoticeRetry},
		{page, post, "/admin/notices/:id<int>/drop", a.adminNoticeDrop},
		// The review page's shortcuts: the drawn expert's opinion.
		{page, post, "/reviews/:id<int>/expert-opinion", a.expertOpinionSubmit},
	}
}

// routes registers the route table, then answers 404 for anything else.
// Each access level's routes are registered together, behind the checks of
// that level, in the table's order: the probes, the API before sign-in,
// the API, the pages before sign-in, the pages.
func (a *App) routes() {
	f := a.fiber
	table := a.routeTable()
	add := func(r fiber.Router, levels ...access) {
		for _, rt := range table {
			if !slices.Contains(levels, rt.access) {
				continue
			}
			hs := []fiber.Handler{rt.handler}
			switch rt.access {
			case apiOpen:
				// Before sign-in the text check runs on the route alone:
				// a group's check would run ahead of every bearer token.
				hs = []fiber.Handler{a.checkInput, rt.handler}
			case apiQueued, pageQueued:
				hs = []fiber.Handler{a.admitTransitions, rt.handler}
			}
			if rt.method == get {
				r.Get(rt.path, hs...) // and HEAD
			} else {
				r.Add(rt.method, rt.path, hs...)
			}
		}
	}
	add(f, probe)
	apiV1 := f.Group("/api/v1")
	add(apiV1, apiOpen)
	add(apiV1.Group("", a.bearer, a.checkInput), api, apiQueued)
	pages := f.Group("", a.loadSession, a.csrf, a.signFlash, a.checkInput)
	add(pages, pageOpen)
	add(pages.Group("", a.requireLogin, a.passwordGate), page, pageQueued)
	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

func (a *App) healthz(c *fiber.Ctx) error { return c.SendString("ok") }
