package auth

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"time"

	"finreview/internal/audit"
	"finreview/internal/input"
	"finreview/internal/store"
	"finreview/internal/trust"
)

// The people and bodies finreview knows: users, the organizations they act
// for and the jurisdictions (区划) both belong to. Pages and the command
// line create them through the methods here, under the same rules and with
// the same audit events.
type (
	User         = store.User
	Organization = store.Organization
	Jurisdiction = store.Jurisdiction
	Session      = store.Session
)

// Organization kinds.
const (
	OrgUnit           = store.OrgUnit
	OrgFirm           = store.OrgFirm
	OrgContractor     = store.OrgContractor
	OrgCompetentDept  = store.OrgCompetentDept
	OrgFinanceSection = store.OrgFinanceSection
	OrgReviewCenter   = store.OrgReviewCenter
	OrgAdmin          = store.OrgAdmin
)

// OrgKinds are the organization kinds an administrator registers (firms
// are registered in the firm library, which adds their terms).
var OrgKinds = []struct{ Code, Label string }{
	{OrgUnit, "建设单位"}, {OrgCompetentDept, "主管部门"}, {OrgContractor, "施工单位"},
	{OrgFinanceSection, "财政业务科室"}, {OrgReviewCenter, "评审中心"}, {OrgAdmin, "系统管理"},
}

// OrgKindLabel is the Chinese name of an organization kind.
func OrgKindLabel(k string) string {
	if k == OrgFirm {
		return "中介机构"
	}
	for _, o := range OrgKinds {
		if o.Code == k {
			return o.Label
		}
	}
	return k
}

// RoleOrgKind is the organization kind a user of the role acts for ("" =
// none required).
func RoleOrgKind(r Role) string {
	switch r {
	case Intermediary:
		return OrgFirm
	case ConstructionUnit:
		return OrgUnit
	case Contractor:
		return OrgContractor
	case CompetentDept:
		return OrgCompetentDept
	}
	return ""
}

// CommandLine is the operator at the server's command line (finreview
// user add): the installation's own authority, which may create any role.
func CommandLine() Principal {
	return Principal{Name: "命令行", Role: System}
}

// FieldErrors are the refused fields of one request, by field name, each
// with its Chinese message. Field names the first in name order.
type FieldErrors map[string]string

func (e FieldErrors) Error() string {
	f := e.Field()
	return f + ": " + e[f]
}

