package web

import (
	"github.com/gofiber/fiber/v2"
)

// apiOpenAPI serves the hand-written OpenAPI 3 document of /api/v1.
func (a *App) apiOpenAPI(c *fiber.Ctx) error {
	return c.JSON(openAPIDocument())
}

// openAPIDocument describes every /api/v1 route.
func openAPIDocument() fiber.Map {
	ref := func(name string) fiber.Map { return fiber.Map{"$ref": "#/components/schemas/" + name} }
	jsonBody := func(schema fiber.Map) fiber.Map {
		return fiber.Map{"required": true, "content": fiber.Map{"application/json": fiber.Map{"schema": schema}}}
	}
	resp := func(desc string, schema fiber.Map) fiber.Map {
		r := fiber.Map{"description": desc}
		if schema != nil {
			r["content"] = fiber.Map{"application/json": fiber.Map{"schema": schema}}
		}
		return r
	}
	errResp := func(desc string) fiber.Map { return resp(desc, ref("Error")) }
	std := func(ok string, okSchema fiber.Map, extra ...string) fiber.Map {
		m := fiber.Map{ok: resp("成功", okSchema), "401": errResp("未登录"), "403": errResp("无权执行")}
		for _, code := range extra {
			switch code {
			case "404":
				m[code] = errResp("记录不存在或无权查看")
			case "409":
				m[code] = errResp("当前状态不能执行,或版本已过期(permitted_triggers 列出可执行的操作)")
			case "415":
				m[code] = errResp("文件类型不允许")
			case "422":
				m[code] = errResp("参数无效(field 指出字段)")
			}
		}
		return m
	}
	idParam := []fiber.Map{{"name": "id", "in": "path", "required": true, "schema": fiber.Map{"type": "string"}}}
	q := func(name, desc string) fiber.Map {
		return fiber.Map{"name": name, "in": "query", "required": false, "description": desc, "schema": fiber.Map{"type": "string"}}
	}
	str := fiber.Map{"type": "string"}
	money := fiber.Map{"type": "string", "pattern": `^-?[0-9]+\.[0-9]{2}$`, "description": "金额(元),两位小数的字符串"}
	nullable := func(m fiber.Map) fiber.Map {
		out := fiber.Map{"nullable": true}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	list := func(item fiber.Map) fiber.Map {
		return fiber.Map{"type": "object", "properties": fiber.Map{"items": fiber.Map{"type": "array", "items": item}, "total": fiber.Map{"type": "integer"}}}
	}
	obj := func(props fiber.Map, required ...string) fiber.Map {
		m := fiber.Map{"type": "object", "properties": props}
		if len(required) > 0 {
			m["required"] = required
		}
		return m
	}
	paths := fiber.Map{
		"/tokens": fiber.Map{"post": fiber.Map{"summary": "登录并获取 API 令牌", "security": []any{},
			"requestBody": jsonBody(obj(fiber.Map{"username": str, "password": str}, "username", "password")),
			"responses": fiber.Map{"201": resp("令牌", obj(fiber.Map{"token": str})), "401": errResp("用户名或密码错误"),
				"429": errResp("失败次数过多")}}},
		"/me": fiber.Map{"get": fiber.Map{"summary": "当前用户", "responses": std("200", obj(fiber.Map{"id": fiber.Map{}, "username": str, "role": str}))},
			"put": fiber.Map{"summary": "修改本人联系方式(中国大陆手机号、电子邮箱;省略的字段不变,空字符串为清除)",
				"requestBody": jsonBody(obj(fiber.Map{"phone": str, "email": str})),
				"responses":   std("200", obj(fiber.Map{"phone": str, "email": str}), "422")}},
		"/me/password": fiber.Map{"put": fiber.Map{
			"summary":     "修改本人密码(须符合密码策略);须修改密码的用户(新账户、重置后、密码过期)在此之前调用其他接口均返回 403 password_change_required",
			"requestBody": jsonBody(obj(fiber.Map{"current": str, "password": str}, "current", "password")),
			"responses": fiber.Map{"204": fiber.Map{"description": "已修改"}, "401": errResp("未登录"),
				"422": errResp("当前密码不正确,或新密码不符合策略(field 指明字段)")}}},
		"/projects": fiber.Map{
			"post": fiber.Map{"summary": "登记项目", "requestBody": jsonBody(ref("ProjectInput")),
				"responses": std("201", ref("Project"), "422")},
			"get": fiber.Map{"summary": "项目列表(仅可见范围)", "parameters": []fiber.Map{q("q", "名称或编号"), q("page", ""), q("per_page", "")},
				"responses": std("200", list(ref("Project")))},
		},
		"/reviews": fiber.Map{
			"post": fiber.Map{"summary": "新建评审(草稿)", "requestBody": jsonBody(obj(fiber.Map{
				"project_id": fiber.Map{"oneOf": []fiber.Map{str, {"type": "integer"}}}, "kind": ref("Kind"), "submitted_amount": money},
				"project_id", "kind", "submitted_amount")),
				"responses": std("201", ref("Review"), "422")},
			"get": fiber.Map{"summary": "评审列表(仅可见范围)", "parameters": []fiber.Map{
				q("state", "状态代码,可逗号分隔多个"), q("kind", "评审类型"), q("q", "项目名称或编号"), q("jurisdiction", "区划名称、代码或编号"),
				q("firm_id", "中介机构编号"), q("from", "创建日期起 YYYY-MM-DD"), q("to", "创建日期止 YYYY-MM-DD"), q("page", "页码"), q("per_page", "每页条数(≤200)")},
				"responses": std("200", list(ref("ReviewSummary")), "422")},
		},
		"/reviews/{id}": fiber.Map{"get": fiber.Map{"summary": "评审详情", "parameters": idParam, "responses": std("200", ref("Review"), "404")}},
		"/reviews/{id}/transitions": fiber.Map{"post": fiber.Map{"summary": "执行流程操作", "parameters": idParam,
			"requestBody": jsonBody(ref("TransitionInput")), "responses": std("200", ref("Review"), "404", "409", "422")}},
		"/reviews/{id}/events": fiber.Map{"get": fiber.Map{"summary": "评审时间线", "parameters": idParam,
			"responses": std("200", fiber.Map{"type": "array", "items": ref("Event")}, "404")}},
		"/reviews/{id}/nudge": fiber.Map{"post": fiber.Map{"summary": "催办:提醒当前办理人(评审中心、财政业务科室;每小时至多一次)", "parameters": idParam,
			"requestBody": fiber.Map{"content": fiber.Map{"application/json": fiber.Map{"schema": obj(fiber.Map{"message": str})}}},
			"responses":   std("200", obj(fiber.Map{"notified": fiber.Map{"type": "integer"}}), "403", "404", "409")}},
		"/reviews/{id}/documents": fiber.Map{
			"post": fiber.Map{"summary": "上传资料", "parameters": idParam, "requestBody": fiber.Map{"required": true, "content": fiber.Map{
				"multipart/form-data": fiber.Map{"schema": obj(fiber.Map{"category": str, "signed_sealed": fiber.Map{"type": "string", "enum": []string{"true", "false"}},
					"file": fiber.Map{"type": "string", "format": "binary"}}, "category", "file")}}},
				"responses": std("201", obj(fiber.Map{"id": str, "sha256": str, "size": fiber.Map{"type": "integer"}}), "404", "415", "422")},
			"get": fiber.Map{"summary": "资料列表", "parameters": idParam, "responses": std("200", list(fiber.Map{"type": "object"}), "404")},
		},
		"/documents/{id}/content": fiber.Map{"get": fiber.Map{"summary": "下载资料(记录访问)", "parameters": idParam,
			"responses": fiber.Map{"200": fiber.Map{"description": "文件内容"}, "401": errResp("未登录"), "404": errResp("记录不存在或无权查看")}}},
		"/firms": fiber.Map{"get": fiber.Map{"summary": "中介机构(按得分排序)与下一家轮到的机构", "parameters": []fiber.Map{q("jurisdiction", ""), q("kind", "")},
			"responses": std("200", obj(fiber.Map{"items": fiber.Map{"type": "array", "items": obj(fiber.Map{"id": str, "name": str, "score": str,
				"status": str, "open_reviews": fiber.Map{"type": "integer"}, "capacity": fiber.Map{"type": "integer"}})}, "next_firm_id": nullable(str)}))}},
		"/audit/verify": fiber.Map{"get": fiber.Map{"summary": "校验审计哈希链(管理员、评审中心)",
			"responses": std("200", obj(fiber.Map{"ok": fiber.Map{"type": "boolean"}, "events": fiber.Map{"type": "integer"}, "broken": str}))}},
		"/openapi.json": fiber.Map{"get": fiber.Map{"summary": "本文档", "responses": fiber.Map{"200": fiber.Map{"description": "OpenAPI 3 文档"}}}},

		"/reviews/{id}/papers": fiber.Map{"get": fiber.Map{"summary": "评审的公文(含已作废)", "parameters": idParam,
			"responses": std("200", list(ref("Paper")), "404")}},
		"/documents/{id}": fiber.Map{"get": fiber.Map{"summary": "资料信息", "parameters": idParam, "responses": std("200", ref("Document"), "404")}},
		"/documents/{id}/versions": fiber.Map{"get": fiber.Map{"summary": "资料的历史版本", "parameters": idParam,
			"responses": std("200", list(ref("Document")), "404")}},
		"/documents/{id}/access": fiber.Map{"get": fiber.Map{"summary": "资料访问记录", "parameters": idParam,
			"responses": std("200", list(obj(fiber.Map{"user_id": str, "user": str, "action": str, "at": fiber.Map{"type": "string", "format": "date-time"}})), "404")}},
		"/papers": fiber.Map{"get": fiber.Map{"summary": "按文号查询公文", "parameters": []fiber.Map{q("q", "文号"), q("kind", "公文类型"), q("page", ""), q("per_page", "")},
			"responses": std("200", list(ref("Paper")))}},
		"/papers/{id}/void": fiber.Map{"post": fiber.Map{"summary": "作废公文(文号不重用)", "parameters": idParam,
			"requestBody": jsonBody(obj(fiber.Map{"reason": str}, "reason")), "responses": std("200", ref("Paper"), "404", "409", "422")}},

		"/reviews/{id}/draws": fiber.Map{
			"post": fiber.Map{"summary": "随机抽取评审专家(记录种子,可复验)", "parameters": idParam,
				"requestBody": jsonBody(obj(fiber.Map{"purpose": fiber.Map{"type": "string", "enum": []string{"dispute", "sample"}}, "specialty": str,
					"main": fiber.Map{"type": "integer", "default": 3}, "reserve": fiber.Map{"type": "integer", "default": 2}}, "specialty")),
				"responses": std("201", ref("Draw"), "404", "409", "422")},
			"get": fiber.Map{"summary": "评审的专家抽取记录", "parameters": idParam, "responses": std("200", fiber.Map{"type": "array", "items": ref("Draw")}, "404")},
		},
		"/draws/{id}": fiber.Map{"get": fiber.Map{"summary": "抽取记录", "parameters": idParam, "responses": std("200", ref("Draw"), "404")}},
		"/draws/{id}/verify": fiber.Map{"get": fiber.Map{"summary": "以记录的种子复验抽取结果", "parameters": idParam,
			"responses": std("200", obj(fiber.Map{"ok": fiber.Map{"type": "boolean"}, "seed": str}), "404")}},
		"/reviews/{id}/experts/{eid}/score": fiber.Map{"post": fiber.Map{"summary": "评审中心为抽取的专家打分",
			"parameters":  append(append([]fiber.Map{}, idParam...), fiber.Map{"name": "eid", "in": "path", "required": true, "schema": str}),
			"requestBody": jsonBody(obj(fiber.Map{"score": str, "comment": str}, "score")),
			"responses":   std("201", obj(fiber.Map{"review_id": str, "expert_id": str, "expert_name": str, "score": str, "comment": str}), "404", "409", "422")}},

		"/fees/calculate": fiber.Map{"post": fiber.Map{"summary": "评审费用试算(FEES.md)",
			"requestBody": jsonBody(obj(fiber.Map{"kind": ref("Kind"), "outcome": str, "submitted": money, "audited": money,
				"date": fiber.Map{"type": "string", "format": "date", "description": "按该日生效的收费标准,默认今天"}}, "kind", "submitted")),
			"responses": std("200", ref("FeeResult"), "422")}},
		"/fee-schedules": fiber.Map{
			"get": fiber.Map{"summary": "收费标准版本", "responses": std("200", list(ref("FeeSchedule")))},
			"post": fiber.Map{"summary": "新增收费标准版本", "requestBody": jsonBody(fiber.Map{"type": "object", "description": "收费标准(分档费率、分担比例、生效日期)"}),
				"responses": std("201", ref("FeeSchedule"), "409", "422")},
		},
		"/fee-schedules/{id}": fiber.Map{"put": fiber.Map{"summary": "修改未使用的收费标准版本(已用于结算的不可修改)", "parameters": idParam,
			"requestBody": jsonBody(fiber.Map{"type": "object"}), "responses": std("200", ref("FeeSchedule"), "404", "409", "422")}},
		"/reviews/{id}/fee-statement": fiber.Map{"get": fiber.Map{"summary": "评审费用结算单", "parameters": idParam,
			"responses": std("200", ref("FeeResult"), "404")}},

		"/firms/{id}": fiber.Map{"get": fiber.Map{"summary": "中介机构详情(状态历史、利害关系、考核)", "parameters": idParam,
			"responses": std("200", obj(fiber.Map{"id": str, "name": str, "score": str, "status": str, "capacity": fiber.Map{"type": "integer"},
				"history": fiber.Map{"type": "array", "items": fiber.Map{"type": "object"}}, "conflicts": fiber.Map{"type": "array", "items": fiber.Map{"type": "object"}},
				"assessments": fiber.Map{"type": "array", "items": fiber.Map{"type": "object"}}, "stats": fiber.Map{"type": "object"}}), "404")}},
		"/experts": fiber.Map{"get": fiber.Map{"summary": "评审专家库", "parameters": []fiber.Map{q("specialty", "专业"), q("q", "姓名或单位"), q("active", "true 仅可抽取的")},
			"responses": std("200", list(obj(fiber.Map{"id": str, "name": str, "specialty": str, "title": str, "employer": str, "active": fiber.Map{"type": "boolean"}})))}},
	}
	triggers := []string{"submit", "initial_check_fail", "issue_notice", "return", "resubmit", "accept", "delegate", "decline",
		"submit_plan", "approve_plan", "start", "record_survey", "request_materials", "add_tracking", "reconcile", "submit_draft",
		"send_back", "send_opinion", "sign", "cosign", "expert_review", "resolve", "unilateral", "conclude", "appeal", "uphold",
		"cancel_delegation", "process", "archive", "sample_recheck", "suspend", "resume"}
	schemas := fiber.Map{
		"Error": obj(fiber.Map{"error": fiber.Map{"type": "string", "description": "中文说明"}, "code": fiber.Map{"type": "string", "description": "稳定的英文代码"},
			"field": str, "fields": fiber.Map{"type": "object", "additionalProperties": str, "description": "每个有误的字段及其中文说明(field 为其中第一个)"},
			"permitted_triggers": fiber.Map{"type": "array", "items": str}, "missing": fiber.Map{"type": "array", "items": str}}, "error", "code"),
		"Kind": fiber.Map{"type": "string", "enum": []string{"estimate", "budget", "settlement", "change", "final_accounts", "procurement_final", "tracking", "special_check"}},
		"ProjectInput": obj(fiber.Map{"code": str, "name": str, "jurisdiction": str,
			"funding_source":    fiber.Map{"type": "string", "enum": []string{"general_budget", "government_fund", "special_bond", "ppp", "special_fund", "other"}},
			"category":          fiber.Map{"type": "string", "enum": []string{"capital", "renovation", "decoration"}},
			"approved_estimate": money, "unit_org_id": str, "dept_org_id": str, "contractor_ids": fiber.Map{"type": "array", "items": str}},
			"code", "name", "funding_source", "category", "approved_estimate"),
		"Project": obj(fiber.Map{"id": str, "code": str, "name": str, "jurisdiction": str, "unit": str, "funding_source": str,
			"category": str, "approved_estimate": money, "key_project": fiber.Map{"type": "boolean"}}),
		"ReviewSummary": obj(fiber.Map{"id": str, "project_id": str, "project_name": str, "kind": str, "state": str, "version": fiber.Map{"type": "integer"},
			"submitted_amount": money, "audited_amount": nullable(money), "firm": nullable(ref("FirmRef")), "suspended": fiber.Map{"type": "boolean"}}),
		"FirmRef": obj(fiber.Map{"id": str, "name": str}),
		"Review": obj(fiber.Map{
			"id": str, "project_id": str, "kind": ref("Kind"), "state": str, "version": fiber.Map{"type": "integer"}, "round": fiber.Map{"type": "integer"},
			"submitted_amount": money, "audited_amount": nullable(money), "firm": nullable(ref("FirmRef")),
			"deadline": nullable(obj(fiber.Map{"kind": fiber.Map{"type": "string", "enum": []string{"intake", "report", "opinion"}}, "due_at": fiber.Map{"type": "string", "format": "date-time"}})),
			"fee": nullable(obj(fiber.Map{"basic_fee": money, "reduction_fee": money, "total_fee": money, "contractor_share": money,
				"finance_share": money, "payable_now": money, "payable_later": money})),
			"permitted_triggers": fiber.Map{"type": "array", "items": str, "description": "本调用者此刻可执行的操作"},
			"suspended":          fiber.Map{"type": "boolean"},
			"missing": fiber.Map{"type": "object", "description": "每个可执行操作尚缺的条件(中文)",
				"additionalProperties": fiber.Map{"type": "array", "items": str}},
			"archive": nullable(obj(fiber.Map{"archive_number": str, "paper_received_on": fiber.Map{"type": "string", "format": "date"},
				"received_by": str, "retention_years": fiber.Map{"type": "integer"}, "retain_until": fiber.Map{"type": "string", "format": "date"}})),
			"suspensions": fiber.Map{"type": "array", "items": obj(fiber.Map{"reason": str, "started_at": fiber.Map{"type": "string", "format": "date-time"},
				"ended_at": nullable(fiber.Map{"type": "string", "format": "date-time"}), "expected_workdays": fiber.Map{"type": "integer"},
				"actual_workdays": fiber.Map{"type": "integer"}, "overrun_workdays": fiber.Map{"type": "integer"}})},
			"papers": fiber.Map{"type": "array", "items": obj(fiber.Map{"kind": fiber.Map{"type": "string", "enum": []string{"notice", "opinion_letter", "conclusion", "fee_statement"}},
				"number": str, "document_id": nullable(str)})},
			"delegation": obj(fiber.Map{"firm_id": str, "override": fiber.Map{"type": "boolean"}, "considered": fiber.Map{"type": "array", "items": obj(fiber.Map{
				"firm_id": str, "name": str, "score": str, "skipped": fiber.Map{"type": "boolean"}, "reason": str, "reason_code": str,
				"reason_label": str, "walked": fiber.Map{"type": "boolean", "description": "false for the library's firms the rotation did not reach (or passed over by a manual choice)"}})}}),
		}, "id", "project_id", "kind", "state", "version", "submitted_amount", "audited_amount", "firm", "deadline", "fee", "permitted_triggers", "suspended", "papers"),
		"TransitionInput": fiber.Map{"type": "object", "required": []string{"trigger"}, "additionalProperties": fiber.Map{"oneOf": []fiber.Map{str, {"type": "number"}, {"type": "boolean"}}},
			"properties": fiber.Map{"trigger": fiber.Map{"type": "string", "enum": triggers}, "version": fiber.Map{"type": "integer"}, "reason": str,
				"firm_id": str, "supervisor_id": str, "audited_amount": money, "agree": fiber.Map{"type": "boolean"}, "reasons": str,
				"experts": fiber.Map{"type": "string", "description": "专家编号,逗号分隔"}, "fault_party": fiber.Map{"type": "string", "enum": []string{"unit", "firm", "contractor"}},
				"rechecked_amount": money, "mode": str, "survey_date": fiber.Map{"type": "string", "format": "date"}, "key_issues": str,
				"expected_workdays": fiber.Map{"type": "integer"}, "people": str, "findings": str, "kind": str, "record_date": fiber.Map{"type": "string", "format": "date"},
				"title": str, "description": str, "amount": money,
				"archive_number": str, "paper_received_on": fiber.Map{"type": "string", "format": "date"}, "received_by": str,
				"retention_years": fiber.Map{"type": "integer", "default": 30}}},
		"Paper": obj(fiber.Map{"id": str, "review_id": str, "kind": fiber.Map{"type": "string", "enum": []string{"notice", "opinion_letter", "conclusion", "fee_statement"}},
			"kind_label": str, "number": str, "serial": fiber.Map{"type": "integer"}, "year": fiber.Map{"type": "integer"}, "document_id": nullable(str),
			"issued_at": fiber.Map{"type": "string", "format": "date-time"}, "issued_by": str, "project_name": str, "voided": fiber.Map{"type": "boolean"},
			"void_reason": nullable(str), "voided_at": nullable(fiber.Map{"type": "string", "format": "date-time"}), "pdf_url": str}),
		"Document": obj(fiber.Map{"id": str, "review_id": str, "category": str, "category_label": str, "name": str, "version": fiber.Map{"type": "integer"},
			"size": fiber.Map{"type": "integer"}, "sha256": str, "content_type": str, "signed_sealed": fiber.Map{"type": "boolean"}, "uploader": str,
			"created_at": fiber.Map{"type": "string", "format": "date-time"}, "content_url": str, "thumbnail": fiber.Map{"type": "boolean"},
			"taken_at": nullable(fiber.Map{"type": "string", "format": "date-time"})}),
		"Draw": obj(fiber.Map{"id": str, "review_id": str, "purpose": str, "purpose_label": str, "specialty": str, "seed": str,
			"redraw_no": fiber.Map{"type": "integer"}, "redraws_left": fiber.Map{"type": "integer"}, "pool_size": fiber.Map{"type": "integer"},
			"main":     fiber.Map{"type": "array", "items": obj(fiber.Map{"id": str, "name": str, "specialty": str})},
			"reserve":  fiber.Map{"type": "array", "items": obj(fiber.Map{"id": str, "name": str, "specialty": str})},
			"excluded": fiber.Map{"type": "array", "items": obj(fiber.Map{"id": str, "name": str, "reason": str})},
			"drawn_by": str, "drawn_at": fiber.Map{"type": "string", "format": "date-time"}}),
		"FeeResult": obj(fiber.Map{"basic_fee": money, "reduction_fee": money, "total_fee": money, "contractor_share": money, "finance_share": money,
			"payable_now": money, "payable_later": money, "reduction": money, "excess": str, "contractor_pays": fiber.Map{"type": "boolean"},
			"lines":    fiber.Map{"type": "array", "items": obj(fiber.Map{"from": money, "up_to": nullable(money), "rate": str, "segment": money, "amount": str})},
			"schedule": obj(fiber.Map{"id": str, "name": str, "version": fiber.Map{"type": "integer"}, "effective_from": str, "example": fiber.Map{"type": "boolean"}})}),
		"FeeSchedule": obj(fiber.Map{"id": str, "name": str, "version": fiber.Map{"type": "integer"}, "effective_from": str, "example": fiber.Map{"type": "boolean"},
			"used": fiber.Map{"type": "boolean"}, "created_at": fiber.Map{"type": "string", "format": "date-time"}, "schedule": fiber.Map{"type": "object"}}),
		"Event": obj(fiber.Map{"at": fiber.Map{"type": "string", "format": "date-time"}, "actor": str, "trigger": str, "from": str, "to": str, "reason": str}),
	}
	return fiber.Map{
		"openapi":  "3.0.3",
		"info":     fiber.Map{"title": "finreview API", "version": "1.0.0", "description": "财政投资项目评审系统 JSON API。金额为两位小数的字符串;编号为不透明字符串。"},
		"servers":  []fiber.Map{{"url": "/api/v1"}},
		"security": []fiber.Map{{"bearer": []string{}}},
		"components": fiber.Map{
			"securitySchemes": fiber.Map{"bearer": fiber.Map{"type": "http", "scheme": "bearer"}},
			"schemas":         schemas,
		},
		"paths": paths,
	}
}
