package web

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/assign"
	"finreview/internal/auth"
	"finreview/internal/input"
	"finreview/internal/review"
	"finreview/workflow"
)

// reviewService is the review service, or a 503 when the server runs
// without it.
func (a *App) reviewService() (*review.Service, error) { return wired(a.svc.Reviews, "评审") }

// reviewCall is how a handler on one review (or a row reached through the
// review service) starts: the principal allowed act, the service, and the
// route's id.
func (a *App) reviewCall(c *fiber.Ctx, act auth.Action) (auth.Principal, *review.Service, int64, error) {
	return rowCall(c, act, a.reviewService)
}

func nullableID(id int64) any {
	if id == 0 {
		return nil
	}
	return idText(id)
}

// flexID reads an id given as a JSON string or number.
func flexID(v any, field string) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case json.Number:
		n, err := strconv.ParseInt(x.String(), 10, 64)
		if err != nil || n < 0 {
			return 0, &input.FieldError{Name: field, Msg: "编号格式不正确"}
		}
		return n, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil || n < 0 {
			return 0, &input.FieldError{Name: field, Msg: "编号格式不正确"}
		}
		return n, nil
	}
	return 0, &input.FieldError{Name: field, Msg: "编号格式不正确"}
}

// flexString reads a scalar JSON value as text: strings as they are,
// numbers as written, booleans as true/false, arrays joined by commas.
func flexString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := flexString(e)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

func money(d interface{ StringFixed(int32) string }) string { return d.StringFixed(2) }

// auditedAndFirmJSON is a review's audited amount (null until audited) and
// its firm (null until one is delegated), alike in both forms of a review.
func auditedAndFirmJSON(r review.Review) (audited, firm any) {
	if r.AuditedAmount.Valid {
		audited = r.AuditedAmount.Decimal.StringFixed(2)
	}
	if r.FirmID != 0 {
		firm = fiber.Map{"id": idText(r.FirmID), "name": r.FirmName}
	}
	return audited, firm
}

// reviewJSON is the API form of a review (API.md).
func reviewJSON(v review.View) fiber.Map {
	r := v.Review
	audited, firmObj := auditedAndFirmJSON(r)
	var dl any
	if v.Deadline != nil {
		dl = fiber.Map{"kind": fmt.Sprint(v.Deadline.Kind), "due_at": apiTime(v.Deadline.DueAt)}
	}
	var feeObj any
	if f := v.Fee; f != nil {
		feeObj = fiber.Map{
			"basic_fee": money(f.BasicFee), "reduction_fee": money(f.ReductionFee), "total_fee": money(f.TotalFee),
			"contractor_share": money(f.ContractorShare), "finance_share": money(f.FinanceShare),
			"payable_now": money(f.PayableNow), "payable_later": money(f.PayableLater), "outcome": f.Outcome,
		}
	}
	papers := []fiber.Map{}
	for _, p := range v.Papers {
		if p.VoidedAt.Valid {
			continue
		}
		papers = append(papers, fiber.Map{"kind": p.Kind, "number": p.DocNumber, "document_id": nullableID(p.DocumentID)})
	}
	permitted := v.Permitted
	if permitted == nil {
		permitted = []workflow.Trigger{}
	}
	missing := fiber.Map{}
	for t, m := range v.Missing {
		missing[string(t)] = m
	}
	out := fiber.Map{
		"id": idText(r.ID), "project_id": idText(r.ProjectID), "project_code": r.ProjectCode, "project_name": r.ProjectName,
		"kind": r.Kind, "kind_label": kindLabel(r.Kind), "state": r.State, "state_label": r.State.Label(),
		"version": r.Version, "round": r.Round,
		"jurisdiction_id": idText(r.JurisdictionID), "jurisdiction": r.JurisdictionName,
		"unit_id": idText(r.UnitOrgID), "unit": r.UnitName,
		"submitted_amount": r.SubmittedAmount.StringFixed(2), "audited_amount": audited,
		"firm": firmObj, "deadline": dl, "fee": feeObj, "permitted_triggers": permitted, "missing": missing,
		"suspended": r.Suspended, "appeal_used": r.AppealUsed, "outcome": r.Outcome, "papers": papers,
		"imported":   r.ImportID != 0,
		"created_at": apiTime(r.CreatedAt),
		"updated_at": apiTime(r.UpdatedAt),
	}
	var archive any
	if ar := v.Archive; ar != nil {
		archive = fiber.Map{"archive_number": ar.Number, "paper_received_on": ar.PaperReceivedOn.In(shanghai).Format("2006-01-02"),
			"received_by": ar.ReceivedBy, "retention_years": ar.RetentionYears,
			"retain_until": ar.RetainUntil.In(shanghai).Format("2006-01-02")}
	}
	out["archive"] = archive
	suspensions := make([]fiber.Map, 0, len(v.Suspensions))
	for _, sv := range v.Suspensions {
		var ended any
		if sv.Ended != nil {
			ended = apiTime(*sv.Ended)
		}
		suspensions = append(suspensions, fiber.Map{"reason": sv.Reason, "started_at": apiTime(sv.Started),
			"ended_at": ended, "expected_workdays": sv.ExpectedWorkdays, "actual_workdays": sv.ActualWorkdays, "overrun_workdays": sv.Overrun})
	}
	out["suspensions"] = suspensions
	if d := v.Delegation; d != nil && r.FirmID != 0 {
		considered := make([]fiber.Map, 0, len(d.Considered)+len(d.Others))
		for i, c := range append(append([]assign.Consideration{}, d.Considered...), d.Others...) {
			reason := c.Detail
			if reason == "" {
				reason = string(c.Reason)
			}
			considered = append(considered, fiber.Map{"firm_id": idText(c.FirmID), "name": c.Name,
				"score": c.Score.StringFixed(2), "skipped": c.Skipped, "reason": reason, "reason_code": string(c.Reason),
				"reason_label": c.Reason.Label(), "walked": i < len(d.Considered)})
		}
		out["delegation"] = fiber.Map{"firm_id": idText(d.FirmID), "firm_name": d.FirmName, "override": d.Override,
			"reason": d.Reason, "considered": considered}
	}
	return out
}

