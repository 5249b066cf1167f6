package store

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"finreview/workflow"
)

// Read-side queries of the dashboard and the monthly bulletin. They only
// sum and count; rates and shaping live in package report. Periods are
// half-open [from, to).

// ConcludedRow is the totals of concluded reviews of one kind, jurisdiction
// and size band (band = number of thresholds the submitted amount reaches).
type ConcludedRow struct {
	Kind             string
	JurisdictionID   int64
	JurisdictionName string
	Band             int
	Count            int
	Submitted        decimal.Decimal
	Audited          decimal.Decimal
	// Imported counts the reviews among Count imported from the
	// registers kept before go-live.
	Imported int
}

// bandExpr is the SQL of the size band of r.submitted_amount for the
// ascending thresholds (the band index, 0 … len(thresholds)).
func bandExpr(thresholds []decimal.Decimal) (string, []any) {
	if len(thresholds) == 0 {
		return "0", nil
	}
	expr := "(CASE"
	var args []any
	for i := len(thresholds) - 1; i >= 0; i-- {
		expr += fmt.Sprintf(" WHEN r.submitted_amount >= ? THEN %d", i+1)
		args = append(args, thresholds[i])
	}
	return expr + " ELSE 0 END)", args
}

// ConcludedTotals sums the reviews concluded in [from, to) by kind,
// jurisdiction and size band. A concluded review without an audited amount
// counts as audited at its submitted amount (no reduction).
func (q *Queries) ConcludedTotals(ctx context.Context, sc Scope, from, to time.Time, thresholds []decimal.Decimal) ([]ConcludedRow, error) {
	w, args := sc.reviewWhere()
	band, bandArgs := bandExpr(thresholds)
	// Summed over the reviews alone; the jurisdictions' names are joined
	// to the groups (see ConcludedBy).
	query := `SELECT g.kind, g.jurisdiction_id, j.name, g.band, g.n, g.submitted, g.audited, g.imported
		FROM (SELECT r.kind, r.jurisdiction_id, ` + band + ` AS band, COUNT(*) AS n,
		    COALESCE(SUM(r.submitted_amount),0) AS submitted, COALESCE(SUM(COALESCE(r.audited_amount, r.submitted_amount)),0) AS audited,
		    COALESCE(SUM(r.import_id IS NOT NULL),0) AS imported
		  FROM ` + sc.reviewsFrom() + `
		  WHERE ` + w + ` AND r.concluded_at >= ? AND r.concluded_at < ?
		  GROUP BY r.kind, r.jurisdiction_id, band) g JOIN jurisdictions j ON j.id = g.jurisdiction_id
		ORDER BY g.kind, g.jurisdiction_id, g.band`
	all := append(append(bandArgs, args...), from, to)
	out, err := queryAll(ctx, q.db, func(s scanner) (ConcludedRow, error) {
		var c ConcludedRow
		err := s.Scan(&c.Kind, &c.JurisdictionID, &c.JurisdictionName, &c.Band, &c.Count, &c.Submitted, &c.Audited, &c.Imported)
		return c, err
	}, query, all...)
	if err != nil {
		return nil, fmt.Errorf("concluded totals: %w", err)
	}
	return out, nil
}

// ReceivedRow counts the reviews submitted (报送) in a period, by kind.
type ReceivedRow struct {
	Kind      string
	Count     int
	Submitted decimal.Decimal
}

// ReceivedTotals counts reviews first submitted in [from, to), by kind.
func (q *Queries) ReceivedTotals(ctx context.Context, sc Scope, from, to time.Time) ([]ReceivedRow, error) {
	w, args := sc.reviewWhere()
	out, err := queryAll(ctx, q.db, func(s scanner) (ReceivedRow, error) {
		var r ReceivedRow
		err := s.Scan(&r.Kind, &r.Count, &r.Submitted)
		return r, err
	}, `SELECT r.kind, COUNT(*), COALESCE(SUM(r.submitted_amount),0)
		FROM `+sc.reviewsFrom()+`
		WHERE `+w+` AND r.submitted_at >= ? AND r.submitted_at < ? GROUP BY r.kind ORDER BY r.kind`, append(args, from, to)...)
	if err != nil {
		return nil, fmt.Errorf("received totals: %w", err)
	}
	return out, nil
}

// ReturnedReview is one 退审 in a period.
type ReturnedReview struct {
	ReviewID         int64
	ProjectCode      string
	ProjectName      string
	JurisdictionName string
	UnitName         string
	Kind             string
	Submitted        decimal.Decimal
	At               time.Time
	ActorName        string
	Reason           string
}

