package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/input"
	"finreview/internal/review"
)

func drawJSON(d review.DrawView) fiber.Map {
	expert := func(e review.DrawnExpert) fiber.Map {
		return fiber.Map{"id": idText(e.ID), "name": e.Name, "specialty": e.Specialty}
	}
	excluded := make([]fiber.Map, 0, len(d.Excluded))
	for _, e := range d.Excluded {
		excluded = append(excluded, fiber.Map{"id": idText(e.ID), "name": e.Name, "reason": e.Reason})
	}
	return fiber.Map{"id": idText(d.ID), "review_id": idText(d.ReviewID), "purpose": d.Purpose, "purpose_label": d.PurposeLabel,
		"specialty": d.Specialty, "seed": strconv.FormatUint(d.Seed, 10), "redraw_no": d.RedrawNo, "redraws_left": d.RedrawsLeft,
		"main": jsonList(d.Main, expert), "reserve": jsonList(d.Reserve, expert), "excluded": excluded, "pool_size": d.PoolSize,
		"drawn_by": d.DrawnBy, "drawn_at": apiTime(d.DrawnAt)}
}

// flexInt reads an integer given as a JSON number or string; def when absent.
func flexInt(v any, field string, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	s, ok := flexString(v)
	if !ok {
		return 0, &input.FieldError{Name: field, Msg: "须为整数"}
	}
	if s = strings.TrimSpace(s); s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &input.FieldError{Name: field, Msg: "须为整数"}
	}
	return n, nil
}

func (a *App) apiCreateDraw(c *fiber.Ctx) error {
	p, svc, id, body, err := a.reviewBody(c)
	if err != nil {
		return err
	}
	purpose, _ := flexString(body["purpose"])
	specialty, _ := flexString(body["specialty"])
	main, err := flexInt(body["main"], "main", 3)
	if err != nil {
		return err
	}
	reserve, err := flexInt(body["reserve"], "reserve", 2)
	if err != nil {
		return err
	}
	d, err := svc.Draw(c.UserContext(), p, id, purpose, specialty, main, reserve)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(drawJSON(d))
}

func (a *App) apiListDraws(c *fiber.Ctx) error {
	ds, err := rowRead(c, auth.ViewReviews, a.reviewService, (*review.Service).Draws)
	if err != nil {
		return err
	}
	return c.JSON(jsonList(ds, drawJSON))
}

func (a *App) apiGetDraw(c *fiber.Ctx) error {
	d, err := rowRead(c, auth.ViewReviews, a.reviewService, (*review.Service).DrawByID)
	if err != nil {
		return err
	}
	return c.JSON(drawJSON(d))
}

// verifyDraw recomputes the draw the route names from its recorded seed
// and pool: the draw, and whether the result is the one recorded.
func (a *App) verifyDraw(c *fiber.Ctx) (review.DrawView, bool, error) {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return review.DrawView{}, false, err
	}
	d, err := svc.DrawByID(c.UserContext(), p, id)
	if err != nil {
		return d, false, err
	}
	ok, err := svc.VerifyDraw(c.UserContext(), p, id)
	return d, ok, err
}

func (a *App) apiVerifyDraw(c *fiber.Ctx) error {
	d, ok, err := a.verifyDraw(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ok": ok, "seed": strconv.FormatUint(d.Seed, 10)})
}

// expertCall is reviewCall on the review the route names and the expert
// its eid names.
func (a *App) expertCall(c *fiber.Ctx) (auth.Principal, *review.Service, int64, int64, error) {
	p, svc, id, err := a.reviewCall(c, auth.ViewReviews)
	if err != nil {
		return p, svc, id, 0, err
	}
	eid, err := idParam(c, "eid")
	return p, svc, id, eid, err
}

func (a *App) apiScoreExpert(c *fiber.Ctx) error {
	p, svc, id, eid, err := a.expertCall(c)
	if err != nil {
		return err
	}
	var body map[string]any
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	score, _ := flexString(body["score"])
	comment, _ := flexString(body["comment"])
	sc, err := svc.ScoreExpert(c.UserContext(), p, id, eid, score, comment)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"review_id": idText(sc.ReviewID), "expert_id": idText(sc.ExpertID),
		"expert_name": sc.ExpertName, "score": sc.Score.StringFixed(2), "comment": sc.Comment,
		"at": apiTime(sc.At)})
}
