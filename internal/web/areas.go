package web

import "github.com/gofiber/fiber/v2"

// apiAreas lists the registration functions of the API areas, one file per
// area (api_<area>.go).
func (a *App) apiAreas() []func(fiber.Router) {
	return []func(fiber.Router){
		a.apiReviews,
		a.apiFees,
		a.apiFirms,
		a.apiDocuments,
		a.apiDraws,
		a.apiNotices,
	}
}

// pageAreas lists the registration functions of the page areas, one file
// per area (page_<area>.go).
func (a *App) pageAreas() []func(fiber.Router) {
	return []func(fiber.Router){
		a.pageFees,
		a.pageReviews,
		a.pageProjects,
		a.pageDashboard,
		a.pageBulletin,
		a.pageAudit,
		a.pageAdmin,
		a.pageBackups,
		a.pageDisposal,
		a.pageFirms,
		a.pageDocuments,
		a.pageCalendar,
		a.pageOverdue,
		a.pageDraws,
		a.pageSecurity,
		a.pageAccount,
		a.pageImports,
		a.pageNotices,
		a.pageSteps,
	}
}
