package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/review"
)

// drawForms are the draw page's forms as refused: the draw (fields
// purpose, specialty, main, reserve), one expert's score (ScoreExpert,
// fields score and comment), or a refusal of the request as a whole.
type drawForms struct {
	Draw, Score *formState
	ScoreExpert int64
	Message     string
}

type scoreRow struct {
	ExpertID      int64
	Name, Purpose string
	Reserve       bool
	Scored        bool
	Score         string
	Comment       string
}

func drawsURL(id int64, msg string) string {
	u := "/reviews/" + idText(id) + "/draws"
	if msg != "" {
		u = withMsg(u, msg)
	}
	return u
}

// renderDraws shows the draw record of a review, with the draw form for the
// review center.
func (a *App) renderDraws(c *fiber.Ctx, status int, id int64, forms drawForms) error {
	p, svc, err := serviceCall(c, auth.ViewReviews, a.reviewService)
	if err != nil {
		return err
	}
	v, err := svc.DrawRecord(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	specialties, err := a.svc.Firms.Specialties(c.UserContext())
	if err != nil {
		return err
	}
	if forms.Draw == nil {
		forms.Draw = newForm()
		forms.Draw.Values["main"], forms.Draw.Values["reserve"] = "3", "2"
		forms.Draw.Values["purpose"] = review.PurposeDispute
		if v.Review.State == "concluded" || v.Review.State == "processed" || v.Review.State == "archived" {
			forms.Draw.Values["purpose"] = review.PurposeSample
		}
	}
	if forms.Score == nil {
		forms.Score = newForm()
	}
	scored := map[int64]int{}
	for i, s := range v.Scores {
		scored[s.ExpertID] = i
	}
	var rows []scoreRow
	for _, e := range v.Experts {
		r := scoreRow{ExpertID: e.ExpertID, Name: e.Name, Purpose: review.PurposeLabel(e.Purpose), Reserve: e.Reserve}
		if i, ok := scored[e.ExpertID]; ok {
			r.Scored, r.Score, r.Comment = true, v.Scores[i].Score.StringFixed(2), v.Scores[i].Comment
		}
		rows = append(rows, r)
	}
	center := p.Role == auth.ReviewCenter
	draws := make([]review.DrawView, len(v.Draws))
	for i, d := range v.Draws { // newest first
		draws[len(v.Draws)-1-i] = d
	}
	return a.views.render(c, status, "draw", a.page(c, "专家抽取", map[string]any{
		"Breadcrumb": []crumb{{"评审任务", "/reviews"}, {v.Review.ProjectName, "/reviews/" + idText(v.Review.ID)}, {"专家抽取", ""}},
		"Review":     v.Review, "Draws": draws, "Experts": rows, "Specialties": specialties,
		"Form": forms.Draw, "ScoreForm": forms.Score, "ScoreExpert": forms.ScoreExpert, "Error": forms.Message,
		"CanDraw": center, "CanScore": center, "MaxRedraws": review.MaxRedraws,
		"Purposes": []pageOption{{review.PurposeDispute, review.PurposeLabel(review.PurposeDispute)},
			{review.PurposeSample, review.PurposeLabel(review.PurposeSample)}},
	}))
}

// drawRefusal shows a refused draw or score on the draw page: every
// refused field next to it (form), or the refusal of the request as a
// whole (409); ok is false for any other error.
func (a *App) drawRefusal(c *fiber.Ctx, id int64, forms drawForms, form *formState, err error) (error, bool) {
	if form.refuse(err) {
		return a.renderDraws(c, 422, id, forms), true
	}
	if status, body := classify(err); status == 409 {
		forms.Message = body.Error
		return a.renderDraws(c, status, id, forms), true
	}
	return nil, false
}

func (a *App) pageDrawList(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return a.renderDraws(c, 200, id, drawForms{})
}

func (a *App) pageDrawCreate(c *fiber.Ctx) error {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	form := readForm(c, "purpose", "specialty", "main", "reserve")
	// A count that is not a number is flagged here and passed on as one
	// out of range, which the service refuses with the other fields.
	count := func(field, msg string) int {
		n, err := strconv.Atoi(form.Values[field])
		if err != nil {
			form.fail(field, msg)
			return -1
		}
		return n
	}
	main, reserve := count("main", "主选人数须为整数"), count("reserve", "备选人数须为整数")
	d, err := svc.Draw(c.UserContext(), p, id, form.Values["purpose"], form.Values["specialty"], main, reserve)
	if err != nil {
		if rerr, ok := a.drawRefusal(c, id, drawForms{Draw: form}, form, err); ok {
			return rerr
		}
		return err
	}
	names := make([]string, 0, len(d.Main))
	for _, e := range d.Main {
		names = append(names, e.Name)
	}
	msg := fmt.Sprintf("已抽取%s专家:%s(种子 %d)", d.PurposeLabel, strings.Join(names, "、"), d.Seed)
	return c.Redirect(drawsURL(id, msg), fiber.StatusSeeOther)
}

func (a *App) pageDrawVerify(c *fiber.Ctx) error {
	d, ok, err := a.verifyDraw(c)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("复核一致:以记录的种子 %d 和候选名单重新计算,抽取结果相同", d.Seed)
	if !ok {
		msg = fmt.Sprintf("复核不一致:以记录的种子 %d 重新计算的结果与记录不同,请核查", d.Seed)
	}
	return c.Redirect(drawsURL(d.ReviewID, msg), fiber.StatusSeeOther)
}

func (a *App) pageExpertScore(c *fiber.Ctx) error {
	p, svc, id, eid, err := a.expertCall(c)
	if err != nil {
		return err
	}
	form := readForm(c, "score", "comment")
	sc, err := svc.ScoreExpert(c.UserContext(), p, id, eid, form.Values["score"], form.Values["comment"])
	if err != nil {
		if rerr, ok := a.drawRefusal(c, id, drawForms{Score: form, ScoreExpert: eid}, form, err); ok {
			return rerr
		}
		return err
	}
	return c.Redirect(drawsURL(id, fmt.Sprintf("已为专家%s评分 %s", sc.ExpertName, sc.Score.StringFixed(2))), fiber.StatusSeeOther)
}
