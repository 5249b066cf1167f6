package firm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/assign"
	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/input"
	"finreview/internal/store"
)

// PeriodInput describes a new assessment period.
type PeriodInput struct {
	Name     string
	StartsOn time.Time // first day
	EndsOn   time.Time // last day, included
	// Criteria and weights; nil = assign.DefaultCriteria.
	Criteria []assign.Criterion
	// BottomN firms at the bottom and every firm below Threshold are
	// flagged for suspension.
	BottomN   int
	Threshold decimal.Decimal
}

// criterionJSON is how a period keeps its criteria.
type criterionJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Weight string `json:"weight"`
}

// Check checks a period's fields, reporting every refused one at once.
func (in PeriodInput) Check() error {
	name := strings.TrimSpace(in.Name)
	var errs []error
	if name == "" {
		errs = append(errs, fieldErr("name", "请填写考核期名称"))
	} else {
		errs = append(errs, input.Line("name", name, 64))
	}
	if in.StartsOn.IsZero() {
		errs = append(errs, fieldErr("starts_on", "请填写考核期开始日期"))
	}
	if in.EndsOn.IsZero() || in.EndsOn.Before(in.StartsOn) {
		errs = append(errs, fieldErr("ends_on", "结束日期不能早于开始日期"))
	}
	if in.BottomN < 0 {
		errs = append(errs, fieldErr("bottom_n", "末位数量不能为负数"))
	}
	if in.Threshold.IsNegative() || in.Threshold.GreaterThan(decimal.NewFromInt(100)) {
		errs = append(errs, fieldErr("threshold", "分数线须在 0–100 之间"))
	}
	criteria := in.Criteria
	if criteria == nil {
		criteria = assign.DefaultCriteria()
	}
	if _, err := assign.Assess(assign.Metrics{}, criteria); err != nil {
		errs = append(errs, fieldErr("criteria", err.Error()))
	}
	return errors.Join(errs...)
}

// CreatePeriod opens an assessment period.
func (s *Service) CreatePeriod(ctx context.Context, p auth.Principal, in PeriodInput) (store.AssessmentPeriod, error) {
	if err := mayManage(p); err != nil {
		return store.AssessmentPeriod{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := in.Check(); err != nil {
		return store.AssessmentPeriod{}, err
	}
	criteria := in.Criteria
	if criteria == nil {
		criteria = assign.DefaultCriteria()
	}
	cj := make([]criterionJSON, len(criteria))
	for i, c := range criteria {
		cj[i] = criterionJSON{Code: c.Code, Name: c.Name, Weight: c.Weight.String()}
	}
	b, err := json.Marshal(cj)
	if err != nil {
		return store.AssessmentPeriod{}, err
	}
	now := s.now().Truncate(time.Microsecond)
	per := store.AssessmentPeriod{Name: in.Name, StartsOn: in.StartsOn, EndsOn: in.EndsOn, Criteria: string(b), BottomN: in.BottomN,
		Threshold: in.Threshold.Round(2), CreatedBy: p.UserID}
	per.CreatedAt.Time, per.CreatedAt.Valid = now, true
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		id, err := q.InsertAssessmentPeriod(ctx, per)
		if errors.Is(err, store.ErrDuplicate) {
			return fieldErr("name", "已有同名考核期")
		}
		if err != nil {
			return err
		}
		per.ID = id
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "assessment_period_create",
			ObjectType: "assessment_period", ObjectID: audit.ID(id),
			Detail: map[string]any{"name": per.Name, "starts_on": dateText(per.StartsOn), "ends_on": dateText(per.EndsOn),
				"criteria": json.RawMessage(b), "bottom_n": per.BottomN, "threshold": per.Threshold.StringFixed(2)}})
		return err
	})
	return per, err
}

// Periods lists the assessment periods, latest first.
func (s *Service) Periods(ctx context.Context) ([]store.AssessmentPeriod, error) {
	return s.store.AssessmentPeriods(ctx)
}

