package web

import (
	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/input"
	"finreview/internal/review"
)

func projectJSON(p review.Project) fiber.Map {
	return fiber.Map{
		"id": idText(p.ID), "code": p.Code, "name": p.Name,
		"jurisdiction_id": idText(p.JurisdictionID), "jurisdiction": p.JurisdictionName,
		"unit_id": idText(p.UnitOrgID), "unit": p.UnitName, "dept_id": nullableID(p.DeptOrgID),
		"funding_source": p.FundingSource, "category": p.Category,
		"approved_estimate": p.ApprovedEstimate.StringFixed(2), "key_project": p.KeyProject,
		"created_at": apiTime(p.CreatedAt),
	}
}

func (a *App) apiCreateProject(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.CreateProject, a.reviewService)
	if err != nil {
		return err
	}
	var body map[string]any
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	str := func(k string) (string, error) {
		s, ok := flexString(body[k])
		if !ok {
			return "", &input.FieldError{Name: k, Msg: "须为文字"}
		}
		return s, nil
	}
	in := review.ProjectInput{}
	for _, f := range []struct {
		k   string
		dst *string
	}{{"code", &in.Code}, {"name", &in.Name}, {"jurisdiction", &in.Jurisdiction}, {"funding_source", &in.FundingSource},
		{"category", &in.Category}, {"approved_estimate", &in.ApprovedEstimate}} {
		if *f.dst, err = str(f.k); err != nil {
			return err
		}
	}
	if in.UnitOrgID, err = flexID(body["unit_org_id"], "unit_org_id"); err != nil {
		return err
	}
	if in.DeptOrgID, err = flexID(body["dept_org_id"], "dept_org_id"); err != nil {
		return err
	}
	if cs, ok := body["contractor_ids"].([]any); ok {
		for _, v := range cs {
			id, err := flexID(v, "contractor_ids")
			if err != nil {
				return err
			}
			in.ContractorIDs = append(in.ContractorIDs, id)
		}
	}
	proj, err := svc.CreateProject(c.UserContext(), p, in)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(projectJSON(proj))
}

func (a *App) apiListProjects(c *fiber.Ctx) error {
	f, err := a.findProjects(c)
	if err != nil {
		return err
	}
	return sendList(c, f.items, f.total, projectJSON)
}