// reviewListJSON is the short form of a review in lists.
func reviewListJSON(r review.Review) fiber.Map {
	audited, firmObj := auditedAndFirmJSON(r)
	return fiber.Map{
		"id": idText(r.ID), "project_id": idText(r.ProjectID), "project_code": r.ProjectCode, "project_name": r.ProjectName,
		"kind": r.Kind, "state": r.State, "state_label": r.State.Label(), "version": r.Version, "round": r.Round,
		"jurisdiction": r.JurisdictionName, "unit": r.UnitName,
		"submitted_amount": r.SubmittedAmount.StringFixed(2), "audited_amount": audited, "firm": firmObj,
		"suspended": r.Suspended, "imported": r.ImportID != 0, "created_at": apiTime(r.CreatedAt),
	}
}

func (a *App) apiCreateReview(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.CreateReview, a.reviewService)
	if err != nil {
		return err
	}
	var in map[string]any
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	pid, err := flexID(in["project_id"], "project_id")
	if err != nil {
		return err
	}
	kind, _ := flexString(in["kind"])
	amount, ok := flexString(in["submitted_amount"])
	if !ok {
		return &input.FieldError{Name: "submitted_amount", Msg: "送审金额格式不正确"}
	}
	r, err := svc.Create(c.UserContext(), p, review.CreateInput{ProjectID: pid, Kind: kind, SubmittedAmount: amount})
	if err != nil {
		return err
	}
	v, err := svc.Get(c.UserContext(), p, r.ID)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(reviewJSON(v))
}

// reviewFilter reads the list filters of GET /reviews.
func (a *App) reviewFilter(c *fiber.Ctx) (review.ReviewFilter, paging, error) {
	pg, err := pageParams(c)
	if err != nil {
		return review.ReviewFilter{}, paging{}, err
	}
	f := review.ReviewFilter{Kind: c.Query("kind"), Search: strings.TrimSpace(c.Query("q")), Limit: pg.Size, Offset: pg.Offset()}
	for _, s := range strings.Split(c.Query("state"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		st, err := workflow.ParseState(s)
		if err != nil {
			return f, pg, &input.FieldError{Name: "state", Msg: "未知的状态: " + s}
		}
		f.States = append(f.States, st)
	}
	if j := strings.TrimSpace(c.Query("jurisdiction")); j != "" {
		if n, err := strconv.ParseInt(j, 10, 64); err == nil && n > 0 && len(j) < 6 {
			f.JurisdictionID = n
		} else {
			jj, err := a.auth.JurisdictionByName(c.UserContext(), j)
			if err != nil {
				return f, pg, &input.FieldError{Name: "jurisdiction", Msg: "区划不存在: " + j}
			}
			f.JurisdictionID = jj.ID
		}
	}
	if v := c.Query("firm_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, pg, &input.FieldError{Name: "firm_id", Msg: "编号格式不正确"}
		}
		f.FirmID = n
	}
	dates := newForm()
	dates.Values["from"], dates.Values["to"] = c.Query("from"), c.Query("to")
	f.From, f.To = dates.period()
	if err := dates.err(); err != nil {
		return f, pg, err
	}
	return f, pg, nil
}

