package web

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/report"
	"finreview/workflow"
)

// auditExport is the security auditor's Excel export of the audit trail
// (with the page's filters) and of the last AuditKeepDays of sign-ins; the
// export itself is recorded in the trail.
func (a *App) auditExport(c *fiber.Ctx) error {
	p, err := require(c, auth.ExportAudit)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	form := newForm()
	f := a.auditFilter(c, form)
	if err := form.err(); err != nil {
		return err
	}
	if err := a.exports.enter(ctx, exportWait); err != nil {
		return err
	}
	defer a.exports.leave()
	var buf bytes.Buffer
	u, _ := c.Locals("user").(auth.User)
	if _, err := a.svc.Reports.ExportAudit(ctx, p, u, f, auditActionLabel, &paced{w: &buf}); err != nil {
		return err
	}
	now := a.now()
	name := "审计日志-" + now.In(shanghai).Format("20060102-1504") + ".xlsx"
	return sendWorkbook(c, "audit.xlsx", name, buf.Bytes())
}

// auditFilter reads the audit log's filters (the page's and its export's)
// from the query; bad values are reported in form, next to their field.
func (a *App) auditFilter(c *fiber.Ctx, form *formState) report.AuditEventsFilter {
	for _, k := range []string{"review", "actor", "action", "from", "to"} {
		form.Values[k] = strings.TrimSpace(c.Query(k))
	}
	f := report.AuditEventsFilter{Action: form.Values["action"]}
	if v := form.Values["review"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			form.fail("review", "评审编号须为正整数")
		}
		f.ReviewID = id
	}
	if v := form.Values["actor"]; v != "" {
		u, err := a.auth.UserByUsername(c.UserContext(), v)
		if err != nil {
			form.fail("actor", "没有用户名为 "+v+" 的用户")
		}
		f.ActorID = u.ID
	}
	f.From, f.To = form.period()
	return f
}

// auditActionLabel names an audit action in Chinese: a workflow trigger's
// label, or one of the other recorded actions.
func auditActionLabel(action string) string {
	if l := workflow.Trigger(action).Label(); l != "" {
		return l
	}
	switch action {
	case "login":
		return "登录"
	case "account_locked":
		return "账户锁定"
	case "api_token":
		return "签发 API 令牌"
	case "create_user":
		return "新建用户"
	case "audit_export":
		return "导出审计日志"
	case "login_failed":
		return "登录失败"
	case "access_denied":
		return "越权访问被拒绝"
	case "password_change":
		return "修改密码"
	case "password_reset":
		return "重置密码"
	case "set_security_policy":
		return "修改安全策略"
	case "revoke_token":
		return "撤销 API 令牌"
	case "grant_role":
		return "授予角色"
	case "unlock_account":
		return "解锁账户"
	case "deactivate_user":
		return "停用用户"
	case "activate_user":
		return "启用用户"
	case "create_organization":
		return "登记单位"
	case "create_project":
		return "登记项目"
	case "create_review":
		return "新建评审"
	case "delegate_override":
		return "人工指定中介机构"
	case "anchor":
		return "每日锚定"
	case "download", "document_download":
		return "下载资料"
	case "view_conclusion":
		return "查看评审结论"
	case "paper_view":
		return "查看/打印公文"
	}
	return action
}

type auditRow struct {
	report.AuditEvent
	ActionLabel, Actor, Object, Chain string
	Details                           []eventParam
}

func (a *App) auditLog(c *fiber.Ctx) error {
	p, err := require(c, auth.ViewAudit)
	if err != nil {
		return err
	}
	return a.renderAudit(c, p, nil)
}

func (a *App) auditVerify(c *fiber.Ctx) error {
	p, err := require(c, auth.ViewAudit)
	if err != nil {
		return err
	}
	res, err := a.svc.Reports.VerifyAudit(c.UserContext())
	if err != nil {
		return err
	}
	return a.renderAudit(c, p, &res)
}

func (a *App) renderAudit(c *fiber.Ctx, p auth.Principal, verified *audit.Result) error {
	ctx := c.UserContext()
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	form := newForm()
	f := a.auditFilter(c, form)
	f.Limit, f.Offset, f.CountTo = pg.Size, pg.Offset(), listCountTo(pg.Offset())
	var rows []auditRow
	total := 0
	if form.ok() {
		events, n, err := a.svc.Reports.AuditEvents(ctx, p, f)
		if err != nil {
			return err
		}
		total = n
		people := newAuditPeople(a)
		for _, e := range events {
			rows = append(rows, auditRow{AuditEvent: e, ActionLabel: auditActionLabel(e.Action),
				Actor: people.actor(ctx, e.ActorID, e.ActorName), Object: people.object(ctx, e.ObjectType, e.ObjectID),
				Chain: auditChain(e.Stream, e.Seq), Details: a.nameParams(ctx, auditDetail(e.Detail))})
		}
	}
	type opt struct{ Code, Label string }
	var actions []opt
	for _, code := range []string{"login", "login_failed", "account_locked", "unlock_account", "password_change", "password_reset",
		"grant_role", "set_security_policy", "access_denied", "audit_export", "revoke_token", "create_user", "deactivate_user", "activate_user", "create_organization",
		"create_project", "create_review", "delegate", "delegate_override", "anchor"} {
		actions = append(actions, opt{code, auditActionLabel(code)})
	}
	for _, t := range workflow.Triggers() {
		if t != workflow.Delegate {
			actions = append(actions, opt{string(t), t.Label()})
		}
	}
	status := 200
	if !form.ok() {
		status = 422
	}
	pager := pg.Pager(c, total)
	pager.AtLeast = total >= f.CountTo
	return a.views.render(c, status, "audit", a.page(c, "审计日志", map[string]any{
		"CanExport":  p.Can(auth.ExportAudit),
		"Breadcrumb": []crumb{{Label: "审计"}, {Label: "审计日志"}},
		"Events":     rows, "Offset": pg.Offset(), "Pager": pager, "Form": form, "Actions": actions, "Verified": verified,
	}))
}
