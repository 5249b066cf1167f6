package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/bytesize"
	"finreview/internal/docs"
	"finreview/internal/review"
	"finreview/workflow"
)

// The review page's shortcuts for the people who act on it, each a
// fragment of partials/review_steps.html: the upload panel next to the
// actions, the opinion letter beside the sign box, and the drawn expert's
// task (opinion form and upload).

// uploadPanel is a batch upload: several files chosen at once, each with
// its category, sent one by one with their progress (static/upload.js);
// without scripts a single file with the one category.
type uploadPanel struct {
	ID         string // prefix of the element ids
	ReviewID   int64
	Categories []pageOption
	Default    string // the category preselected
	Signed     bool   // offer "已签字盖章"
	Next       string // where the script goes once the files are up
}

// newUploadPanel offers the categories the role uploads, the first of
// prefer preselected.
func newUploadPanel(id string, reviewID int64, role auth.Role, prefer ...string) *uploadPanel {
	cats := docs.UploadCategories(role)
	if len(cats) == 0 {
		return nil
	}
	u := &uploadPanel{ID: id, ReviewID: reviewID, Default: cats[0], Signed: role == auth.ConstructionUnit}
	u.Categories = labelOptions(cats, docs.CategoryLabel)
	for _, c := range prefer {
		if slices.Contains(cats, c) {
			u.Default = c
			break
		}
	}
	return u
}

// signLetter is the opinion letter shown where the unit (or contractor)
// signs: its number, the figures and a link to the whole letter.
type signLetter struct {
	Trigger   workflow.Trigger
	DocNumber string
	PaperID   int64
	IssuedAt  string
	HasPDF    bool
}

// expertPanel is the drawn expert's task on the review.
type expertPanel struct {
	Task     *review.ExpertTask
	Reasons  string // the unit's reasons for disagreeing, from its signature
	Uploaded []reviewDocRow
	Upload   *uploadPanel
	Values   map[string]string
	Errors   map[string]string
	Message  string
}

type reviewStepsView struct {
	Upload *uploadPanel
	Letter *signLetter
	Expert *expertPanel
}

// localExpertForm carries a refused expert opinion to the re-rendered page.
const localExpertForm = "expert_form"

// reviewSteps builds the fragments for the viewer of v, whose task as a
// drawn expert is task (review.Page).
func (a *App) reviewSteps(c *fiber.Ctx, p auth.Principal, v review.View, task *review.ExpertTask, documents []docs.Document) reviewStepsView {
	var out reviewStepsView
	r := v.Review
	if p.Can(auth.UploadDocuments) && p.Role != auth.Expert && r.State != workflow.Archived && r.ImportID == 0 {
		out.Upload = newUploadPanel("up", r.ID, p.Role, "submission")
		if out.Upload != nil {
			out.Upload.Next = flashURL(c, "/reviews/"+idText(r.ID), "资料已上传", "#upload")
		}
	}
	for _, t := range v.Permitted {
		if t != workflow.Sign && t != workflow.Cosign {
			continue
		}
		for _, pp := range v.Papers {
			if pp.Kind == "opinion_letter" && !pp.Voided() {
				out.Letter = &signLetter{Trigger: t, DocNumber: pp.DocNumber, PaperID: pp.ID,
					IssuedAt: formatTime(pp.IssuedAt, "2006-01-02"), HasPDF: pp.DocumentID != 0}
			}
		}
		if out.Letter == nil {
			out.Letter = &signLetter{Trigger: t}
		}
		break
	}
	if task != nil {
		ep := &expertPanel{Task: task, Values: map[string]string{}, Errors: map[string]string{}, Reasons: disagreement(v.Events)}
		if task.Opinion != nil {
			ep.Values["opinion"] = task.Opinion.Opinion
			if task.Opinion.SuggestedAmount.Valid {
				ep.Values["suggested_amount"] = task.Opinion.SuggestedAmount.Decimal.StringFixed(2)
			}
		}
		if f, ok := c.Locals(localExpertForm).(*formState); ok {
			ep.Values, ep.Errors, ep.Message = f.Values, f.Errors, f.Message
		}
		for _, d := range documents {
			if d.Category == docs.ExpertOpinion && d.UploaderID == p.UserID {
				ep.Uploaded = append(ep.Uploaded, reviewDocRow{Document: d, CategoryLabel: docs.CategoryLabel(d.Category), Size: bytesize.Text(d.Size)})
			}
		}
		if task.Open {
			ep.Upload = newUploadPanel("ex", r.ID, p.Role, docs.ExpertOpinion)
		}
		out.Expert = ep
	}
	return out
}

