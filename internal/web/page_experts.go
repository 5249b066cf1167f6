package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/firm"
)

// expertForms are the expert page's forms: the new expert, and the
// placement or relation form (Which) as refused.
type expertForms struct {
	Add   *formState
	Which string
	Side  *formState
}

func (a *App) renderExperts(c *fiber.Ctx, status int, forms expertForms) error {
	p, svc, err := serviceCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	f := firm.ExpertFilter{Specialty: strings.TrimSpace(c.Query("specialty")), Search: strings.TrimSpace(c.Query("q"))}
	list, err := svc.Experts(ctx, f)
	if err != nil {
		return err
	}
	specs, err := svc.Specialties(ctx)
	if err != nil {
		return err
	}
	page, pg, err := pageOf(c, list)
	if err != nil {
		return err
	}
	data := map[string]any{"Breadcrumb": []crumb{{Label: "机构与专家"}, {Label: "评审专家库"}},
		"Items": page, "Offset": pg.Offset(), "Pager": pg.Pager(c, len(list)), "Filter": f, "Specialties": specs,
		"CanManage": p.Can(auth.ManageFirms), "Form": forms.Add}
	placements, err := svc.Placements(ctx)
	if err != nil {
		return err
	}
	data["Placements"] = placements
	if p.Can(auth.ManageFirms) {
		orgs, err := a.auth.Organizations(ctx, "")
		if err != nil {
			return err
		}
		var firms []auth.Organization
		for _, o := range orgs {
			if o.Kind == auth.OrgFirm {
				firms = append(firms, o)
			}
		}
		// The forms offer the experts the search above has found.
		data["AllExperts"], data["Orgs"], data["FirmOrgs"] = list, orgs, firms
		data["Placement"], data["Relation"] = newForm(), newForm()
		switch forms.Which {
		case "placement":
			data["Placement"] = forms.Side
		case "relation":
			data["Relation"] = forms.Side
		}
	}
	return a.views.render(c, status, "experts", a.page(c, "评审专家库", data))
}

func (a *App) pageExperts(c *fiber.Ctx) error {
	return a.renderExperts(c, 200, expertForms{Add: newForm()})
}

func (a *App) pageExpertAdd(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ManageFirms, a.firmService)
	if err != nil {
		return err
	}
	form := readForm(c, "name", "specialty", "title", "employer")
	v := form.Values
	_, err = svc.AddExpert(c.UserContext(), p, firm.Expert{Name: v["name"], Specialty: v["specialty"], Title: v["title"], Employer: v["employer"]})
	if form.refuse(err) {
		return a.renderExperts(c, 422, expertForms{Add: form})
	}
	if err != nil {
		return err
	}
	return redirectMsg(c, "/experts", "专家已入库")
}

func (a *App) pageExpertActive(c *fiber.Ctx) error {
	p, svc, id, err := rowCall(c, auth.ManageFirms, a.firmService)
	if err != nil {
		return err
	}
	active := c.FormValue("active") == "true"
	if err := svc.SetExpertActive(c.UserContext(), p, id, active); err != nil {
		return err
	}
	msg := "专家已停用"
	if active {
		msg = "专家已启用"
	}
	return redirectMsg(c, "/experts", msg)
}

// pageExpertSide runs the placement or relation form (which), whose
// fields are ids but for the relation, and re-renders the page with every
// refused field next to it.
func (a *App) pageExpertSide(c *fiber.Ctx, which string, fields []string, run func(p auth.Principal, svc expertPlacer, ids map[string]int64) error) error {
	p, svc, err := serviceCall(c, auth.ManageFirms, a.firmService)
	if err != nil {
		return err
	}
	form := readForm(c, append(fields, "relation")...)
	ids := map[string]int64{}
	for _, f := range fields {
		if v := form.Values[f]; v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				form.fail(f, "选择不正确")
				n = 0
			}
			ids[f] = n
		}
	}
	// A relation names its expert and organization: an unreadable one is
	// 0, which the service refuses with the relation's other fields,
	// saving nothing. A placement's organizations may be none (0), so an
	// unreadable one stops it here.
	if form.ok() || which == "relation" {
		err = run(p, svc, ids)
	}
	if err != nil && !form.refuse(err) {
		return err
	}
	if !form.ok() {
		return a.renderExperts(c, 422, expertForms{Add: newForm(), Which: which, Side: form})
	}
	msg := "已保存专家任职信息"
	if which == "relation" {
		msg = "已记录专家关联申报,抽取时将回避该单位的评审"
	}
	return redirectMsg(c, "/experts", msg)
}

// expertPlacer is what the expert side forms need of the firm service.
type expertPlacer interface {
	SetExpertPlacement(ctx context.Context, p auth.Principal, expertID, employerOrgID, firmID int64) error
	DeclareExpertRelation(ctx context.Context, p auth.Principal, expertID, orgID int64, relation string) error
}

func (a *App) pageExpertPlacement(c *fiber.Ctx) error {
	return a.pageExpertSide(c, "placement", []string{"expert_id", "employer_org_id", "firm_id"}, func(p auth.Principal, svc expertPlacer, ids map[string]int64) error {
		return svc.SetExpertPlacement(c.UserContext(), p, ids["expert_id"], ids["employer_org_id"], ids["firm_id"])
	})
}

func (a *App) pageExpertRelation(c *fiber.Ctx) error {
	return a.pageExpertSide(c, "relation", []string{"expert_id", "org_id"}, func(p auth.Principal, svc expertPlacer, ids map[string]int64) error {
		return svc.DeclareExpertRelation(c.UserContext(), p, ids["expert_id"], ids["org_id"], strings.TrimSpace(c.FormValue("relation")))
	})
}