// PeriodCriteria returns a period's criteria (the defaults when none stored).
func PeriodCriteria(per store.AssessmentPeriod) ([]assign.Criterion, error) {
	if strings.TrimSpace(per.Criteria) == "" {
		return assign.DefaultCriteria(), nil
	}
	var in []criterionJSON
	if err := json.Unmarshal([]byte(per.Criteria), &in); err != nil {
		return nil, fmt.Errorf("period %d criteria: %w", per.ID, err)
	}
	out := make([]assign.Criterion, len(in))
	for i, c := range in {
		w, err := decimal.NewFromString(c.Weight)
		if err != nil {
			return nil, fmt.Errorf("period %d criterion %s weight: %w", per.ID, c.Code, err)
		}
		out[i] = assign.Criterion{Code: c.Code, Name: c.Name, Weight: w}
	}
	return out, nil
}

// CheckScores checks a firm's truthfulness and report quality scores
// (fields truthfulness and report_quality), each refused one at once.
func CheckScores(truthfulness, reportQuality decimal.Decimal) error {
	var errs []error
	for _, v := range []struct {
		field string
		d     decimal.Decimal
	}{{"truthfulness", truthfulness}, {"report_quality", reportQuality}} {
		switch {
		case v.d.IsNegative() || v.d.GreaterThan(decimal.NewFromInt(100)):
			errs = append(errs, fieldErr(v.field, "得分须在 0–100 之间"))
		case !v.d.Equal(v.d.Round(2)):
			errs = append(errs, fieldErr(v.field, "得分最多保留两位小数"))
		}
	}
	return errors.Join(errs...)
}

// EnterScores records the staff-entered truthfulness (真实性) and report
// quality (报告质量) scores, 0–100, of a firm for an open period.
func (s *Service) EnterScores(ctx context.Context, p auth.Principal, periodID, firmID int64, truthfulness, reportQuality decimal.Decimal) error {
	if err := mayManage(p); err != nil {
		return err
	}
	if err := CheckScores(truthfulness, reportQuality); err != nil {
		return err
	}
	now := s.now().Truncate(time.Microsecond)
	return s.store.InTx(ctx, func(q *store.Queries) error {
		if _, err := openPeriod(ctx, q, periodID, "考核期已结束,不能再录入得分"); err != nil {
			return err
		}
		if _, err := q.FirmByID(ctx, firmID); errors.Is(err, store.ErrNotFound) {
			return fieldErr("firm_id", "中介机构不存在")
		} else if err != nil {
			return err
		}
		if err := q.UpsertAssessmentInput(ctx, store.AssessmentInput{PeriodID: periodID, FirmID: firmID, Truthfulness: truthfulness,
			ReportQuality: reportQuality, EnteredBy: p.UserID, EnteredAt: now}); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "assessment_scores",
			ObjectType: "firm", ObjectID: audit.ID(firmID),
			Detail: map[string]any{"period_id": strconv.FormatInt(periodID, 10), "truthfulness": truthfulness.StringFixed(2),
				"report_quality": reportQuality.StringFixed(2)}})
		return err
	})
}

// RankRow is one firm's line of a period ranking.
type RankRow struct {
	store.FirmAssessment
	Metrics assign.Metrics
}

// Ranking is a period's assessment: entered scores, the computed ranking,
// the firms flagged for suspension with their evidence, and the firms
// still missing entered scores.
type Ranking struct {
	Period   store.AssessmentPeriod
	Criteria []assign.Criterion
	Firms    []store.Firm // firms assessed (not removed), rank order of the library
	Inputs   map[int64]store.AssessmentInput
	Rows     []RankRow
	Flagged  []RankRow
	Missing  []store.Firm // firms without entered scores
}

// Ranking returns a period's stored assessment.
func (s *Service) Ranking(ctx context.Context, periodID int64) (Ranking, error) {
	return s.ranking(ctx, &s.store.Queries, periodID)
}

func (s *Service) ranking(ctx context.Context, q *store.Queries, periodID int64) (Ranking, error) {
	per, err := q.AssessmentPeriodByID(ctx, periodID)
	if err != nil {
		return Ranking{}, err
	}
	rk := Ranking{Period: per}
	if rk.Criteria, err = PeriodCriteria(per); err != nil {
		return Ranking{}, err
	}
	if err := s.fillInputs(ctx, q, &rk); err != nil {
		return Ranking{}, err
	}
	rows, err := q.FirmAssessments(ctx, periodID)
	if err != nil {
		return Ranking{}, err
	}
	for _, a := range rows {
		r := RankRow{FirmAssessment: a}
		if a.Metrics != "" {
			if err := json.Unmarshal([]byte(a.Metrics), &r.Metrics); err != nil {
				return Ranking{}, fmt.Errorf("assessment %d metrics: %w", a.ID, err)
			}
		}
		rk.Rows = append(rk.Rows, r)
		if a.Flagged {
			rk.Flagged = append(rk.Flagged, r)
		}
	}
	// Worst first, as assign.Flag orders them.
	slices.Reverse(rk.Flagged)
	return rk, nil
}

