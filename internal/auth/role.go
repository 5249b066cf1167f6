// Package auth holds finreview's roles, the permissions outside the
// workflow, row-level scope, password hashing, sessions, API tokens and
// login throttling. Every permission decision is made here, except which
// role may fire which trigger: that is part of each trigger's entry in the
// review service's table of triggers (review.MayFire).
package auth

import (
	"cmp"
	"errors"

	"finreview/internal/store"
)

// Role is a closed set of user roles (DESIGN.md).
type Role string

// Roles.
const (
	// Admin is the 系统管理员: users and organizations only.
	Admin Role = "admin"
	// SecurityAdmin is the 安全保密管理员: roles, the security policy and
	// unlocking accounts; never a party to a review.
	SecurityAdmin Role = "security_admin"
	// Auditor is the 安全审计员: reads, searches and exports the audit
	// trail and changes nothing.
	Auditor          Role = "auditor"
	FinanceSection   Role = "finance_section"
	ReviewCenter     Role = "review_center"
	Intermediary     Role = "intermediary"
	ConstructionUnit Role = "construction_unit"
	Contractor       Role = "contractor"
	CompetentDept    Role = "competent_dept"
	Expert           Role = "expert"
	// System is the deadline engine acting on its own.
	System Role = "system"
)

// Roles lists the roles a person can have.
func Roles() []Role {
	return []Role{Admin, SecurityAdmin, Auditor, FinanceSection, ReviewCenter, Intermediary, ConstructionUnit, Contractor, CompetentDept, Expert}
}

// Separated reports whether r is one of the three separated security
// roles (三员): 系统管理员, 安全保密管理员 and 安全审计员. A user holds one
// role only, so no one holds two of them; only the security administrator
// grants them.
func (r Role) Separated() bool { return r == Admin || r == SecurityAdmin || r == Auditor }

// Label is the Chinese name of the role.
func (r Role) Label() string {
	switch r {
	case Admin:
		return "系统管理员"
	case SecurityAdmin:
		return "安全保密管理员"
	case Auditor:
		return "安全审计员"
	case FinanceSection:
		return "财政业务科室"
	case ReviewCenter:
		return "评审中心"
	case Intermediary:
		return "中介机构"
	case ConstructionUnit:
		return "建设单位"
	case Contractor:
		return "施工单位"
	case CompetentDept:
		return "主管部门"
	case Expert:
		return "评审专家"
	case System:
		return "系统"
	}
	return string(r)
}

// ParseRole refuses unknown roles.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", errors.New("未知角色: " + s)
}

// Errors of the permission checks.
var (
	ErrUnauthenticated = errors.New("未登录或登录已过期")
	ErrForbidden       = errors.New("无权执行此操作")
	ErrBadCredentials  = errors.New("用户名或密码错误")
	ErrThrottled       = errors.New("登录失败次数过多,请稍后再试")
)

// Principal is who is acting: a signed-in user or the system.
type Principal struct {
	UserID         int64
	Username       string
	Name           string
	Role           Role
	OrgID          int64
	JurisdictionID int64
	CityGrant      bool
}

// SystemPrincipal is the deadline engine.
func SystemPrincipal() Principal {
	return Principal{Name: "系统", Role: System}
}

// FromUser builds the principal of a stored user.
func FromUser(u store.User) Principal {
	return Principal{UserID: u.ID, Username: u.Username, Name: u.DisplayName, Role: Role(u.Role),
		OrgID: u.OrgID, JurisdictionID: u.JurisdictionID, CityGrant: u.CityGrant}
}

// NameOr names the principal in the audit trail and on papers: its name,
// else its user name, else fallback.
func (p Principal) NameOr(fallback string) string { return cmp.Or(p.Name, p.Username, fallback) }

// Scope is the row-level scope of reviews and projects the principal may see.
// It is the only place scope is decided; the store turns it into SQL.
func (p Principal) Scope() store.Scope {
	switch p.Role {
	case Admin, System:
		return store.Scope{All: true}
	case FinanceSection, ReviewCenter:
		if p.CityGrant {
			return store.Scope{All: true}
		}
		return store.Scope{JurisdictionID: p.JurisdictionID}
	case Intermediary:
		return store.Scope{FirmID: orNone(p.OrgID)}
	case ConstructionUnit:
		return store.Scope{UnitID: orNone(p.OrgID)}
	case Contractor:
		return store.Scope{ContractorID: orNone(p.OrgID)}
	case CompetentDept:
		return store.Scope{DeptID: orNone(p.OrgID)}
	case Expert:
		return store.Scope{ExpertUserID: orNone(p.UserID)}
	}
	return store.Scope{None: true}
}

// AuditScope is the part of the audit trail the principal may read: all of
// it for the security auditor, who sees every action (the other two
// administrators' included), and the review scope for anyone else.
func (p Principal) AuditScope() store.Scope {
	if p.Role == Auditor {
		return store.Scope{All: true}
	}
	return p.Scope()
}

func orNone(id int64) int64 {
	if id == 0 {
		return -1
	}
	return id
}

// Can reports whether the principal may use a page or API area that is not
// a workflow trigger.
func (p Principal) Can(a Action) bool {
	for _, r := range actions[a] {
		if r == p.Role {
			return true
		}
	}
	return false
}

// Action is a permission outside the workflow.
type Action string

// Actions.
const (
	ViewReviews      Action = "view_reviews"
	CreateProject    Action = "create_project"
	CreateReview     Action = "create_review"
	ManageUsers      Action = "manage_users"
	ManageFirms      Action = "manage_firms"
	ViewFirms        Action = "view_firms"
	ManageSchedules  Action = "manage_schedules"
	ManageCalendar   Action = "manage_calendar"
	ViewAudit        Action = "view_audit"
	UseFeeCalculator Action = "use_fee_calculator"
	UploadDocuments  Action = "upload_documents"
	ViewDashboard    Action = "view_dashboard"
	// The security administrator's and the auditor's areas (三员分立).
	GrantRoles     Action = "grant_roles"
	ManagePolicy   Action = "manage_policy"
	UnlockAccounts Action = "unlock_accounts"
	ResetPasswords Action = "reset_passwords"
	ExportAudit    Action = "export_audit"
)

var actions = map[Action][]Role{
	ViewReviews:      {Admin, FinanceSection, ReviewCenter, Intermediary, ConstructionUnit, Contractor, CompetentDept, Expert},
	CreateProject:    {ConstructionUnit, CompetentDept, FinanceSection, Admin},
	CreateReview:     {ConstructionUnit, CompetentDept},
	ManageUsers:      {Admin},
	ManageFirms:      {Admin, ReviewCenter},
	ViewFirms:        {Admin, ReviewCenter, FinanceSection},
	ManageSchedules:  {Admin},
	ManageCalendar:   {Admin},
	ViewAudit:        {Auditor, ReviewCenter},
	UseFeeCalculator: {Admin, FinanceSection, ReviewCenter},
	UploadDocuments:  {ConstructionUnit, CompetentDept, Intermediary, ReviewCenter, FinanceSection, Contractor, Expert},
	ViewDashboard:    {Admin, FinanceSection, ReviewCenter},
	GrantRoles:       {SecurityAdmin},
	ManagePolicy:     {SecurityAdmin},
	UnlockAccounts:   {SecurityAdmin},
	ResetPasswords:   {SecurityAdmin},
	ExportAudit:      {Auditor},
}
