package web

import (
	"context"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

type userRow struct {
	auth.User
	RoleLabel, OrgName, JurisdictionName string
}

func (a *App) adminUsers(c *fiber.Ctx) error {
	return blankForm(c, auth.ManageUsers, a.renderAdminUsers)
}

func (a *App) renderAdminUsers(c *fiber.Ctx, status int, form *formState) error {
	ctx := c.UserContext()
	users, err := a.auth.Users(ctx)
	if err != nil {
		return err
	}
	orgs, err := a.auth.Organizations(ctx, "")
	if err != nil {
		return err
	}
	jurs, jurName, err := a.jurisdictionNames(ctx)
	if err != nil {
		return err
	}
	orgName := map[int64]string{}
	for _, o := range orgs {
		orgName[o.ID] = o.Name
	}
	search := strings.TrimSpace(c.Query("q"))
	role := c.Query("role")
	var rows []userRow
	for _, u := range users {
		if search != "" && !strings.Contains(u.Username, search) && !strings.Contains(u.DisplayName, search) {
			continue
		}
		if role != "" && u.Role != role {
			continue
		}
		rows = append(rows, userRow{User: u, RoleLabel: auth.Role(u.Role).Label(), OrgName: orgName[u.OrgID], JurisdictionName: jurName[u.JurisdictionID]})
	}
	page, pg, err := pageOf(c, rows)
	if err != nil {
		return err
	}
	// The separated security roles are granted on the security pages.
	roles := codeOptions(slices.DeleteFunc(auth.Roles(), auth.Role.Separated))
	type orgOpt struct {
		ID         int64
		Name, Kind string
	}
	var orgOpts []orgOpt
	for _, o := range orgs {
		orgOpts = append(orgOpts, orgOpt{o.ID, o.Name, auth.OrgKindLabel(o.Kind)})
	}
	return a.views.render(c, status, "admin_users", a.page(c, "用户管理", map[string]any{
		"Breadcrumb": []crumb{{Label: "系统管理"}, {Label: "用户管理"}},
		"Users":      page, "Offset": pg.Offset(), "Pager": pg.Pager(c, len(rows)),
		"Query": search, "RoleFilter": role, "Roles": roles, "Orgs": orgOpts, "Jurisdictions": jurs, "Form": form,
	}))
}

func (a *App) adminCreateUser(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageUsers)
	if err != nil {
		return err
	}
	form := readForm(c, "username", "display_name", "role", "org_id", "jurisdiction_id", "city_grant")
	v := form.Values
	u, err := a.auth.CreateUser(c.UserContext(), p, auth.NewUser{Username: v["username"], DisplayName: v["display_name"],
		Password: c.FormValue("password"), Role: v["role"], OrgID: form.int64("org_id"), JurisdictionID: form.int64("jurisdiction_id"),
		CityGrant: v["city_grant"] == "on" || v["city_grant"] == "true"})
	if form.refuse(err) {
		return a.renderAdminUsers(c, 422, form)
	}
	if err != nil {
		return err
	}
	return redirectMsg(c, "/admin/users", "已创建用户 "+u.Username)
}

func (a *App) adminSetUserActive(c *fiber.Ctx) error {
	p, id, err := requireRow(c, auth.ManageUsers)
	if err != nil {
		return err
	}
	active := c.FormValue("active") == "true"
	u, err := a.auth.SetUserActive(c.UserContext(), p, id, active, strings.TrimSpace(c.FormValue("reason")))
	if err != nil {
		return err
	}
	msg := "已停用用户 " + u.Username
	if active {
		msg = "已启用用户 " + u.Username
	}
	return redirectMsg(c, "/admin/users", msg)
}

type orgRow struct {
	auth.Organization
	KindLabel, JurisdictionName string
}

func (a *App) adminOrganizations(c *fiber.Ctx) error {
	return blankForm(c, auth.ManageUsers, a.renderAdminOrganizations)
}

func (a *App) renderAdminOrganizations(c *fiber.Ctx, status int, form *formState) error {
	ctx := c.UserContext()
	kind := c.Query("kind")
	orgs, err := a.auth.Organizations(ctx, kind)
	if err != nil {
		return err
	}
	jurs, jurName, err := a.jurisdictionNames(ctx)
	if err != nil {
		return err
	}
	search := strings.TrimSpace(c.Query("q"))
	var rows []orgRow
	for _, o := range orgs {
		if search != "" && !strings.Contains(o.Name, search) {
			continue
		}
		rows = append(rows, orgRow{Organization: o, KindLabel: auth.OrgKindLabel(o.Kind), JurisdictionName: jurName[o.JurisdictionID]})
	}
	page, pg, err := pageOf(c, rows)
	if err != nil {
		return err
	}
	return a.views.render(c, status, "admin_organizations", a.page(c, "组织机构", map[string]any{
		"Breadcrumb": []crumb{{Label: "系统管理"}, {Label: "组织机构"}},
		"Orgs":       page, "Offset": pg.Offset(), "Pager": pg.Pager(c, len(rows)),
		"Query": search, "KindFilter": kind, "Kinds": auth.OrgKinds, "Jurisdictions": jurs, "Form": form,
	}))
}

func (a *App) adminCreateOrganization(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageUsers)
	if err != nil {
		return err
	}
	form := readForm(c, "kind", "name", "jurisdiction_id", "credit_code", "contact_person", "contact_phone")
	v := form.Values
	o, err := a.auth.CreateOrganization(c.UserContext(), p, auth.NewOrganization{Kind: v["kind"], Name: v["name"],
		JurisdictionID: form.int64("jurisdiction_id"), CreditCode: v["credit_code"], ContactPerson: v["contact_person"],
		ContactPhone: v["contact_phone"]})
	if form.refuse(err) {
		return a.renderAdminOrganizations(c, 422, form)
	}
	if err != nil {
		return err
	}
	return redirectMsg(c, "/admin/organizations", "已登记 "+o.Name)
}

// jurisdictionNames are the jurisdictions and their names by id.
func (a *App) jurisdictionNames(ctx context.Context) ([]auth.Jurisdiction, map[int64]string, error) {
	jurs, err := a.auth.Jurisdictions(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(jurs))
	for _, j := range jurs {
		names[j.ID] = j.Name
	}
	return jurs, names, nil
}