func (s *Service) fillInputs(ctx context.Context, q *store.Queries, rk *Ranking) error {
	firms, err := q.Firms(ctx, store.FirmFilter{})
	if err != nil {
		return err
	}
	for _, f := range firms {
		if f.Status != string(assign.Removed) {
			rk.Firms = append(rk.Firms, f)
		}
	}
	if rk.Inputs, err = q.AssessmentInputs(ctx, rk.Period.ID); err != nil {
		return err
	}
	rk.Missing = nil
	for _, f := range rk.Firms {
		if _, ok := rk.Inputs[f.OrgID]; !ok {
			rk.Missing = append(rk.Missing, f)
		}
	}
	return nil
}

// Compute scores every firm of the library (removed firms aside) for an
// open period: metrics counted in SQL over the period, entered scores,
// assign.Assess; ranks them and flags the bottom ones with evidence. It
// refuses while any firm lacks entered scores.
func (s *Service) Compute(ctx context.Context, p auth.Principal, periodID int64) (Ranking, error) {
	return s.recompute(ctx, p, periodID, "assessment_compute", "考核期已结束,不能重新计算", nil)
}

// recompute recomputes an open period's assessments in one transaction,
// lets then add its own writes and audit detail, appends the audit event
// action and returns the new ranking. closedMsg refuses a period closed
// already.
func (s *Service) recompute(ctx context.Context, p auth.Principal, periodID int64, action, closedMsg string,
	then func(q *store.Queries, rows []store.FirmAssessment, detail map[string]any, now time.Time) error) (Ranking, error) {
	if err := mayManage(p); err != nil {
		return Ranking{}, err
	}
	now := s.now().Truncate(time.Microsecond)
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		per, err := openPeriod(ctx, q, periodID, closedMsg)
		if err != nil {
			return err
		}
		rows, err := s.compute(ctx, q, per, p, now)
		if err != nil {
			return err
		}
		detail := rankingAudit(rows)
		if then != nil {
			if err := then(q, rows, detail, now); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: action,
			ObjectType: "assessment_period", ObjectID: audit.ID(periodID), Detail: detail})
		return err
	})
	if err != nil {
		return Ranking{}, err
	}
	return s.Ranking(ctx, periodID)
}

// openPeriod locks a period that is still open; closedMsg refuses one
// closed already.
func openPeriod(ctx context.Context, q *store.Queries, periodID int64, closedMsg string) (store.AssessmentPeriod, error) {
	per, err := q.LockAssessmentPeriod(ctx, periodID)
	if err != nil {
		return per, err
	}
	if per.Closed {
		return per, conflictErr("period_closed", closedMsg)
	}
	return per, nil
}