func (a *App) apiListReviews(c *fiber.Ctx) error {
	p, svc, err := serviceCall(c, auth.ViewReviews, a.reviewService)
	if err != nil {
		return err
	}
	f, _, err := a.reviewFilter(c)
	if err != nil {
		return err
	}
	items, total, err := svc.List(c.UserContext(), p, f)
	if err != nil {
		return err
	}
	return sendList(c, items, total, reviewListJSON)
}

func (a *App) apiGetReview(c *fiber.Ctx) error {
	v, err := rowRead(c, auth.ViewReviews, a.reviewService, (*review.Service).Get)
	if err != nil {
		return err
	}
	return c.JSON(reviewJSON(v))
}

// reviewBody is reviewCall on a POST whose body is one JSON object.
func (a *App) reviewBody(c *fiber.Ctx) (auth.Principal, *review.Service, int64, map[string]any, error) {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return p, svc, id, nil, err
	}
	var body map[string]any
	err = decodeJSON(c, &body)
	return p, svc, id, body, err
}

func (a *App) apiFireReview(c *fiber.Ctx) error {
	p, svc, id, body, err := a.reviewBody(c)
	if err != nil {
		return err
	}
	in := review.FireInput{Params: map[string]string{}}
	for k, v := range body {
		switch k {
		case "trigger":
			s, _ := v.(string)
			t, err := workflow.ParseTrigger(strings.TrimSpace(s))
			if err != nil {
				return &input.FieldError{Name: "trigger", Msg: "未知的操作: " + s}
			}
			in.Trigger = t
		case "version":
			if v == nil {
				continue
			}
			s, ok := flexString(v)
			n, err := strconv.Atoi(s)
			if !ok || err != nil {
				return &input.FieldError{Name: "version", Msg: "版本号须为整数"}
			}
			in.Version = &n
		case "reason":
			s, ok := flexString(v)
			if !ok {
				return &input.FieldError{Name: "reason", Msg: "原因须为文字"}
			}
			in.Reason = s
		default:
			s, ok := flexString(v)
			if !ok {
				return &input.FieldError{Name: k, Msg: "参数须为文字、数字或布尔值"}
			}
			in.Params[k] = s
		}
	}
	if in.Trigger == "" {
		return &input.FieldError{Name: "trigger", Msg: "请指定操作"}
	}
	v, err := svc.Fire(c.UserContext(), p, id, in)
	if err != nil {
		return err
	}
	return c.JSON(reviewJSON(v))
}

func (a *App) apiReviewEvents(c *fiber.Ctx) error {
	evs, err := rowRead(c, auth.ViewReviews, a.reviewService, (*review.Service).Events)
	if err != nil {
		return err
	}
	return c.JSON(jsonList(evs, func(e review.ReviewEvent) fiber.Map {
		return fiber.Map{"at": apiTime(e.At), "actor": e.ActorName, "actor_role": e.ActorRole,
			"trigger": e.Trigger, "trigger_label": e.Trigger.Label(), "from": e.From, "to": e.To, "reason": e.Reason, "round": e.Round}
	}))
}

func (a *App) apiAuditVerify(c *fiber.Ctx) error {
	if _, err := require(c, auth.ViewAudit); err != nil {
		return err
	}
	res, err := a.svc.Reports.VerifyAudit(c.UserContext())
	if err != nil {
		return err
	}
	out := fiber.Map{"ok": res.OK, "events": res.Events}
	if res.Broken != "" {
		out["broken"] = res.Broken
		out["problems"] = res.Problems
	}
	return c.JSON(out)
}

// apiNudgeReview sends the parties whose turn it is a logged reminder (催办).
func (a *App) apiNudgeReview(c *fiber.Ctx) error {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	var in struct {
		Message string `json:"message"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	n, err := svc.Nudge(c.UserContext(), p, id, in.Message)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"notified": n})
}
