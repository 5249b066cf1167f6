package web

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/workflow"
)

// The audit log is read by people: who acted (name and role), on what, and
// what was recorded, all in Chinese. Codes, JSON and the chain's hashes
// stay in the database and the Excel export.

// auditObjectLabels names the kinds of object an event is about.
var auditObjectLabels = map[string]string{
	"archive": "档案", "assessment_period": "考核期", "backup": "备份", "calendar": "工作日历", "deadline": "期限",
	"document": "资料", "expert": "专家", "expert_draw": "专家抽取", "fee_schedule": "费率表", "firm": "中介机构",
	"import": "导入", "notice_delivery": "通知送达", "organization": "单位", "paper": "公文", "project": "项目",
	"review": "评审", "review_list": "评审任务清单", "security_policy": "安全策略", "stand_in": "代办委托",
	"user": "用户", "token": "API 令牌", "api_token": "API 令牌",
}

// auditDetailLabels names the recorded details beyond a transition's
// parameters (paramLabels).
var auditDetailLabels = map[string]string{
	"ip": "地址", "failures": "连续失败次数", "known": "用户存在", "id": "编号", "before": "变更前", "after": "变更后",
	"must_change": "须修改密码", "name": "名称", "username": "用户名", "role": "角色", "org_id": "单位", "events": "记录数",
	"action": "操作", "actor_id": "操作人", "review_id": "评审", "rows": "行数", "filter": "查询条件", "format": "格式",
	"version": "版本", "effective_from": "生效日期", "reason": "原因", "trigger": "操作", "from": "原状态", "to": "新状态", "period_from": "起始日期", "period_to": "截止日期",
	"state": "状态", "size": "大小(字节)", "category": "类别", "file": "文件", "filename": "文件名", "sha256": "校验值",
	"period_id": "考核期", "kind": "类型", "score": "得分", "expert_id": "专家", "firm": "中介机构", "project_id": "项目",
	"code": "编号", "jurisdiction_id": "区划", "purpose": "用途", "starts_on": "开始日期", "ends_on": "结束日期",
	"capacity": "在办上限", "date": "日期", "note": "备注", "total_fee": "评审费合计", "contractor_share": "施工单位承担",
	"finance_share": "财政承担", "basic_fee": "基本付费额", "reduction_fee": "核减追加付费额", "payable_now": "本次支付",
	"payable_later": "后续支付", "submitted_amount": "送审金额", "schedule": "费率表", "paper": "公文", "round": "轮次",
	"streams": "链数", "heads_sha256": "链头摘要", "mac": "校验码", "q": "关键词", "month": "月份", "count": "数量",
	"status": "状态", "title": "标题", "moved": "调整项数", "days": "天数", "active": "启用", "email": "电子邮箱",
	"phone": "电话", "type": "类型", "scope": "范围", "kept": "保留", "deleted": "删除", "city_grant": "全市权限",
}

// auditPerson names a user as people know them: 张三(评审中心).
type auditPeople struct {
	a      *App
	byID   map[int64]string
	byName map[string]string
}

func newAuditPeople(a *App) *auditPeople {
	return &auditPeople{a: a, byID: map[int64]string{}, byName: map[string]string{}}
}

func personLabel(name, role string) string {
	if l := auth.Role(role).Label(); l != "" && l != role {
		return name + "(" + l + ")"
	}
	return name
}

// actor is the acting person's name and role; the recorded name when the
// account is gone or the actor is the system.
func (ps *auditPeople) actor(ctx context.Context, id int64, recorded string) string {
	if id == 0 {
		if recorded == "" {
			return "系统"
		}
		return recorded
	}
	if l, ok := ps.byID[id]; ok {
		return l
	}
	l := recorded
	if u, err := ps.a.auth.User(ctx, id); err == nil {
		l = personLabel(u.DisplayName, u.Role)
		ps.byName[u.Username] = l
	}
	ps.byID[id] = l
	return l
}

// username is the person behind a sign-in name ("" when none exists).
func (ps *auditPeople) username(ctx context.Context, name string) string {
	if l, ok := ps.byName[name]; ok {
		return l
	}
	l := ""
	if u, err := ps.a.auth.UserByUsername(ctx, name); err == nil {
		l = personLabel(u.DisplayName, u.Role)
	}
	ps.byName[name] = l
	return l
}

// object names what an event is about: 用户 张三(评审中心), 评审 #12.
func (ps *auditPeople) object(ctx context.Context, typ, id string) string {
	if typ == "" {
		return "—"
	}
	label := auditObjectLabels[typ]
	if label == "" {
		label = "其他对象"
	}
	if typ == "user" && id != "" {
		if who := ps.username(ctx, id); who != "" {
			return label + " " + who
		}
		return label + "(未登记的用户名 " + id + ")"
	}
	if id == "" {
		return label
	}
	return label + " #" + id
}

// auditChain says where an event sits in its hash chain, in words.
func auditChain(stream string, seq int64) string {
	switch {
	case strings.HasPrefix(stream, "review:"):
		return fmt.Sprintf("评审 %s 链第 %d 条", strings.TrimPrefix(stream, "review:"), seq)
	case strings.HasPrefix(stream, "day:"):
		return fmt.Sprintf("%s 日志链第 %d 条", strings.TrimPrefix(stream, "day:"), seq)
	case stream == "anchor":
		return fmt.Sprintf("每日锚定链第 %d 条", seq)
	}
	return fmt.Sprintf("第 %d 条", seq)
}

// auditDetail turns an event's recorded JSON into labelled Chinese pairs.
func auditDetail(raw string) []eventParam {
	var m map[string]any
	if raw == "" || json.Unmarshal([]byte(raw), &m) != nil {
		if raw == "" || raw == "null" || raw == "{}" {
			return nil
		}
		return []eventParam{{"内容", raw}}
	}
	return detailPairs(m)
}

func detailPairs(m map[string]any) []eventParam {
	var out []eventParam
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := detailValue(k, m[k])
		if v == "" {
			continue
		}
		label := paramLabels[k]
		if label == "" {
			label = auditDetailLabels[k]
		}
		if label == "" {
			label = "其他"
		}
		out = append(out, eventParam{label, v})
	}
	return out
}

func detailValue(key string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "是"
		}
		return "否"
	case map[string]any:
		var parts []string
		for _, p := range detailPairs(x) {
			parts = append(parts, p.Label+":"+p.Value)
		}
		return strings.Join(parts, ";")
	case []any:
		var parts []string
		for _, e := range x {
			if s := detailValue(key, e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "、")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		switch key {
		case "role", "before", "after":
			if l := auth.Role(x).Label(); l != "" && l != x {
				return l
			}
		case "kind":
			return kindLabel(x)
		case "state", "from", "to":
			if l := workflow.State(x).Label(); l != "" {
				return l
			}
		case "trigger", "action":
			return auditActionLabel(x)
		case "fault_party":
			if l := map[string]string{"unit": "建设单位", "firm": "中介机构", "contractor": "施工单位"}[x]; l != "" {
				return l
			}
		}
		if strings.HasSuffix(key, "amount") || strings.HasSuffix(key, "fee") || strings.HasSuffix(key, "share") ||
			strings.HasPrefix(key, "payable") {
			if d, err := decimal.NewFromString(x); err == nil {
				return FormatMoney(d) + " 元"
			}
		}
		return x
	}
	return fmt.Sprint(v)
}