// disagreement is the reasons of the latest signature that disagreed.
func disagreement(events []review.ReviewEvent) string {
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Trigger != workflow.Sign {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(e.Params), &m) != nil {
			return ""
		}
		if fmt.Sprint(m["agree"]) == "false" {
			return strings.TrimSpace(fmt.Sprint(m["reasons"]))
		}
		return ""
	}
	return ""
}

// expertOpinionSubmit records the drawn expert's opinion; a refusal comes
// back on the review page with the text as typed.
func (a *App) expertOpinionSubmit(c *fiber.Ctx) error {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	form := readForm(c, "opinion", "suggested_amount")
	err = svc.SubmitExpertOpinion(c.UserContext(), p, id, review.ExpertOpinionInput{Opinion: form.Values["opinion"],
		SuggestedAmount: form.Values["suggested_amount"]})
	if err == nil {
		return redirectMsg(c, "/reviews/"+idText(id)+"#expert-task", "已提交专家复审意见")
	}
	var se statusError
	switch {
	case form.refuse(err):
		c.Locals(localExpertForm, form)
		return a.renderReview(c, &actionState{Status: 422, Message: "复审意见有误,请按提示修改后重新提交。"})
	case errors.As(err, &se) && se.HTTPStatus() == 409:
		form.Message = errText(err)
		c.Locals(localExpertForm, form)
		return a.renderReview(c, &actionState{Status: 409, Message: errText(err)})
	}
	return err
}

// expertTodo is a drawn expert's to-do list: the reviews in expert
// re-review the expert was drawn for as a main expert.
func (a *App) expertTodo(ctx context.Context, p auth.Principal) ([]todoRow, error) {
	if p.Role != auth.Expert || a.svc.Reviews == nil {
		return nil, nil
	}
	rows, _, err := a.svc.Reviews.List(ctx, p, review.ReviewFilter{States: []workflow.State{workflow.ExpertReview}, Limit: 50})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	dues := a.duesFor(ctx, ids)
	tasks, err := a.svc.Reviews.ExpertTasks(ctx, p, rows)
	if err != nil {
		return nil, err
	}
	var out []todoRow
	for _, r := range rows {
		task := tasks[r.ID]
		if task == nil {
			continue
		}
		action := "提交专家复审意见"
		if task.Opinion != nil {
			action = "已提交意见(可修改)"
		}
		t := todoRow{ReviewID: r.ID, ProjectName: r.ProjectName, KindLabel: kindLabel(r.Kind), StateLabel: r.State.Label(),
			StateClass: stateClass(r.State, r.Suspended), Action: action, Anchor: "#expert-task"}
		t.Due, t.DueClass = dues[r.ID].Text, dues[r.ID].Class
		out = append(out, t)
	}
	return out, nil
}

// scriptWantsJSON: the page's script asks for a JSON answer instead of a page.
func scriptWantsJSON(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON)
}

// jsonRefusal answers a script's request with the error as the API does.
func jsonRefusal(c *fiber.Ctx, err error) error {
	status, body := classify(err)
	if status >= 500 {
		return err
	}
	return c.Status(status).JSON(body)
}

// flashURL is path with the flash message msg signed for this session, for
// a page's script to go to (the redirects of forms are signed by signFlash).
func flashURL(c *fiber.Ctx, path, msg, fragment string) string {
	q := url.Values{"msg": {msg}}
	if sess, ok := c.Locals("session").(auth.Session); ok && sess.CSRFToken != "" {
		q.Set(flashSigParam, flashSig(sess, msg))
	}
	return path + "?" + q.Encode() + fragment
}
