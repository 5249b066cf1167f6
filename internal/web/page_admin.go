package web

import (
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/input"
	"finreview/internal/store"
)

// formState carries a form's entered values and its errors by field, so a
// page re-rendered after a validation error keeps what was typed.
type formState struct {
	Values  map[string]string
	Errors  map[string]string
	Message string
}

func newForm() *formState {
	return &formState{Values: map[string]string{}, Errors: map[string]string{}}
}

// fail records an error under a field.
func (f *formState) fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

func (f *formState) ok() bool { return len(f.Errors) == 0 && f.Message == "" }

// read copies the named form fields, trimmed, into Values.
func (f *formState) read(c *fiber.Ctx, names ...string) {
	for _, n := range names {
		f.Values[n] = strings.TrimSpace(c.FormValue(n))
	}
}

// line applies the one text rule (input.Line) to a field read into the
// form, of at most max characters.
func (f *formState) line(name string, max int) {
	if err := input.Line(name, f.Values[name], max); err != nil {
		f.fail(name, errText(err))
	}
}

func (f *formState) int64(name string) int64 {
	n, _ := strconv.ParseInt(f.Values[name], 10, 64)
	return n
}

// orgKinds are the organization kinds an administrator registers here
// (firms are registered in the firm library, which adds their terms).
var orgKinds = []struct{ Code, Label string }{
	{store.OrgUnit, "建设单位"}, {store.OrgCompetentDept, "主管部门"}, {store.OrgContractor, "施工单位"},
	{store.OrgFinanceSection, "财政业务科室"}, {store.OrgReviewCenter, "评审中心"}, {store.OrgAdmin, "系统管理"},
}

func orgKindLabel(k string) string {
	if k == store.OrgFirm {
		return "中介机构"
	}
	for _, o := range orgKinds {
		if o.Code == k {
			return o.Label
		}
	}
	return k
}

// roleOrgKind is the organization kind a user of the role acts for ("" =
// none required).
func roleOrgKind(r auth.Role) string {
	switch r {
	case auth.Intermediary:
		return store.OrgFirm
	case auth.ConstructionUnit:
		return store.OrgUnit
	case auth.Contractor:
		return store.OrgContractor
	case auth.CompetentDept:
		return store.OrgCompetentDept
	}
	return ""
}

func (a *App) pageAdmin(r fiber.Router) {
	r.Get("/admin/users", a.adminUsers)
	r.Post("/admin/users", a.adminCreateUser)
	r.Post("/admin/users/:id<int>/active", a.adminSetUserActive)
	r.Get("/admin/organizations", a.adminOrganizations)
	r.Post("/admin/organizations", a.adminCreateOrganization)
}

type userRow struct {
	store.User
	RoleLabel, OrgName, JurisdictionName string
}

func (a *App) adminUsers(c *fiber.Ctx) error {
	if _, err := require(c, auth.ManageUsers); err != nil {
		return err
	}
	return a.renderAdminUsers(c, 200, newForm())
}