// ReturnedReviews lists the return transitions recorded in [from, to).
func (q *Queries) ReturnedReviews(ctx context.Context, sc Scope, from, to time.Time) ([]ReturnedReview, error) {
	w, args := sc.reviewWhere()
	out, err := queryAll(ctx, q.db, func(s scanner) (ReturnedReview, error) {
		var r ReturnedReview
		err := s.Scan(&r.ReviewID, &r.ProjectCode, &r.ProjectName, &r.JurisdictionName, &r.UnitName, &r.Kind,
			&r.Submitted, &r.At, &r.ActorName, &r.Reason)
		return r, err
	}, `SELECT r.id, p.code, p.name, j.name, u.name, r.kind, r.submitted_amount, e.at, e.actor_name, e.reason
		FROM review_events e JOIN reviews r ON r.id = e.review_id JOIN projects p ON p.id = r.project_id
		  JOIN jurisdictions j ON j.id = r.jurisdiction_id JOIN organizations u ON u.id = r.unit_org_id
		WHERE `+w+` AND e.trig = ? AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id`,
		append(args, workflow.Return, from, to)...)
	if err != nil {
		return nil, fmt.Errorf("returned reviews: %w", err)
	}
	return out, nil
}

// OverdueItem is a deadline that passed before it was met.
type OverdueItem struct {
	ReviewID         int64
	ProjectName      string
	JurisdictionName string
	FirmName         string
	DeadlineKind     string
	State            workflow.State
	DueAt            time.Time
}

// BulletinOverdue lists the deadlines due in [from, to) that had passed by
// now: fired (passed and handled) or still pending; a cancelled deadline
// was met (the review moved on in time) and a paused one is suspended.
func (q *Queries) BulletinOverdue(ctx context.Context, sc Scope, from, to, now time.Time, limit int) ([]OverdueItem, int, error) {
	w, args := sc.reviewWhere()
	base := ` FROM deadlines d JOIN reviews r ON r.id = d.review_id JOIN projects p ON p.id = r.project_id
		  JOIN jurisdictions j ON j.id = r.jurisdiction_id LEFT JOIN organizations f ON f.id = r.firm_id
		WHERE ` + w + ` AND d.state IN ('pending','fired') AND d.due_at >= ? AND d.due_at < ? AND d.due_at < ?`
	args = append(args, from, to, now)
	var total int
	if err := q.db.QueryRowContext(ctx, "SELECT COUNT(*)"+base, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count overdue: %w", err)
	}
	if limit <= 0 {
		limit = 100
	}
	out, err := queryAll(ctx, q.db, func(s scanner) (OverdueItem, error) {
		var o OverdueItem
		err := s.Scan(&o.ReviewID, &o.ProjectName, &o.JurisdictionName, &o.FirmName, &o.DeadlineKind, &o.State, &o.DueAt)
		return o, err
	}, `SELECT r.id, p.name, j.name, COALESCE(f.name,''), d.kind, r.state, d.due_at`+base+` ORDER BY d.due_at, d.id LIMIT ?`,
		append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("overdue deadlines: %w", err)
	}
	return out, total, nil
}

// FeeTotals sums fee statements.
type FeeTotals struct {
	Count           int
	TotalFee        decimal.Decimal
	ContractorShare decimal.Decimal
	FinanceShare    decimal.Decimal
	Paid            decimal.Decimal
	Owed            decimal.Decimal
}

