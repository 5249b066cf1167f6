package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

type navItem struct {
	Label, Href string
	Active      bool
}

type navGroup struct {
	Title string
	Items []navItem
}

type crumb struct{ Label, Href string }

type banner struct{ Kind, Text string }

type pageUser struct {
	Name, Username, RoleLabel, JurisdictionName string
	Role                                        auth.Role
}

// nav is the left navigation by role.
func nav(p auth.Principal, path string) []navGroup {
	item := func(label, href string) navItem {
		return navItem{Label: label, Href: href, Active: path == href || (href != "/" && len(path) > len(href) && path[:len(href)+1] == href+"/")}
	}
	groups := []navGroup{{Title: "工作台", Items: []navItem{item("我的待办", "/"), item("评审任务", "/reviews")}}}
	switch p.Role {
	case auth.ConstructionUnit, auth.CompetentDept:
		groups[0].Items = append(groups[0].Items, item("我的项目", "/projects"))
	case auth.FinanceSection, auth.ReviewCenter, auth.Admin:
		groups = append(groups, navGroup{Title: "业务管理", Items: []navItem{
			item("项目库", "/projects"), item("统计分析", "/dashboard"), item("评审月报", "/bulletin"), item("费用测算", "/fees/calculator"),
			item("施工单位扣减", "/fees/deductions"),
		}})
		groups = append(groups, navGroup{Title: "机构与专家", Items: []navItem{item("中介机构库", "/firms"), item("评审专家库", "/experts")}})
		if p.Role != auth.Admin {
			groups[1].Items = append(groups[1].Items, item("数据导入", "/imports"))
		}
	}
	if p.Role == auth.FinanceSection {
		groups[0].Items = append(groups[0].Items, item("档案到期处置", "/archives/disposal"))
	}
	var audit []navItem
	if p.Can(auth.ViewAudit) {
		audit = append(audit, item("审计日志", "/audit"))
	}
	if mayListOverdue(p) {
		audit = append(audit, item("逾期清单", "/overdue"))
	}
	if len(audit) > 0 {
		groups = append(groups, navGroup{Title: "审计", Items: audit})
	}
	if p.Role == auth.SecurityAdmin {
		groups = append(groups, navGroup{Title: "安全管理", Items: []navItem{item("账户与授权", "/security/users"), item("安全策略", "/security/policy")}})
	}
	if p.Role == auth.Admin {
		groups = append(groups, navGroup{Title: "系统管理", Items: []navItem{
			item("用户管理", "/admin/users"), item("组织机构", "/admin/organizations"), item("费率表", "/fees/schedules"),
			item("工作日历", "/admin/calendar"), item("备份与恢复", "/admin/backups"), item("外部通知", "/admin/notices"),
		}})
	}
	groups = append(groups, navGroup{Title: "个人", Items: []navItem{item("消息通知", "/notifications"), item("通知设置", "/profile"),
		item("代办委托", "/stand-ins"), item("修改密码", "/account/password"), item("API 令牌", "/account/tokens")}})
	return groups
}

// page assembles the data every page template gets; data holds the
// page's own fields.
func (a *App) page(c *fiber.Ctx, title string, data map[string]any) map[string]any {
	// Every page says where it is; pages deeper than a menu item pass
	// their own trail.
	out := map[string]any{"Title": title, "Breadcrumb": []crumb{{Label: title}}}
	for k, v := range data {
		out[k] = v
	}
	if sess, ok := c.Locals("session").(auth.Session); ok {
		out["CSRF"] = sess.CSRFToken
		if !sess.PrevLoginAt.IsZero() {
			out["LastLogin"] = struct {
				At time.Time
				IP string
			}{sess.PrevLoginAt, sess.PrevLoginIP}
		}
	}
	if p, ok := principal(c); ok {
		u := &pageUser{Name: p.Name, Username: p.Username, Role: p.Role, RoleLabel: p.Role.Label()}
		if name, err := a.auth.JurisdictionName(c.UserContext(), p.JurisdictionID); err == nil {
			u.JurisdictionName = name
		}
		out["User"] = u
		out["Nav"] = nav(p, c.Path())
		if n, err := a.svc.Reviews.UnreadNotifications(c.UserContext(), p); err == nil {
			out["Unread"] = n
		}
		if a.svc.Banners != nil {
			var bs []banner
			for _, b := range a.svc.Banners(c.UserContext(), p) {
				bs = append(bs, banner{Kind: "warn", Text: b})
			}
			out["Banners"] = bs
		}
	}
	if f := c.Query("msg"); f != "" && flashSigned(c, f, c.Query(flashSigParam)) {
		out["Flash"] = f
	}
	return out
}