// compute writes the period's assessments inside q and returns them in rank order.
func (s *Service) compute(ctx context.Context, q *store.Queries, per store.AssessmentPeriod, p auth.Principal, now time.Time) ([]store.FirmAssessment, error) {
	rk := Ranking{Period: per}
	criteria, err := PeriodCriteria(per)
	if err != nil {
		return nil, err
	}
	if err := s.fillInputs(ctx, q, &rk); err != nil {
		return nil, err
	}
	if len(rk.Missing) > 0 {
		names := make([]string, len(rk.Missing))
		for i, f := range rk.Missing {
			names[i] = f.Name
		}
		return nil, conflictErr("scores_missing", "以下中介机构尚未录入真实性、报告质量得分:"+strings.Join(names, "、"))
	}
	loc := calendar.Location()
	from := time.Date(per.StartsOn.Year(), per.StartsOn.Month(), per.StartsOn.Day(), 0, 0, 0, 0, loc)
	to := time.Date(per.EndsOn.Year(), per.EndsOn.Month(), per.EndsOn.Day()+1, 0, 0, 0, 0, loc)
	counted, err := q.PeriodMetrics(ctx, from, to, now)
	if err != nil {
		return nil, fmt.Errorf("period metrics: %w", err)
	}
	type scored struct {
		firm    store.Firm
		metrics assign.Metrics
		a       assign.Assessment
	}
	var all []scored
	var ranked []assign.RankedAssessment
	for _, f := range rk.Firms {
		m, in := counted[f.OrgID], rk.Inputs[f.OrgID]
		m.Truthfulness, m.ReportQuality = in.Truthfulness, in.ReportQuality
		a, err := assign.Assess(m, criteria)
		if err != nil {
			return nil, fmt.Errorf("assess %s: %w", f.Name, err)
		}
		all = append(all, scored{f, m, a})
		ranked = append(ranked, assign.RankedAssessment{FirmID: f.OrgID, Name: f.Name, AdmittedAt: f.AdmittedAt, Assessment: a})
	}
	slices.SortStableFunc(all, func(x, y scored) int {
		if c := y.a.Total.Cmp(x.a.Total); c != 0 {
			return c
		}
		if c := x.firm.AdmittedAt.Compare(y.firm.AdmittedAt); c != 0 {
			return c
		}
		return cmp.Compare(x.firm.OrgID, y.firm.OrgID)
	})
	flags := map[int64]assign.Flagged{}
	for _, fl := range assign.Flag(ranked, per.BottomN, per.Threshold) {
		flags[fl.FirmID] = fl
	}
	if err := q.DeleteFirmAssessments(ctx, per.ID); err != nil {
		return nil, err
	}
	out := make([]store.FirmAssessment, 0, len(all))
	for i, sc := range all {
		mj, err := json.Marshal(sc.metrics)
		if err != nil {
			return nil, err
		}
		fl, flagged := flags[sc.firm.OrgID]
		fa := store.FirmAssessment{PeriodID: per.ID, PeriodName: per.Name, FirmID: sc.firm.OrgID, FirmName: sc.firm.Name,
			AdmittedAt: sc.firm.AdmittedAt, Timeliness: sc.a.Timeliness, Accuracy: sc.a.Accuracy, Truthfulness: sc.a.Truthfulness,
			ReportQuality: sc.a.ReportQuality, Total: sc.a.Total, Rank: i + 1, Flagged: flagged, Evidence: fl.Evidence,
			Metrics: string(mj), CreatedBy: p.UserID, CreatedAt: now}
		if err := q.UpsertFirmAssessment(ctx, fa); err != nil {
			return nil, err
		}
		out = append(out, fa)
	}
	if err := q.MarkPeriodComputed(ctx, per.ID, now); err != nil {
		return nil, err
	}
	return out, nil
}

func rankingAudit(rows []store.FirmAssessment) map[string]any {
	list := make([]map[string]any, len(rows))
	for i, r := range rows {
		list[i] = map[string]any{"firm_id": strconv.FormatInt(r.FirmID, 10), "rank": r.Rank, "total": r.Total.StringFixed(2),
			"flagged": r.Flagged}
	}
	return map[string]any{"ranking": list}
}

// Close recomputes a period one last time, closes it for good and writes
// each firm's total into firms.score, so that the rotation ranks firms by
// it from now on.
func (s *Service) Close(ctx context.Context, p auth.Principal, periodID int64) (Ranking, error) {
	return s.recompute(ctx, p, periodID, "assessment_close", "考核期已结束",
		func(q *store.Queries, rows []store.FirmAssessment, detail map[string]any, now time.Time) error {
			scores := make([]map[string]any, 0, len(rows))
			for _, r := range rows {
				before, err := q.FirmByID(ctx, r.FirmID)
				if err != nil {
					return err
				}
				if err := q.SetFirmScore(ctx, r.FirmID, r.Total); err != nil {
					return err
				}
				scores = append(scores, map[string]any{"firm_id": strconv.FormatInt(r.FirmID, 10),
					"before": before.Score.StringFixed(2), "after": r.Total.StringFixed(2)})
			}
			if err := q.ClosePeriod(ctx, periodID, p.UserID, now); err != nil {
				return err
			}
			detail["scores"] = scores
			return nil
		})
}

// History returns the assessments of the latest periods (the ranking history).
func (s *Service) History(ctx context.Context, periods int) ([]store.FirmAssessment, error) {
	return s.store.AssessmentHistory(ctx, periods)
}

func dateText(t time.Time) string { return t.Format("2006-01-02") }