// FeeTotalsBetween sums the fee statements computed in [from, to).
func (q *Queries) FeeTotalsBetween(ctx context.Context, sc Scope, from, to time.Time) (FeeTotals, error) {
	w, args := sc.reviewWhere()
	// A scope that sees every review needs no review to sum a statement
	// (each has one): the sums then read idx_fee_statements_computed alone.
	tables := "fee_statements s"
	if !sc.All {
		tables = sc.reviewsFrom() + " JOIN fee_statements s ON s.review_id = r.id"
	}
	var t FeeTotals
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(s.total_fee),0), COALESCE(SUM(s.contractor_share),0),
		  COALESCE(SUM(s.finance_share),0), COALESCE(SUM(CASE WHEN s.paid_at IS NOT NULL THEN s.total_fee ELSE 0 END),0),
		  COALESCE(SUM(CASE WHEN s.paid_at IS NULL THEN s.total_fee ELSE 0 END),0)
		FROM `+tables+` WHERE `+w+` AND s.computed_at >= ? AND s.computed_at < ?`, append(args, from, to)...).
		Scan(&t.Count, &t.TotalFee, &t.ContractorShare, &t.FinanceShare, &t.Paid, &t.Owed)
	if err != nil {
		return FeeTotals{}, fmt.Errorf("fee totals: %w", err)
	}
	return t, nil
}

// StateKindCount counts visible reviews of one state and kind.
type StateKindCount struct {
	State     workflow.State
	Kind      string
	Suspended bool
	Count     int
}

// ReviewCountsByStateKind counts the visible reviews per state and kind.
func (q *Queries) ReviewCountsByStateKind(ctx context.Context, sc Scope) ([]StateKindCount, error) {
	w, args := sc.reviewWhere()
	out, err := queryAll(ctx, q.db, func(s scanner) (StateKindCount, error) {
		var c StateKindCount
		err := s.Scan(&c.State, &c.Kind, &c.Suspended, &c.Count)
		return c, err
	}, `SELECT r.state, r.kind, r.suspended, COUNT(*)
		FROM `+sc.reviewsFrom()+` WHERE `+w+` GROUP BY r.state, r.kind, r.suspended`, args...)
	if err != nil {
		return nil, fmt.Errorf("review counts: %w", err)
	}
	return out, nil
}

// GroupTotals is the sum of concluded reviews of one group (a year, a unit,
// a firm).
type GroupTotals struct {
	Key       string
	Count     int
	Submitted decimal.Decimal
	Audited   decimal.Decimal
}

// Groupings of ConcludedBy.
const (
	ByYear         = "year"
	ByUnit         = "unit"
	ByFirm         = "firm"
	ByKind         = "kind"
	ByJurisdiction = "jurisdiction"
)

// ConcludedBy sums all visible concluded reviews by year of conclusion,
// unit, firm, kind or jurisdiction, largest submitted amount first (years
// in order).
func (q *Queries) ConcludedBy(ctx context.Context, sc Scope, by string, limit int) ([]GroupTotals, error) {
	// Summed over the reviews alone, by id; the names are joined to the
	// few groups, not to every review (a look-up each: 340 ms against
	// 15 ms for the years of 40,000 concluded reviews).
	var group, label, join, order string
	switch by {
	case ByYear:
		group, label, order = "YEAR(r.concluded_at)", "CAST(g.k AS CHAR)", "g.k"
	case ByUnit:
		group, label, join, order = "r.unit_org_id", "u.name", " JOIN organizations u ON u.id = g.k", "g.submitted DESC, 1"
	case ByFirm:
		group, label, join, order = "r.firm_id", "COALESCE(f.name,'')", " LEFT JOIN organizations f ON f.id = g.k", "g.submitted DESC, 1"
	case ByKind:
		group, label, order = "r.kind", "g.k", "g.k"
	case ByJurisdiction:
		group, label, join, order = "r.jurisdiction_id", "j.name", " JOIN jurisdictions j ON j.id = g.k", "j.sort_order, j.id"
	default:
		return nil, fmt.Errorf("concluded by %q: unknown grouping", by)
	}
	if limit <= 0 {
		limit = 1000
	}
	w, args := sc.reviewWhere()
	out, err := queryAll(ctx, q.db, func(s scanner) (GroupTotals, error) {
		var g GroupTotals
		err := s.Scan(&g.Key, &g.Count, &g.Submitted, &g.Audited)
		return g, err
	}, `SELECT `+label+`, g.n, g.submitted, g.audited
		FROM (SELECT `+group+` AS k, COUNT(*) AS n, COALESCE(SUM(r.submitted_amount),0) AS submitted,
		    COALESCE(SUM(COALESCE(r.audited_amount, r.submitted_amount)),0) AS audited
		  FROM `+sc.reviewsFrom()+` WHERE `+w+` AND r.concluded_at IS NOT NULL GROUP BY `+group+`) g`+join+`
		ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("concluded by %s: %w", by, err)
	}
	return out, nil
}

// FeeTotalsAll sums every visible fee statement.
func (q *Queries) FeeTotalsAll(ctx context.Context, sc Scope) (FeeTotals, error) {
	return q.FeeTotalsBetween(ctx, sc, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
}

// overdueStates maps a deadline kind to the review states it runs in: a
// passed deadline is overdue while the review is still there.
const overdueStates = `((d.kind = 'intake' AND r.state IN ('notified'))
	OR (d.kind = 'report' AND r.state IN ('delegated','in_review','reconciling'))
	OR (d.kind = 'opinion' AND r.state IN ('opinion_sent')))`

// CountOverdueNow counts the reviews' latest deadlines of each kind already
// past due, pending or fired, whose review has not moved on nor is suspended.
func (q *Queries) CountOverdueNow(ctx context.Context, sc Scope, now time.Time) (int, error) {
	w, args := sc.reviewWhere()
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deadlines d JOIN reviews r ON r.id = d.review_id
		JOIN projects p ON p.id = r.project_id WHERE `+w+` AND d.state IN ('pending','fired') AND d.due_at < ?
		AND NOT r.suspended AND `+overdueStates+`
		AND d.id = (SELECT MAX(d2.id) FROM deadlines d2 WHERE d2.review_id = d.review_id AND d2.kind = d.kind)`, append(args, now)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count overdue: %w", err)
	}
	return n, nil
}

// SetUserActive activates or deactivates a user; deactivation also ends the
// user's sessions and API tokens, so the change takes effect at once.
func (q *Queries) SetUserActive(ctx context.Context, userID int64, active bool) error {
	res, err := q.db.ExecContext(ctx, "UPDATE users SET active = ? WHERE id = ?", active, userID)
	if err != nil {
		return fmt.Errorf("set user active: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := q.User(ctx, userID); err != nil {
			return err
		}
	}
	if active {
		return nil
	}
	if _, err := q.db.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if _, err := q.db.ExecContext(ctx, "DELETE FROM api_tokens WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("end tokens: %w", err)
	}
	return nil
}

// KindLabel names the deadline's kind in Chinese.
func (o OverdueItem) KindLabel() string {
	switch o.DeadlineKind {
	case "intake":
		return "受理期限"
	case "report":
		return "评审报告期限"
	case "opinion":
		return "征求意见签署期限"
	}
	return o.DeadlineKind
}
