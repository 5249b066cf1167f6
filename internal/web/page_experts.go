package web

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/firm"
)

// expertSideForm is the placement or relation form as entered, with its
// refusal; Which is "placement" or "relation".
type expertSideForm struct {
	Which, Error, Field string
	Values              map[string]string
}

func (a *App) renderExperts(c *fiber.Ctx, status int, formErr error, form firm.Expert) error {
	return a.renderExpertsWith(c, status, formErr, form, expertSideForm{})
}

func (a *App) renderExpertsWith(c *fiber.Ctx, status int, formErr error, form firm.Expert, side expertSideForm) error {
	p, err := require(c, auth.ViewFirms)
	if err != nil {
		return err
	}
	svc, err := a.firmService()
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
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	total := len(list)
	from, to := min(pg.Offset(), total), min(pg.Offset()+pg.Size, total)
	data := map[string]any{"Breadcrumb": []crumb{{Label: "机构与专家"}, {Label: "评审专家库"}},
		"Items": list[from:to], "Offset": from, "Pager": pg.Pager(c, total), "Filter": f, "Specialties": specs,
		"CanManage": p.Can(auth.ManageFirms), "Form": form}
	if formErr != nil {
		data["Error"] = errText(formErr)
	}
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
		if side.Values == nil {
			side.Values = map[string]string{}
		}
		// The forms offer the experts the search above has found.
		data["AllExperts"], data["Orgs"], data["FirmOrgs"], data["Side"] = list, orgs, firms, side
	}
	return a.views.render(c, status, "experts", a.page(c, "评审专家库", data))
}

func (a *App) pageExperts(c *fiber.Ctx) error { return a.renderExperts(c, 200, nil, firm.Expert{}) }

func (a *App) pageExpertAdd(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageFirms)
	if err != nil {
		return err
	}
	svc, err := a.firmService()
	if err != nil {
		return err
	}
	e := firm.Expert{Name: c.FormValue("name"), Specialty: c.FormValue("specialty"), Title: c.FormValue("title"), Employer: c.FormValue("employer")}
	if _, err := svc.AddExpert(c.UserContext(), p, e); err != nil {
		if firmFormErr(err) {
			return a.renderExperts(c, 422, err, e)
		}
		return err
	}
	return c.Redirect("/experts?msg="+url.QueryEscape("专家已入库"), fiber.StatusSeeOther)
}

func (a *App) pageExpertActive(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageFirms)
	if err != nil {
		return err
	}
	svc, err := a.firmService()
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
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
	return c.Redirect("/experts?msg="+url.QueryEscape(msg), fiber.StatusSeeOther)
}

// formID reads an optional id field of a form (empty = 0).
func formID(c *fiber.Ctx, field string) (int64, error) {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, &statusErr{status: 422, code: "invalid_field", msg: "选择不正确"}
	}
	return n, nil
}

// pageExpertSide runs the placement or relation form and re-renders the
// page with the refusal next to the form.
func (a *App) pageExpertSide(c *fiber.Ctx, which string, fields []string, run func(p auth.Principal, svc expertPlacer, ids map[string]int64) error) error {
	p, err := require(c, auth.ManageFirms)
	if err != nil {
		return err
	}
	svc, err := a.firmService()
	if err != nil {
		return err
	}
	side := expertSideForm{Which: which, Values: map[string]string{}}
	for _, f := range append(fields, "relation") {
		side.Values[f] = strings.TrimSpace(c.FormValue(f))
	}
	ids := map[string]int64{}
	for _, f := range fields {
		n, err := formID(c, f)
		if err != nil {
			side.Error, side.Field = "选择不正确", f
			return a.renderExpertsWith(c, 422, nil, firm.Expert{}, side)
		}
		ids[f] = n
	}
	if ids["expert_id"] == 0 {
		side.Error, side.Field = "请选择专家", "expert_id"
		return a.renderExpertsWith(c, 422, nil, firm.Expert{}, side)
	}
	if err := run(p, svc, ids); err != nil {
		var fe fieldError
		if errors.As(err, &fe) {
			side.Error, side.Field = errText(err), fe.Field()
			return a.renderExpertsWith(c, 422, nil, firm.Expert{}, side)
		}
		return err
	}
	msg := "已保存专家任职信息"
	if which == "relation" {
		msg = "已记录专家关联申报,抽取时将回避该单位的评审"
	}
	return c.Redirect("/experts?msg="+url.QueryEscape(msg), fiber.StatusSeeOther)
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
		return svc.DeclareExpertRelation(c.UserContext(), p, ids["expert_id"], ids["org_id"], c.FormValue("relation"))
	})
}
