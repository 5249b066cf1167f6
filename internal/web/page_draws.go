package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/review"
)

type drawForm struct {
	Purpose, Specialty, Main, Reserve string
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
	u := "/reviews/" + strconv.FormatInt(id, 10) + "/draws"
	if msg != "" {
		u += "?msg=" + url.QueryEscape(msg)
	}
	return u
}

// renderDraws shows the draw record of a review, with the draw form for the
// review center; failed is the refused request's message.
func (a *App) renderDraws(c *fiber.Ctx, status int, id int64, form drawForm, failed string) error {
	p, err := require(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	svc, err := a.reviewsService()
	if err != nil {
		return err
	}
	v, err := svc.Get(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	specialties, err := a.svc.Firms.Specialties(c.UserContext())
	if err != nil {
		return err
	}
	if form.Main == "" {
		form.Main, form.Reserve = "3", "2"
	}
	if form.Purpose == "" {
		form.Purpose = review.PurposeDispute
		if v.Review.State == "concluded" || v.Review.State == "processed" || v.Review.State == "archived" {
			form.Purpose = review.PurposeSample
		}
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
		"Breadcrumb": []crumb{{"评审任务", "/reviews"}, {v.Review.ProjectName, "/reviews/" + strconv.FormatInt(v.Review.ID, 10)}, {"专家抽取", ""}},
		"Review":     v.Review, "Draws": draws, "Experts": rows, "Specialties": specialties, "Form": form, "Error": failed,
		"CanDraw": center, "CanScore": center, "MaxRedraws": review.MaxRedraws,
		"Purposes": []pageOption{{review.PurposeDispute, review.PurposeLabel(review.PurposeDispute)},
			{review.PurposeSample, review.PurposeLabel(review.PurposeSample)}},
	}))
}

// userFailure tells a refused request (422, 409) from a fault and gives its message.
func userFailure(err error) (int, string, bool) {
	status, body := classify(err)
	if status == 422 || status == 409 {
		return status, body.Error, true
	}
	return 0, "", false
}

func (a *App) pageDrawList(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return a.renderDraws(c, 200, id, drawForm{}, "")
}

func (a *App) pageDrawCreate(c *fiber.Ctx) error {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	form := drawForm{Purpose: c.FormValue("purpose"), Specialty: strings.TrimSpace(c.FormValue("specialty")),
		Main: strings.TrimSpace(c.FormValue("main")), Reserve: strings.TrimSpace(c.FormValue("reserve"))}
	main, err1 := strconv.Atoi(form.Main)
	reserve, err2 := strconv.Atoi(form.Reserve)
	if err1 != nil || err2 != nil {
		return a.renderDraws(c, 422, id, form, "主选、备选人数须为整数")
	}
	d, err := svc.Draw(c.UserContext(), p, id, form.Purpose, form.Specialty, main, reserve)
	if err != nil {
		if status, msg, ok := userFailure(err); ok {
			return a.renderDraws(c, status, id, form, msg)
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
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	d, err := svc.DrawByID(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	ok, err := svc.VerifyDraw(c.UserContext(), p, id)
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
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return err
	}
	eid, err := idParam(c, "eid")
	if err != nil {
		return err
	}
	sc, err := svc.ScoreExpert(c.UserContext(), p, id, eid, c.FormValue("score"), c.FormValue("comment"))
	if err != nil {
		if status, msg, ok := userFailure(err); ok {
			return a.renderDraws(c, status, id, drawForm{}, msg)
		}
		return err
	}
	return c.Redirect(drawsURL(id, fmt.Sprintf("已为专家%s评分 %s", sc.ExpertName, sc.Score.StringFixed(2))), fiber.StatusSeeOther)
}
