// Package demo loads the demo city: eight jurisdictions, the bureau, the
// Review Center, units, contractors, five firms, experts, users for every
// role and projects named after real kinds of civil-affairs buildings.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/store"
)

// Password of every demo login (API.md).
const Password = "Demo@2026"

// ErrNotDemo refuses to seed a database that holds real data.
var ErrNotDemo = errors.New("数据库中已有非演示数据,拒绝载入演示数据")

// Login is one demo account, for printing.
type Login struct{ Username, Role, Org string }

// Jurisdictions of the city, 市本级 first.
var jurisdictions = []store.Jurisdiction{
	{Code: "150800", Name: "市本级", IsCity: true},
	{Code: "150802", Name: "临河区"},
	{Code: "150821", Name: "五原县"},
	{Code: "150822", Name: "磴口县"},
	{Code: "150823", Name: "乌拉特前旗"},
	{Code: "150824", Name: "乌拉特中旗"},
	{Code: "150825", Name: "乌拉特后旗"},
	{Code: "150826", Name: "杭锦后旗"},
}

// Firms in order of admission; zhongjieN logs in for the Nth.
var firms = []struct {
	Name  string
	Score string
}{
	{"内蒙古正信工程造价咨询有限公司", "92.50"},
	{"巴彦淖尔市恒信工程咨询有限公司", "90.00"},
	{"内蒙古华审工程项目管理有限公司", "88.00"},
	{"河套天平工程造价事务所有限公司", "85.50"},
	{"内蒙古诚达建设工程咨询有限公司", "82.00"},
}

// firmStaff names the demo login of each firm.
var firmStaff = []string{"杨帆", "何静", "罗斌", "许婷", "宋涛"}

// AllKinds are the review kinds every demo firm is qualified for.
var AllKinds = []string{"estimate", "budget", "settlement", "change", "final_accounts", "procurement_final", "tracking", "special_check"}

// Seeded tells what Load found or made.
type Seeded struct {
	AlreadyLoaded bool
	Logins        []Login
	Units         map[string]int64
	Projects      map[string]int64
}

// Load creates the demo city unless it is there already; it refuses a
// database with non-demo users.
func Load(ctx context.Context, s *store.Store) (Seeded, error) {
	out := Seeded{Units: map[string]int64{}, Projects: map[string]int64{}}
	n, err := s.CountNonDemoUsers(ctx)
	if err != nil {
		return out, err
	}
	if n > 0 {
		return out, ErrNotDemo
	}
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return out, err
	}
	if admin, err := s.UserByUsername(ctx, "admin"); err == nil {
		out.AlreadyLoaded = true
		out.Logins = logins()
		// A demo city seeded before the three separated roles (三员)
		// gets their logins now, once.
		return out, s.InTx(ctx, func(q *store.Queries) error { return separatedLogins(ctx, q, hash, admin) })
	}
	err = s.InTx(ctx, func(q *store.Queries) error {
		return load(ctx, q, hash, &out)
	})
	out.Logins = logins()
	return out, err
}

func logins() []Login {
	ls := []Login{
		{"admin", auth.Admin.Label(), "巴彦淖尔市财政局"},
		{"anquan", auth.SecurityAdmin.Label(), "巴彦淖尔市财政局"},
		{"shenji", auth.Auditor.Label(), "巴彦淖尔市财政局"},
		{"caizheng", auth.FinanceSection.Label(), "巴彦淖尔市财政局经济建设科"},
		{"pingshen", auth.ReviewCenter.Label(), "巴彦淖尔市财政投资评审中心"},
		{"jianshe", auth.ConstructionUnit.Label(), "临河区民政局"},
		{"jianshe2", auth.ConstructionUnit.Label(), "五原县民政局"},
		{"shigong", auth.Contractor.Label(), "内蒙古河套建设工程有限公司"},
		{"zhuanjia", auth.Expert.Label(), "评审专家库"},
		{"zhuguan", auth.CompetentDept.Label(), "巴彦淖尔市民政局"},
	}
	for i, f := range firms {
		ls = append(ls, Login{fmt.Sprintf("zhongjie%d", i+1), auth.Intermediary.Label(), f.Name})
	}
	return ls
}

