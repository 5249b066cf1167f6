package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/assign"
	"finreview/internal/auth"
	"finreview/internal/firm"
	"finreview/internal/review"
)

func (a *App) firmService() (*firm.Service, error) { return wired(a.svc.Firms, "中介机构") }

// firmJurisdiction resolves the jurisdiction query parameter (an id or a
// Chinese name or code); empty means the caller's own jurisdiction.
func (a *App) firmJurisdiction(c *fiber.Ctx, p auth.Principal, raw string) (auth.Jurisdiction, error) {
	raw = strings.TrimSpace(raw)
	ctx := c.UserContext()
	var j auth.Jurisdiction
	var err error
	switch {
	case raw == "":
		j, err = a.auth.Jurisdiction(ctx, p.JurisdictionID)
	default:
		if id, perr := strconv.ParseInt(raw, 10, 64); perr == nil {
			if j, err = a.auth.Jurisdiction(ctx, id); err == nil {
				break
			}
		}
		j, err = a.auth.JurisdictionByName(ctx, raw)
	}
	if errors.Is(err, review.ErrNotFound) {
		return j, fieldErr("jurisdiction", "区划不存在:"+raw)
	}
	return j, err
}

func firmStatusLabel(s string) string { return assign.Status(s).Label() }

func (a *App) apiListFirms(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	j, err := a.firmJurisdiction(c, p, c.Query("jurisdiction"))
	if err != nil {
		return err
	}
	kind := strings.TrimSpace(c.Query("kind"))
	if kind == "" {
		kind = "settlement"
	}
	lib, err := svc.List(c.UserContext(), j.ID, kind)
	if err != nil {
		return err
	}
	items := make([]fiber.Map, 0, len(lib.Items))
	for _, f := range lib.Items {
		items = append(items, fiber.Map{"id": idText(f.OrgID), "name": f.Name, "score": f.Score.StringFixed(2),
			"status": f.Status, "status_label": firmStatusLabel(f.Status), "open_reviews": f.OpenReviews, "capacity": f.Capacity,
			"position": f.Position, "qualified": f.Qualified})
	}
	var next any
	if lib.NextFirmID != 0 {
		next = idText(lib.NextFirmID)
	}
	return c.JSON(fiber.Map{"items": items, "next_firm_id": next, "jurisdiction": fiber.Map{"id": idText(j.ID), "name": j.Name},
		"kind": kind})
}

func (a *App) apiGetFirm(c *fiber.Ctx) error {
	p, svc, id, err := rowCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	d, err := svc.Get(c.UserContext(), p.Scope(), id)
	if err != nil {
		return err
	}
	f := d.Firm
	juris := make([]string, len(f.Jurisdictions))
	for i, j := range f.Jurisdictions {
		juris[i] = idText(j)
	}
	kinds := f.Kinds
	if kinds == nil {
		kinds = []string{}
	}
	history := make([]fiber.Map, 0, len(d.History))
	for _, h := range d.History {
		history = append(history, fiber.Map{"status": h.Status, "reason": h.Reason, "by": h.ChangedName, "at": apiTime(h.ChangedAt)})
	}
	conflicts := make([]fiber.Map, 0, len(d.Conflicts))
	for _, cf := range d.Conflicts {
		conflicts = append(conflicts, fiber.Map{"org_id": idText(cf.OrgID), "org_name": cf.OrgName, "relation": cf.Relation,
			"declared_at": apiTime(cf.DeclaredAt)})
	}
	assessments := make([]fiber.Map, 0, len(d.Assessments))
	for _, as := range d.Assessments {
		assessments = append(assessments, fiber.Map{"period_id": idText(as.PeriodID), "period": as.PeriodName, "rank": as.Rank,
			"total": as.Total.StringFixed(2), "flagged": as.Flagged, "closed": as.PeriodClosed})
	}
	return c.JSON(fiber.Map{"id": idText(f.OrgID), "name": f.Name, "score": f.Score.StringFixed(2), "status": f.Status,
		"status_reason": f.StatusReason, "status_since": apiTime(f.StatusSince), "capacity": f.Capacity,
		"open_reviews": f.OpenReviews, "qualification": f.Qualification, "kinds": kinds, "jurisdictions": juris,
		"admitted_at": apiTime(f.AdmittedAt), "credit_code": f.CreditCode, "contact_person": f.ContactPerson,
		"contact_phone": f.ContactPhone, "address": f.Address,
		"stats": fiber.Map{"reviews_done": d.Stats.ReviewsDone, "open_reviews": d.Stats.Open,
			"average_workdays": d.Stats.AverageWorkdays.StringFixed(2), "reduction_rate": d.Stats.ReductionPercent(),
			"overdue": d.Stats.Overdue},
		"status_history": history, "conflicts": conflicts, "assessments": assessments})
}

func (a *App) apiListExperts(c *fiber.Ctx) error {
	_, svc, err := serviceCall(c, auth.ViewFirms, a.firmService)
	if err != nil {
		return err
	}
	list, err := svc.Experts(c.UserContext(), firm.ExpertFilter{Specialty: strings.TrimSpace(c.Query("specialty")),
		Search: c.Query("q"), ActiveOnly: c.Query("active") == "true"})
	if err != nil {
		return err
	}
	return sendList(c, list, len(list), func(e firm.Expert) fiber.Map {
		return fiber.Map{"id": idText(e.ID), "name": e.Name, "specialty": e.Specialty, "title": e.Title,
			"employer": e.Employer, "active": e.Active}
	})
}