func (a *App) renderAdminUsers(c *fiber.Ctx, status int, form *formState) error {
	ctx := c.UserContext()
	users, err := a.store.Users(ctx)
	if err != nil {
		return err
	}
	orgs, err := a.store.Organizations(ctx, "")
	if err != nil {
		return err
	}
	jurs, err := a.store.Jurisdictions(ctx)
	if err != nil {
		return err
	}
	orgName := map[int64]string{}
	for _, o := range orgs {
		orgName[o.ID] = o.Name
	}
	jurName := map[int64]string{}
	for _, j := range jurs {
		jurName[j.ID] = j.Name
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
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	total := len(rows)
	from, to := min(pg.Offset(), total), min(pg.Offset()+pg.Size, total)
	type roleOpt struct{ Code, Label string }
	var roles []roleOpt
	for _, r := range auth.Roles() {
		if !r.Separated() {
			roles = append(roles, roleOpt{string(r), r.Label()})
		}
	}
	type orgOpt struct {
		ID         int64
		Name, Kind string
	}
	var orgOpts []orgOpt
	for _, o := range orgs {
		orgOpts = append(orgOpts, orgOpt{o.ID, o.Name, orgKindLabel(o.Kind)})
	}
	return a.views.render(c, status, "admin_users", a.page(c, "用户管理", map[string]any{
		"Breadcrumb": []crumb{{Label: "系统管理"}, {Label: "用户管理"}},
		"Users":      rows[from:to], "Offset": pg.Offset(), "Pager": pg.Pager(c, total),
		"Query": search, "RoleFilter": role, "Roles": roles, "Orgs": orgOpts, "Jurisdictions": jurs, "Form": form,
	}))
}

var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{2,31}$`)

func (a *App) adminCreateUser(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageUsers)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	form := newForm()
	form.read(c, "username", "display_name", "role", "org_id", "jurisdiction_id", "city_grant")
	password := c.FormValue("password")
	v := form.Values
	if !usernamePattern.MatchString(v["username"]) {
		form.fail("username", "用户名为 3–32 位小写字母、数字或 _ . -,以字母开头")
	}
	if v["display_name"] == "" || len([]rune(v["display_name"])) > 64 {
		form.fail("display_name", "请填写姓名(最多 64 个字)")
	}
	form.line("display_name", 64)
	policy, err := a.auth.Policy(ctx)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(policy, v["username"], password); err != nil {
		form.fail("password", errText(err))
	}
	role, err := auth.ParseRole(v["role"])
	switch {
	case err != nil:
		form.fail("role", "请选择角色")
	case role.Separated():
		// 三员分立: the system administrator does not grant the three
		// separated roles; the security administrator does.
		form.fail("role", "系统管理员、安全保密管理员和安全审计员的角色只能由安全保密管理员授予")
	}
	jid := form.int64("jurisdiction_id")
	if _, err := a.store.Jurisdiction(ctx, jid); err != nil {
		form.fail("jurisdiction_id", "请选择所属区划")
	}
	orgID := form.int64("org_id")
	if want := roleOrgKind(role); want != "" || orgID != 0 {
		o, err := a.store.Organization(ctx, orgID)
		switch {
		case err != nil && want != "":
			form.fail("org_id", "该角色须选择所属单位("+orgKindLabel(want)+")")
		case err != nil:
			form.fail("org_id", "所属单位不存在")
		case want != "" && o.Kind != want:
			form.fail("org_id", "该角色的所属单位须为"+orgKindLabel(want))
		}
	}
	cityGrant := v["city_grant"] == "on" || v["city_grant"] == "true"
	if cityGrant && role != auth.FinanceSection && role != auth.ReviewCenter {
		form.fail("city_grant", "只有财政业务科室和评审中心的用户可授予全市查看权限")
	}
	if !form.ok() {
		return a.renderAdminUsers(c, 422, form)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u := store.User{Username: v["username"], DisplayName: v["display_name"], PasswordHash: hash, Role: string(role),
		OrgID: orgID, JurisdictionID: jid, CityGrant: cityGrant, Active: true, MustChangePassword: true}
	err = a.store.InTx(ctx, func(q *store.Queries) error {
		id, err := q.InsertUser(ctx, u)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, a.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "create_user",
			ObjectType: "user", ObjectID: u.Username, Detail: map[string]any{"id": id, "role": u.Role, "org_id": orgID,
				"jurisdiction_id": jid, "city_grant": cityGrant, "display_name": u.DisplayName}})
		return err
	})
	if errors.Is(err, store.ErrDuplicate) {
		form.fail("username", "用户名已存在")
		return a.renderAdminUsers(c, 422, form)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/users?msg="+urlQuery("已创建用户 "+u.Username), fiber.StatusSeeOther)
}

func (a *App) adminSetUserActive(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageUsers)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	active := c.FormValue("active") == "true"
	if id == p.UserID && !active {
		return &statusErr{status: 409, code: "self_deactivate", msg: "不能停用当前登录的账号"}
	}
	u, err := a.store.User(ctx, id)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	err = a.store.InTx(ctx, func(q *store.Queries) error {
		if err := q.SetUserActive(ctx, id, active); err != nil {
			return err
		}
		action := "deactivate_user"
		if active {
			action = "activate_user"
		}
		_, err := audit.Append(ctx, q, a.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: action,
			ObjectType: "user", ObjectID: u.Username, Detail: map[string]any{"id": id, "before": u.Active, "after": active, "reason": reason}})
		return err
	})
	if err != nil {
		return err
	}
	a.auth.ForgetUser(id)
	msg := "已停用用户 " + u.Username
	if active {
		msg = "已启用用户 " + u.Username
	}
	return c.Redirect("/admin/users?msg="+urlQuery(msg), fiber.StatusSeeOther)
}

type orgRow struct {
	store.Organization
	KindLabel, JurisdictionName string
}

func (a *App) adminOrganizations(c *fiber.Ctx) error {
	if _, err := require(c, auth.ManageUsers); err != nil {
		return err
	}
	return a.renderAdminOrganizations(c, 200, newForm())
}

func (a *App) renderAdminOrganizations(c *fiber.Ctx, status int, form *formState) error {
	ctx := c.UserContext()
	kind := c.Query("kind")
	orgs, err := a.store.Organizations(ctx, kind)
	if err != nil {
		return err
	}
	jurs, err := a.store.Jurisdictions(ctx)
	if err != nil {
		return err
	}
	jurName := map[int64]string{}
	for _, j := range jurs {
		jurName[j.ID] = j.Name
	}
	search := strings.TrimSpace(c.Query("q"))
	var rows []orgRow
	for _, o := range orgs {
		if search != "" && !strings.Contains(o.Name, search) {
			continue
		}
		rows = append(rows, orgRow{Organization: o, KindLabel: orgKindLabel(o.Kind), JurisdictionName: jurName[o.JurisdictionID]})
	}
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	total := len(rows)
	from, to := min(pg.Offset(), total), min(pg.Offset()+pg.Size, total)
	return a.views.render(c, status, "admin_organizations", a.page(c, "组织机构", map[string]any{
		"Breadcrumb": []crumb{{Label: "系统管理"}, {Label: "组织机构"}},
		"Orgs":       rows[from:to], "Offset": pg.Offset(), "Pager": pg.Pager(c, total),
		"Query": search, "KindFilter": kind, "Kinds": orgKinds, "Jurisdictions": jurs, "Form": form,
	}))
}

func (a *App) adminCreateOrganization(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageUsers)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	form := newForm()
	form.read(c, "kind", "name", "jurisdiction_id", "credit_code", "contact_person", "contact_phone")
	v := form.Values
	known := false
	for _, k := range orgKinds {
		known = known || k.Code == v["kind"]
	}
	if !known {
		form.fail("kind", "请选择单位类型(中介机构请在中介机构库登记)")
	}
	if v["name"] == "" || len([]rune(v["name"])) > 128 {
		form.fail("name", "请填写单位名称(最多 128 个字)")
	}
	form.line("name", 128)
	form.line("contact_person", 64)
	jid := form.int64("jurisdiction_id")
	if _, err := a.store.Jurisdiction(ctx, jid); err != nil {
		form.fail("jurisdiction_id", "请选择所属区划")
	}
	if cc := v["credit_code"]; cc != "" && !regexp.MustCompile(`^[0-9A-HJ-NPQRTUWXY]{18}$`).MatchString(cc) {
		form.fail("credit_code", "统一社会信用代码为 18 位数字或大写字母")
	}
	if ph := v["contact_phone"]; ph != "" && !regexp.MustCompile(`^[0-9+\- ]{5,20}$`).MatchString(ph) {
		form.fail("contact_phone", "联系电话格式不正确")
	}
	if !form.ok() {
		return a.renderAdminOrganizations(c, 422, form)
	}
	o := store.Organization{Kind: v["kind"], Name: v["name"], JurisdictionID: jid, CreditCode: v["credit_code"],
		ContactPerson: v["contact_person"], ContactPhone: v["contact_phone"]}
	err = a.store.InTx(ctx, func(q *store.Queries) error {
		id, err := q.InsertOrganization(ctx, o)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, a.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "create_organization",
			ObjectType: "organization", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"kind": o.Kind, "name": o.Name, "jurisdiction_id": jid}})
		return err
	})
	if errors.Is(err, store.ErrDuplicate) {
		form.fail("name", "单位名称已存在")
		return a.renderAdminOrganizations(c, 422, form)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/organizations?msg="+urlQuery("已登记 "+o.Name), fiber.StatusSeeOther)
}

// urlQuery escapes a value for a query string (flash messages).
func urlQuery(s string) string { return url.QueryEscape(s) }
