package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/review"
	"finreview/workflow"
)

type todoRow struct {
	ReviewID                                   int64
	ProjectName, KindLabel, StateLabel, Action string
	StateClass, Due, DueClass                  string
	Anchor                                     string // where on the review page the task is
}

type doneRow struct {
	ReviewID                            int64
	At, ProjectName, Action, StateLabel string
}

// home is the signed-in user's 待办 and 已办.
func (a *App) home(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var todo []todoRow
	if states := review.ActionableStates(p.Role); len(states) > 0 {
		f := review.ReviewFilter{States: states, Limit: 50}
		if p.Role != auth.ReviewCenter {
			suspended := false
			f.Suspended = &suspended
		}
		// The to-do list shows no total: its first rows, nothing counted.
		rows, err := a.svc.Reviews.FirstReviews(ctx, p, f)
		if err != nil {
			return err
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		dues := a.duesFor(ctx, ids)
		for _, r := range rows {
			t := todoRow{ReviewID: r.ID, ProjectName: r.ProjectName, KindLabel: kindLabel(r.Kind),
				StateLabel: r.State.Label(), StateClass: stateClass(r.State, r.Suspended), Action: nextAction(p.Role, r.State)}
			t.Due, t.DueClass = dues[r.ID].Text, dues[r.ID].Class
			todo = append(todo, t)
		}
	}
	expertTasks, err := a.expertTodo(ctx, p)
	if err != nil {
		return err
	}
	todo = append(todo, expertTasks...)
	events, err := a.svc.Reviews.RecentActions(ctx, p, 20)
	if err != nil {
		return err
	}
	var done []doneRow
	for _, e := range events {
		done = append(done, doneRow{ReviewID: e.ReviewID, At: formatTime(e.At, "2006-01-02 15:04"),
			ProjectName: e.ProjectName, Action: e.Trigger.Label(), StateLabel: e.To.Label()})
	}
	return a.views.render(c, 200, "home", a.page(c, "我的工作台", homeData(todo, done)))
}

// homeData is what the home page's template shows of the lists.
func homeData(todo []todoRow, done []doneRow) map[string]any {
	return map[string]any{"Todo": todo, "TodoRows": todoRows(todo), "Done": done, "DoneRows": doneRows(done)}
}

// nextAction names what the role does next in a state (review.Tasks reads
// a table worked out once, so this is cheap per row).
func nextAction(r auth.Role, s workflow.State) string {
	var labels string
	for _, t := range review.Tasks(r, s) {
		if labels != "" {
			labels += " / "
		}
		labels += t.Label()
	}
	return labels
}

// stateClass is the colour of a state tag (UI.md).
func stateClass(s workflow.State, suspended bool) string {
	switch {
	case suspended:
		return "grey"
	case s == workflow.Returned || s == workflow.Disputed || s == workflow.Appeal:
		return "red"
	case s == workflow.Concluded || s == workflow.Processed || s == workflow.Archived || s == workflow.Signed ||
		s == workflow.DeemedAgreed || s == workflow.Unilateral:
		return "green"
	}
	return "blue"
}

func (a *App) notifications(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	items, total, err := a.svc.Reviews.Notifications(c.UserContext(), p, pg.Size, pg.Offset())
	if err != nil {
		return err
	}
	return a.views.render(c, 200, "notifications", a.page(c, "消息通知", map[string]any{
		"Items": items, "Pager": pg.Pager(c, total),
	}))
}

func (a *App) notificationsRead(c *fiber.Ctx) error {
	p, err := mustPrincipal(c)
	if err != nil {
		return err
	}
	if err := a.svc.Reviews.MarkNotificationsRead(c.UserContext(), p); err != nil {
		return err
	}
	return c.Redirect("/notifications", fiber.StatusSeeOther)
}

type pagerSize struct {
	N      int
	Href   string
	Active bool
}

type pager struct {
	Total, Page, Pages int
	AtLeast            bool // Total is a lower bound: there are as many or more
	HasPrev, HasNext   bool
	PrevHref, NextHref string
	Sizes              []pagerSize
}

// Pager builds the pagination bar, keeping the other query parameters.
func (p paging) Pager(c *fiber.Ctx, total int) *pager {
	pages := (total + p.Size - 1) / p.Size
	if pages == 0 {
		pages = 1
	}
	href := func(page, size int) string {
		q := c.Context().QueryArgs()
		args := fiber.AcquireArgs()
		defer fiber.ReleaseArgs(args)
		q.CopyTo(args)
		args.Set("page", strconv.Itoa(page))
		args.Set("size", strconv.Itoa(size))
		args.Del("per_page")
		return c.Path() + "?" + args.String()
	}
	pg := &pager{Total: total, Page: p.Page, Pages: pages, HasPrev: p.Page > 1, HasNext: p.Page < pages}
	if pg.HasPrev {
		pg.PrevHref = href(p.Page-1, p.Size)
	}
	if pg.HasNext {
		pg.NextHref = href(p.Page+1, p.Size)
	}
	for _, n := range []int{10, 20, 50} {
		pg.Sizes = append(pg.Sizes, pagerSize{N: n, Href: href(1, n), Active: n == p.Size})
	}
	return pg
}
