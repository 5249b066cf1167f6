package web

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/fee"
	"finreview/internal/review"
)

// pageOption is one option of a select: the code sent and the Chinese
// name shown.
type pageOption struct{ Code, Label string }

// labelOptions are the options of a select over codes, in their order,
// named by label.
func labelOptions[T ~string](codes []T, label func(T) string) []pageOption {
	var out []pageOption
	for _, c := range codes {
		out = append(out, pageOption{string(c), label(c)})
	}
	return out
}

// codeOptions are the options of a select over codes that name
// themselves (fee kinds, states, roles).
func codeOptions[T interface {
	~string
	Label() string
}](codes []T) []pageOption {
	return labelOptions(codes, func(c T) string { return c.Label() })
}

// sortedOptions turns a code → label map into options ordered by code.
func sortedOptions(m map[string]string) []pageOption {
	out := make([]pageOption, 0, len(m))
	for k, v := range m {
		out = append(out, pageOption{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

type projectRow struct {
	review.Project
	FundingLabel, CategoryLabel string
}

func labelProject(p review.Project) projectRow {
	row := projectRow{Project: p, FundingLabel: review.FundingSources()[p.FundingSource], CategoryLabel: review.Categories()[p.Category]}
	if row.FundingLabel == "" {
		row.FundingLabel = p.FundingSource
	}
	if row.CategoryLabel == "" {
		row.CategoryLabel = p.Category
	}
	return row
}

// projectsFound is a page of the projects a principal sees that match
// a search.
type projectsFound struct {
	p      auth.Principal
	page   paging
	search string
	items  []review.Project
	total  int
}

// findProjects reads the search (?q=) and the page asked for, and the
// matching projects the principal may see: the list page and the API
// list answer the same request alike.
func (a *App) findProjects(c *fiber.Ctx) (projectsFound, error) {
	p, err := require(c, auth.ViewReviews)
	if err != nil {
		return projectsFound{}, err
	}
	pg, err := pageParams(c)
	if err != nil {
		return projectsFound{}, err
	}
	f := projectsFound{p: p, page: pg, search: strings.TrimSpace(c.Query("q"))}
	f.items, f.total, err = a.svc.Reviews.Projects(c.UserContext(), p, f.search, pg.Size, pg.Offset())
	return f, err
}

func (a *App) projectList(c *fiber.Ctx) error {
	f, err := a.findProjects(c)
	if err != nil {
		return err
	}
	rows := make([]projectRow, 0, len(f.items))
	for _, it := range f.items {
		rows = append(rows, labelProject(it))
	}
	title := "项目库"
	if f.p.Role == auth.ConstructionUnit || f.p.Role == auth.CompetentDept {
		title = "我的项目"
	}
	return a.views.render(c, 200, "projects", a.page(c, title, map[string]any{
		"Breadcrumb": []crumb{{Label: title}},
		"Projects":   rows, "Offset": f.page.Offset(), "Pager": f.page.Pager(c, f.total), "Query": f.search,
		"CanCreate": f.p.Can(auth.CreateProject),
	}))
}

func (a *App) projectNew(c *fiber.Ctx) error {
	p, err := require(c, auth.CreateProject)
	if err != nil {
		return err
	}
	form := newForm()
	if j, err := a.auth.Jurisdiction(c.UserContext(), p.JurisdictionID); err == nil {
		form.Values["jurisdiction"] = j.Name
	}
	if a.svc.Reviews != nil {
		form.Values["code"] = a.svc.Reviews.SuggestProjectCode(c.UserContext(), p)
	}
	return a.renderProjectNew(c, 200, p, form)
}

func (a *App) renderProjectNew(c *fiber.Ctx, status int, p auth.Principal, form *formState) error {
	ctx := c.UserContext()
	jurs, err := a.auth.Jurisdictions(ctx)
	if err != nil {
		return err
	}
	sc := p.Scope()
	// The units offered are exactly those the service accepts.
	units, err := a.auth.ScopedUnits(ctx, p)
	if err != nil {
		return err
	}
	var depts, contractors []auth.Organization
	for _, kind := range []string{auth.OrgCompetentDept, auth.OrgContractor} {
		orgs, err := a.auth.Organizations(ctx, kind)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if kind == auth.OrgCompetentDept {
				if !sc.All && sc.JurisdictionID != 0 && o.JurisdictionID != sc.JurisdictionID {
					continue
				}
				depts = append(depts, o)
			} else {
				contractors = append(contractors, o)
			}
		}
	}
	chosen := map[string]bool{}
	for _, id := range strings.Split(form.Values["contractor_ids"], ",") {
		chosen[id] = true
	}
	unitName := ""
	if p.Role == auth.ConstructionUnit {
		if o, err := a.auth.Organization(ctx, p.OrgID); err == nil {
			unitName = o.Name
		}
	}
	return a.views.render(c, status, "project_new", a.page(c, "登记项目", map[string]any{
		"Breadcrumb": []crumb{{Label: "项目库", Href: "/projects"}, {Label: "登记项目"}},
		"Form":       form, "Jurisdictions": jurs, "Units": units, "Depts": depts, "Contractors": contractors,
		"Chosen": chosen, "Funding": sortedOptions(review.FundingSources()), "Categories": sortedOptions(review.Categories()),
		"FixedUnit": unitName, "FixedDept": p.Role == auth.CompetentDept,
	}))
}

func (a *App) projectCreate(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.CreateProject, a.reviewService)
	if err != nil {
		return err
	}
	form := readForm(c, "code", "name", "jurisdiction", "unit_org_id", "dept_org_id", "funding_source", "category", "approved_estimate")
	var contractorIDs []int64
	var ids []string
	for _, raw := range c.Context().PostArgs().PeekMulti("contractor_ids") {
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && n > 0 {
			contractorIDs = append(contractorIDs, n)
			ids = append(ids, string(raw))
		}
	}
	form.Values["contractor_ids"] = strings.Join(ids, ",")
	in := review.ProjectInput{Code: form.Values["code"], Name: form.Values["name"], Jurisdiction: form.Values["jurisdiction"],
		UnitOrgID: form.int64("unit_org_id"), DeptOrgID: form.int64("dept_org_id"), FundingSource: form.Values["funding_source"],
		Category: form.Values["category"], ApprovedEstimate: strings.ReplaceAll(form.Values["approved_estimate"], ",", ""),
		ContractorIDs: contractorIDs}
	proj, err := svc.CreateProject(c.UserContext(), p, in)
	if err != nil {
		if form.refuse(err) {
			return a.renderProjectNew(c, 422, p, form)
		}
		return err
	}
	return redirectMsg(c, "/projects/"+idText(proj.ID), "项目已登记")
}

func (a *App) projectPage(c *fiber.Ctx) error {
	p, err := require(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	return a.renderProjectPage(c, 200, p, newForm())
}

func (a *App) renderProjectPage(c *fiber.Ctx, status int, p auth.Principal, form *formState) error {
	ctx := c.UserContext()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	proj, contractorIDs, err := a.svc.Reviews.Project(ctx, p, id)
	if err != nil {
		return err
	}
	own, _, err := a.svc.Reviews.Reviews(ctx, p, review.ReviewFilter{ProjectID: proj.ID, Limit: 200})
	if err != nil {
		return err
	}
	reviews := a.reviewRows(c, own)
	var contractors []string
	for _, cid := range contractorIDs {
		if o, err := a.auth.Organization(ctx, cid); err == nil {
			contractors = append(contractors, o.Name)
		}
	}
	dept := ""
	if proj.DeptOrgID != 0 {
		if o, err := a.auth.Organization(ctx, proj.DeptOrgID); err == nil {
			dept = o.Name
		}
	}
	return a.views.render(c, status, "project", a.page(c, proj.Name, map[string]any{
		"Breadcrumb": []crumb{{Label: "项目库", Href: "/projects"}, {Label: proj.Name}},
		"P":          labelProject(proj), "Dept": dept, "Contractors": strings.Join(contractors, "、"),
		"Reviews": reviews, "CanCreateReview": p.Can(auth.CreateReview), "Kinds": codeOptions(fee.Kinds()), "Form": form,
		"NewReviewUpload": newUploadPanel("nr", 0, p.Role, "submission"),
	}))
}

func (a *App) projectCreateReview(c *fiber.Ctx) error {
	p, svc, id, err := a.reviewCall(c, auth.CreateReview)
	if err != nil {
		return err
	}
	form := readForm(c, "kind", "submitted_amount")
	r, err := svc.Create(c.UserContext(), p, review.CreateInput{ProjectID: id, Kind: form.Values["kind"],
		SubmittedAmount: strings.ReplaceAll(form.Values["submitted_amount"], ",", "")})
	if scriptWantsJSON(c) {
		// The page's script creates the review, then uploads the chosen
		// files into it (static/upload.js); a refusal makes it submit the
		// form itself, so the errors show next to the fields.
		if err != nil {
			return jsonRefusal(c, err)
		}
		next := "/reviews/" + idText(r.ID)
		return c.Status(201).JSON(fiber.Map{"id": idText(r.ID), "upload_url": next + "/upload",
			"next": flashURL(c, next, "评审任务已创建(草稿),资料已上传;核对后即可报送", "#actions")})
	}
	if err != nil {
		if form.refuse(err) {
			return a.renderProjectPage(c, 422, p, form)
		}
		return err
	}
	return redirectMsg(c, "/reviews/"+idText(r.ID), "评审任务已创建(草稿),请上传送审资料后报送")
}