// Field names the first refused field.
func (e FieldErrors) Field() string {
	names := e.names()
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// Unwrap is every refused field as its own *input.FieldError, in name
// order, so that callers read them as any joined field errors.
func (e FieldErrors) Unwrap() []error {
	names := e.names()
	out := make([]error, len(names))
	for i, n := range names {
		out[i] = &input.FieldError{Name: n, Msg: e[n]}
	}
	return out
}

func (e FieldErrors) names() []string {
	names := make([]string, 0, len(e))
	for n := range e {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Code is the stable English code.
func (e FieldErrors) Code() string { return "invalid" }

func (e FieldErrors) fail(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

func (e FieldErrors) line(field, s string, max int) {
	var fe *input.FieldError
	if err := input.Line(field, s, max); errors.As(err, &fe) {
		e.fail(field, fe.Message())
	}
}

func (e FieldErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{2,31}$`)

// NewUser is a user to create. Its fields are named as the form's.
type NewUser struct {
	Username       string // username
	DisplayName    string // display_name
	Password       string // password
	Role           string // role
	OrgID          int64  // org_id
	JurisdictionID int64  // jurisdiction_id
	CityGrant      bool   // city_grant
}

// CreateUser creates an active user who must change the password at the
// first sign-in, audited as create_user. Every field is checked and every
// refusal reported at once (FieldErrors): the username pattern, the
// password policy, the role (三员分立: the three separated roles are not
// granted by the system administrator), the jurisdiction, the organization
// the role acts for and the city grant.
func (s *Service) CreateUser(ctx context.Context, by Principal, nu NewUser) (User, error) {
	if by.Role != System && !by.Can(ManageUsers) {
		return User{}, ErrForbidden
	}
	fe := FieldErrors{}
	if !usernamePattern.MatchString(nu.Username) {
		fe.fail("username", "用户名为 3–32 位小写字母、数字或 _ . -,以字母开头")
	}
	if nu.DisplayName == "" || len([]rune(nu.DisplayName)) > 64 {
		fe.fail("display_name", "请填写姓名(最多 64 个字)")
	}
	fe.line("display_name", nu.DisplayName, 64)
	policy, err := s.Policy(ctx)
	if err != nil {
		return User{}, err
	}
	var pe *input.FieldError
	if err := CheckPassword(policy, nu.Username, nu.Password); errors.As(err, &pe) {
		fe.fail("password", pe.Message())
	} else if err != nil {
		return User{}, err
	}
	role, err := ParseRole(nu.Role)
	switch {
	case err != nil:
		fe.fail("role", "请选择角色")
	case role.Separated() && by.Role != System:
		fe.fail("role", "系统管理员、安全保密管理员和安全审计员的角色只能由安全保密管理员授予")
	}
	if _, err := s.store.Jurisdiction(ctx, nu.JurisdictionID); err != nil {
		fe.fail("jurisdiction_id", "请选择所属区划")
	}
	if want := RoleOrgKind(role); want != "" || nu.OrgID != 0 {
		o, err := s.store.Organization(ctx, nu.OrgID)
		switch {
		case err != nil && want != "":
			fe.fail("org_id", "该角色须选择所属单位("+OrgKindLabel(want)+")")
		case err != nil:
			fe.fail("org_id", "所属单位不存在")
		case want != "" && o.Kind != want:
			fe.fail("org_id", "该角色的所属单位须为"+OrgKindLabel(want))
		}
	}
	if nu.CityGrant && role != FinanceSection && role != ReviewCenter {
		fe.fail("city_grant", "只有财政业务科室和评审中心的用户可授予全市查看权限")
	}
	if err := fe.err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return User{}, FieldErrors{"password": err.Error()}
	}
	u := User{Username: nu.Username, DisplayName: nu.DisplayName, PasswordHash: hash, Role: string(role),
		OrgID: nu.OrgID, JurisdictionID: nu.JurisdictionID, CityGrant: nu.CityGrant, Active: true, MustChangePassword: true}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		id, err := q.InsertUser(ctx, u)
		if err != nil {
			return err
		}
		u.ID = id
		_, err = audit.Append(ctx, q, s.now(), audit.Entry{ActorID: by.UserID, ActorName: by.Name, Action: "create_user",
			ObjectType: "user", ObjectID: u.Username, Detail: map[string]any{"id": id, "role": u.Role, "org_id": u.OrgID,
				"jurisdiction_id": u.JurisdictionID, "city_grant": u.CityGrant, "display_name": u.DisplayName}})
		return err
	})
	if errors.Is(err, store.ErrDuplicate) {
		return User{}, FieldErrors{"username": "用户名已存在"}
	}
	return u, err
}

// ErrSelfDeactivate refuses an administrator's stopping their own account.
var ErrSelfDeactivate = &RefusedError{Status: 409, Reason: "self_deactivate", Msg: "不能停用当前登录的账号"}

// SetUserActive starts or stops a user's account, audited as
// activate_user or deactivate_user with the reason given.
func (s *Service) SetUserActive(ctx context.Context, by Principal, userID int64, active bool, reason string) (User, error) {
	if !by.Can(ManageUsers) {
		return User{}, ErrForbidden
	}
	if userID == by.UserID && !active {
		return User{}, ErrSelfDeactivate
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return User{}, err
	}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		if err := q.SetUserActive(ctx, userID, active); err != nil {
			return err
		}
		action := "deactivate_user"
		if active {
			action = "activate_user"
		}
		_, err := audit.Append(ctx, q, s.now(), audit.Entry{ActorID: by.UserID, ActorName: by.Name, Action: action,
			ObjectType: "user", ObjectID: u.Username, Detail: map[string]any{"id": userID, "before": u.Active, "after": active, "reason": reason}})
		return err
	})
	if err != nil {
		return User{}, err
	}
	s.ForgetUser(userID)
	return u, nil
}

// NewOrganization is an organization to register. Its fields are named as
// the form's.
type NewOrganization struct {
	Kind           string // kind
	Name           string // name
	JurisdictionID int64  // jurisdiction_id
	CreditCode     string // credit_code
	ContactPerson  string // contact_person
	ContactPhone   string // contact_phone
}

var (
	creditCodePattern = regexp.MustCompile(`^[0-9A-HJ-NPQRTUWXY]{18}$`)
	phonePattern      = regexp.MustCompile(`^[0-9+\- ]{5,20}$`)
)

// CreateOrganization registers an organization of one of OrgKinds,
// audited as create_organization.
func (s *Service) CreateOrganization(ctx context.Context, by Principal, no NewOrganization) (Organization, error) {
	if by.Role != System && !by.Can(ManageUsers) {
		return Organization{}, ErrForbidden
	}
	fe := FieldErrors{}
	known := false
	for _, k := range OrgKinds {
		known = known || k.Code == no.Kind
	}
	if !known {
		fe.fail("kind", "请选择单位类型(中介机构请在中介机构库登记)")
	}
	if no.Name == "" || len([]rune(no.Name)) > 128 {
		fe.fail("name", "请填写单位名称(最多 128 个字)")
	}
	fe.line("name", no.Name, 128)
	fe.line("contact_person", no.ContactPerson, 64)
	if _, err := s.store.Jurisdiction(ctx, no.JurisdictionID); err != nil {
		fe.fail("jurisdiction_id", "请选择所属区划")
	}
	if cc := no.CreditCode; cc != "" && !creditCodePattern.MatchString(cc) {
		fe.fail("credit_code", "统一社会信用代码为 18 位数字或大写字母")
	}
	if ph := no.ContactPhone; ph != "" && !phonePattern.MatchString(ph) {
		fe.fail("contact_phone", "联系电话格式不正确")
	}
	if err := fe.err(); err != nil {
		return Organization{}, err
	}
	o := Organization{Kind: no.Kind, Name: no.Name, JurisdictionID: no.JurisdictionID, CreditCode: no.CreditCode,
		ContactPerson: no.ContactPerson, ContactPhone: no.ContactPhone}
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		id, err := q.InsertOrganization(ctx, o)
		if err != nil {
			return err
		}
		o.ID = id
		_, err = audit.Append(ctx, q, s.now(), audit.Entry{ActorID: by.UserID, ActorName: by.Name, Action: "create_organization",
			ObjectType: "organization", ObjectID: audit.ID(id),
			Detail: map[string]any{"kind": o.Kind, "name": o.Name, "jurisdiction_id": o.JurisdictionID}})
		return err
	})
	if errors.Is(err, store.ErrDuplicate) {
		return Organization{}, FieldErrors{"name": "单位名称已存在"}
	}
	return o, err
}

// Users lists every user.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.store.Users(ctx) }

// User is one user by id.
func (s *Service) User(ctx context.Context, id int64) (User, error) { return s.store.User(ctx, id) }

// UserByUsername is one user by sign-in name.
func (s *Service) UserByUsername(ctx context.Context, username string) (User, error) {
	return s.store.UserByUsername(ctx, username)
}

// UsersByRole lists the active users of a role (of one organization when
// orgID is not 0).
func (s *Service) UsersByRole(ctx context.Context, role Role, orgID int64) ([]User, error) {
	return s.store.UsersByRole(ctx, string(role), orgID)
}

// Organizations lists the organizations of a kind ("": all).
func (s *Service) Organizations(ctx context.Context, kind string) ([]Organization, error) {
	return s.store.Organizations(ctx, kind)
}

// Organization is one organization by id.
func (s *Service) Organization(ctx context.Context, id int64) (Organization, error) {
	return s.store.Organization(ctx, id)
}

// OrganizationByName is one organization by its name.
func (s *Service) OrganizationByName(ctx context.Context, name string) (Organization, error) {
	return s.store.OrganizationByName(ctx, name)
}

// ScopedUnits lists the construction units the principal's scope covers.
func (s *Service) ScopedUnits(ctx context.Context, p Principal) ([]Organization, error) {
	return s.store.ScopedUnits(ctx, p.Scope())
}

// Jurisdictions lists every jurisdiction.
func (s *Service) Jurisdictions(ctx context.Context) ([]Jurisdiction, error) {
	return s.store.Jurisdictions(ctx)
}

// Jurisdiction is one jurisdiction by id.
func (s *Service) Jurisdiction(ctx context.Context, id int64) (Jurisdiction, error) {
	return s.store.Jurisdiction(ctx, id)
}

// NameTrust is how long an instance answers for the jurisdictions (the
// page header's names, the list filters' jurisdictions) without reading
// them again. finreview never adds or renames a jurisdiction once it
// serves; one changed in the database by hand shows within NameTrust on
// every instance.
const NameTrust = time.Minute

// jurisdictionNames are every jurisdiction as this instance last read
// them, at loaded: in order (list) and their names by id.
type jurisdictionNames struct {
	list   []Jurisdiction
	byID   map[int64]string
	loaded time.Time
}

// readNames reads every jurisdiction, at now, and keeps them unless a
// forget came after seen.
func (s *Service) readNames(ctx context.Context, now time.Time, seen trust.Seen) (jurisdictionNames, error) {
	js, err := s.store.Jurisdictions(ctx)
	if err != nil {
		return jurisdictionNames{}, err
	}
	names := jurisdictionNames{list: slices.Clip(js), byID: make(map[int64]string, len(js)), loaded: now}
	for _, j := range js {
		names.byID[j.ID] = j.Name
	}
	s.names.Put(struct{}{}, names, seen, now)
	return names, nil
}

// JurisdictionName is the name of a jurisdiction, for the page header:
// from this instance's copy of all of them, read again in one query after
// NameTrust, or when id is not in it (a jurisdiction added since; at most
// once per TokenTrust).
func (s *Service) JurisdictionName(ctx context.Context, id int64) (string, error) {
	now := s.now()
	names, seen, ok := s.names.Get(struct{}{}, now)
	if ok {
		if name, ok := names.byID[id]; ok {
			return name, nil
		}
		if now.Sub(names.loaded) < TokenTrust {
			return "", store.ErrNotFound
		}
	}
	names, err := s.readNames(ctx, now, seen)
	if err != nil {
		return "", err
	}
	name, ok := names.byID[id]
	if !ok {
		return "", store.ErrNotFound
	}
	return name, nil
}

// JurisdictionChoices lists every jurisdiction, 市本级 first, for a list's
// filter: from the same copy as JurisdictionName's, trusted for
// NameTrust. The slice is shared by every caller on this instance: it is
// read, never modified (filter into a new slice).
func (s *Service) JurisdictionChoices(ctx context.Context) ([]Jurisdiction, error) {
	now := s.now()
	names, seen, ok := s.names.Get(struct{}{}, now)
	if ok {
		return names.list, nil
	}
	names, err := s.readNames(ctx, now, seen)
	return names.list, err
}

// JurisdictionByName is one jurisdiction by its name.
func (s *Service) JurisdictionByName(ctx context.Context, name string) (Jurisdiction, error) {
	return s.store.JurisdictionByName(ctx, name)
}