func load(ctx context.Context, q *store.Queries, hash string, out *Seeded) error {
	jid := map[string]int64{}
	for i, j := range jurisdictions {
		id, err := q.InsertJurisdiction(ctx, j, i)
		if err != nil {
			return fmt.Errorf("jurisdiction %s: %w", j.Name, err)
		}
		jid[j.Name] = id
	}
	city, linhe := jid["市本级"], jid["临河区"]
	// org and user insert one row each; after a failed insert they insert
	// nothing more, and err keeps the first error.
	var err error
	org := func(kind, name string, j int64, contact string) int64 {
		var id int64
		if err == nil {
			id, err = q.InsertOrganization(ctx, store.Organization{Kind: kind, Name: name, JurisdictionID: j,
				ContactPerson: contact, ContactPhone: "0478-8" + fmt.Sprintf("%06d", len(name)*7919%1000000)})
		}
		return id
	}
	user := func(username, name string, role auth.Role, orgID, j int64, cityGrant bool) int64 {
		var id int64
		if err == nil {
			id, err = q.InsertUser(ctx, store.User{Username: username, DisplayName: name, PasswordHash: hash, Role: string(role),
				OrgID: orgID, JurisdictionID: j, CityGrant: cityGrant, Active: true, Demo: true})
		}
		return id
	}

	bureau := org(store.OrgAdmin, "巴彦淖尔市财政局", city, "王建国")
	section := org(store.OrgFinanceSection, "巴彦淖尔市财政局经济建设科", city, "李红梅")
	center := org(store.OrgReviewCenter, "巴彦淖尔市财政投资评审中心", city, "张志强")
	dept := org(store.OrgCompetentDept, "巴彦淖尔市民政局", city, "赵丽")
	if err != nil {
		return err
	}
	// The civil-affairs units sit under the city's civil-affairs bureau,
	// their competent department; the housing bureau does not.
	units := []struct {
		name, juris, contact string
		underDept            bool
	}{
		{"临河区民政局", "临河区", "刘海军", true},
		{"临河区住房和城乡建设局", "临河区", "孙伟", false},
		{"五原县民政局", "五原县", "周敏", true},
		{"杭锦后旗民政局", "杭锦后旗", "吴刚", true},
		{"巴彦淖尔市社会福利院", "市本级", "郑芳", true},
	}
	for _, u := range units {
		o := store.Organization{Kind: store.OrgUnit, Name: u.name, JurisdictionID: jid[u.juris], ContactPerson: u.contact,
			ContactPhone: "0478-8" + fmt.Sprintf("%06d", len(u.name)*7919%1000000)}
		if u.underDept {
			o.ParentID = dept
		}
		id, err := q.InsertOrganization(ctx, o)
		if err != nil {
			return err
		}
		out.Units[u.name] = id
	}
	contractor := org(store.OrgContractor, "内蒙古河套建设工程有限公司", linhe, "陈立新")
	contractor2 := org(store.OrgContractor, "巴彦淖尔市城建集团有限公司", city, "马骏")
	adminID := user("admin", "系统管理员", auth.Admin, bureau, city, true)
	if err != nil {
		return err
	}
	if err := separatedLogins(ctx, q, hash, store.User{ID: adminID, OrgID: bureau, JurisdictionID: city}); err != nil {
		return err
	}
	user("caizheng", "李红梅", auth.FinanceSection, section, city, true)
	user("pingshen", "张志强", auth.ReviewCenter, center, city, true)
	user("jianshe", "刘海军", auth.ConstructionUnit, out.Units["临河区民政局"], linhe, false)
	user("jianshe2", "周敏", auth.ConstructionUnit, out.Units["五原县民政局"], jid["五原县"], false)
	user("shigong", "陈立新", auth.Contractor, contractor, linhe, false)
	user("zhuguan", "赵丽", auth.CompetentDept, dept, city, false)
	expertUser := user("zhuanjia", "高振华", auth.Expert, 0, city, false)
	if err != nil {
		return err
	}

	base := time.Date(2018, 4, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for i, f := range firms {
		id := org(store.OrgFirm, f.Name, city, "")
		if err != nil {
			return err
		}
		all := make([]int64, 0, len(jid))
		for _, j := range jurisdictions {
			all = append(all, jid[j.Name])
		}
		if err := q.InsertFirm(ctx, store.Firm{OrgID: id, Qualification: "工程造价咨询甲级", Status: "active",
			Capacity: 30, Score: decimal.RequireFromString(f.Score), AdmittedAt: base.AddDate(0, i, 0),
			Kinds: AllKinds, Jurisdictions: all}); err != nil {
			return err
		}
		user(fmt.Sprintf("zhongjie%d", i+1), firmStaff[i], auth.Intermediary, id, city, false)
		if err != nil {
			return err
		}
	}
	experts := []store.Expert{
		{Name: "高振华", Specialty: "土建工程", Title: "正高级工程师", Employer: "内蒙古工业大学", UserID: expertUser, Active: true},
		{Name: "韩雪", Specialty: "安装工程", Title: "高级工程师", Employer: "巴彦淖尔市建筑设计院", Active: true},
		{Name: "曹磊", Specialty: "市政工程", Title: "高级工程师", Employer: "内蒙古河套学院", Active: true},
		{Name: "冯静", Specialty: "工程造价", Title: "注册造价工程师", Employer: "巴彦淖尔市建设工程造价管理站", Active: true},
		{Name: "贾明", Specialty: "土建工程", Title: "高级工程师", Employer: "巴彦淖尔市建筑工程质量监督站", Active: true},
		{Name: "邓华", Specialty: "工程造价", Title: "注册造价工程师", Employer: "内蒙古财经大学", Active: true},
	}
	for _, e := range experts {
		if _, err := q.InsertExpert(ctx, e); err != nil {
			return err
		}
	}

	projects := []struct {
		code, name, unit, fund, cat, estimate string
		contractors                           []int64
	}{
		{"LH-2026-001", "临河区社区综合服务设施建设项目", "临河区民政局", "general_budget", "capital", "8650000.00", []int64{contractor}},
		{"LH-2026-002", "临河区养老服务中心建设项目", "临河区民政局", "special_bond", "capital", "12800000.00", []int64{contractor}},
		{"LH-2026-003", "临河区殡仪馆改扩建工程", "临河区民政局", "government_fund", "renovation", "4360000.00", []int64{contractor}},
		{"LH-2026-004", "临河区儿童福利院维修改造工程", "临河区民政局", "general_budget", "renovation", "1980000.00", []int64{contractor}},
		{"LH-2026-005", "临河区街道社区养老服务站装修工程", "临河区民政局", "special_fund", "decoration", "960000.00", []int64{contractor}},
		{"LH-2026-006", "临河区未成年人救助保护中心建设项目", "临河区民政局", "general_budget", "capital", "6200000.00", []int64{contractor}},
		{"LH-2026-007", "临河区农村互助幸福院改造项目", "临河区民政局", "special_fund", "renovation", "2750000.00", []int64{contractor}},
		{"LH-2026-008", "临河区婚姻登记服务中心装修工程", "临河区民政局", "general_budget", "decoration", "880000.00", []int64{contractor}},
		{"LH-2026-009", "临河区公益性公墓建设项目", "临河区民政局", "government_fund", "capital", "5400000.00", []int64{contractor}},
		{"LH-2026-010", "临河区残疾人康复托养中心建设项目", "临河区民政局", "special_bond", "capital", "9300000.00", []int64{contractor}},
		{"LH-2026-011", "临河区社会福利院消防改造工程", "临河区民政局", "general_budget", "renovation", "1450000.00", []int64{contractor}},
		{"LH-2026-012", "临河区敬老院供暖管网改造工程", "临河区民政局", "other", "renovation", "720000.00", []int64{contractor}},
		{"WY-2026-001", "五原县区域性养老服务中心建设项目", "五原县民政局", "special_bond", "capital", "15600000.00", []int64{contractor2}},
		{"SB-2026-001", "巴彦淖尔市社会福利院综合楼维修改造工程", "巴彦淖尔市社会福利院", "general_budget", "renovation", "3850000.00", []int64{contractor2}},
	}
	for _, p := range projects {
		uid := out.Units[p.unit]
		u, err := q.Organization(ctx, uid)
		if err != nil {
			return err
		}
		est := decimal.RequireFromString(p.estimate)
		id, err := q.InsertProject(ctx, store.Project{Code: p.code, Name: p.name, JurisdictionID: u.JurisdictionID, UnitOrgID: uid,
			DeptOrgID: dept, FundingSource: p.fund, Category: p.cat, ApprovedEstimate: est,
			KeyProject: est.GreaterThanOrEqual(decimal.NewFromInt(5000000))}, p.contractors)
		if err != nil {
			return err
		}
		out.Projects[p.code] = id
	}
	// A declared relation, so the rotation shows a skip in the demo.
	firm4, err := q.OrganizationByName(ctx, firms[3].Name)
	if err != nil {
		return err
	}
	return q.InsertConflict(ctx, firm4.ID, out.Units["五原县民政局"], "该机构为五原县民政局常年法律与财务顾问单位")
}

// separatedLogins adds the security administrator and the security auditor
// (三员分立) beside admin, in admin's bureau, unless they are there.
func separatedLogins(ctx context.Context, q *store.Queries, hash string, admin store.User) error {
	for _, u := range []struct {
		username, name string
		role           auth.Role
	}{{"anquan", "安全保密管理员", auth.SecurityAdmin}, {"shenji", "安全审计员", auth.Auditor}} {
		if _, err := q.UserByUsername(ctx, u.username); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := q.InsertUser(ctx, store.User{Username: u.username, DisplayName: u.name, PasswordHash: hash,
			Role: string(u.role), OrgID: admin.OrgID, JurisdictionID: admin.JurisdictionID, Active: true, Demo: true}); err != nil {
			return err
		}
	}
	return nil
}
