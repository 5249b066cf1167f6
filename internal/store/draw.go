package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/draw"
)

// Expert draws (专家抽取) for dispute and sample re-reviews, expert scores,
// archive records and the suspensions of a review as the timeline shows them.

// ExpertDraw is one recorded draw. Pool, Request and Excluded are JSON kept
// verbatim so that the draw can be recomputed later.
type ExpertDraw struct {
	ID           int64
	ReviewID     int64
	Purpose      string // dispute | sample
	Specialty    string
	Seed         uint64
	MainCount    int
	ReserveCount int
	MainIDs      []int64
	ReserveIDs   []int64
	Excluded     string // JSON [{id,name,reason}]
	Pool         string // JSON candidates as offered
	Request      string // JSON request
	RedrawNo     int
	DrawnBy      int64
	DrawnByName  string
	DrawnAt      time.Time
}

// JoinIDs writes ids as "1,2,3".
func JoinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// SplitIDs reads "1,2,3".
func SplitIDs(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad id %q: %w", f, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// InsertExpertDraw records a draw; a second draw with the same redraw
// number for the review and purpose is ErrDuplicate.
func (q *Queries) InsertExpertDraw(ctx context.Context, d ExpertDraw) (int64, error) {
	return q.insert(ctx,
		`INSERT INTO expert_draws (review_id, purpose, specialty, seed, main_count, reserve_count, main_ids, reserve_ids,
		 excluded, pool, request, redraw_no, drawn_by, drawn_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ReviewID, d.Purpose, d.Specialty, strconv.FormatUint(d.Seed, 10), d.MainCount, d.ReserveCount,
		JoinIDs(d.MainIDs), JoinIDs(d.ReserveIDs), d.Excluded, d.Pool, d.Request, d.RedrawNo, nullInt(d.DrawnBy), d.DrawnAt)
}

const drawColumns = `d.id, d.review_id, d.purpose, d.specialty, CAST(d.seed AS CHAR), d.main_count, d.reserve_count,
	d.main_ids, d.reserve_ids, d.excluded, d.pool, d.request, d.redraw_no, COALESCE(d.drawn_by,0), COALESCE(u.display_name,''), d.drawn_at`

func scanDraw(sc scanner) (ExpertDraw, error) {
	var d ExpertDraw
	var seed, mains, reserves string
	if err := sc.Scan(&d.ID, &d.ReviewID, &d.Purpose, &d.Specialty, &seed, &d.MainCount, &d.ReserveCount, &mains, &reserves,
		&d.Excluded, &d.Pool, &d.Request, &d.RedrawNo, &d.DrawnBy, &d.DrawnByName, &d.DrawnAt); err != nil {
		return d, translate(err)
	}
	var err error
	if d.Seed, err = strconv.ParseUint(seed, 10, 64); err != nil {
		return d, fmt.Errorf("draw %d seed: %w", d.ID, err)
	}
	if d.MainIDs, err = SplitIDs(mains); err != nil {
		return d, fmt.Errorf("draw %d: %w", d.ID, err)
	}
	if d.ReserveIDs, err = SplitIDs(reserves); err != nil {
		return d, fmt.Errorf("draw %d: %w", d.ID, err)
	}
	return d, nil
}

// ExpertDrawByID loads one draw.
func (q *Queries) ExpertDrawByID(ctx context.Context, id int64) (ExpertDraw, error) {
	return queryRow(ctx, q.db, scanDraw,
		"SELECT "+drawColumns+" FROM expert_draws d LEFT JOIN users u ON u.id = d.drawn_by WHERE d.id = ?", id)
}

// ExpertDraws lists a review's draws, oldest first.
func (q *Queries) ExpertDraws(ctx context.Context, reviewID int64) ([]ExpertDraw, error) {
	return queryAll(ctx, q.db, scanDraw, "SELECT "+drawColumns+" FROM expert_draws d LEFT JOIN users u ON u.id = d.drawn_by WHERE d.review_id = ? ORDER BY d.id", reviewID)
}

// RecentDrawnExpertIDs lists the experts (main and reserve) of the last n
// draws made for other reviews, newest first.
func (q *Queries) RecentDrawnExpertIDs(ctx context.Context, excludeReviewID int64, n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	var out []int64
	err := queryPairs(ctx, q.db, func(main, reserve string) error {
		ids, err := SplitIDs(main + "," + reserve)
		if err != nil {
			return err
		}
		out = append(out, ids...)
		return nil
	}, "SELECT main_ids, reserve_ids FROM expert_draws WHERE review_id <> ? ORDER BY id DESC LIMIT ?", excludeReviewID, n)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DrawCandidates lists the active experts of a specialty ("" = all) with
// their employer, firm, declared relations and how often they were drawn
// as main experts since since.
func (q *Queries) DrawCandidates(ctx context.Context, specialty string, since time.Time) ([]draw.Candidate, error) {
	query := `SELECT e.id, e.name, e.specialty, COALESCE(e.employer_org_id,0), COALESCE(e.firm_id,0),
		(SELECT COUNT(*) FROM review_experts re WHERE re.expert_id = e.id AND NOT re.reserve AND re.drawn_at >= ?)
		FROM experts e WHERE e.active`
	args := []any{since}
	if specialty != "" {
		query += " AND e.specialty = ?"
		args = append(args, specialty)
	}
	out, err := queryAll(ctx, q.db, func(s scanner) (draw.Candidate, error) {
		var c draw.Candidate
		err := s.Scan(&c.ID, &c.Name, &c.Specialty, &c.EmployerOrgID, &c.FirmID, &c.RecentDraws)
		return c, err
	}, query+" ORDER BY e.id", args...)
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(out))
	for i, c := range out {
		index[c.ID] = i
	}
	err = queryPairs(ctx, q.db, func(expert, org int64) error {
		if i, ok := index[expert]; ok {
			out[i].RelatedOrgIDs = append(out[i].RelatedOrgIDs, org)
		}
		return nil
	}, "SELECT expert_id, related_org_id FROM expert_relations ORDER BY expert_id, related_org_id")
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeclareExpertRelation records an expert's declared relation with an organization.
func (q *Queries) DeclareExpertRelation(ctx context.Context, expertID, orgID int64, relation string, at time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO expert_relations (expert_id, related_org_id, relation, declared_at) VALUES (?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE relation = VALUES(relation), declared_at = VALUES(declared_at)`, expertID, orgID, relation, at)
	return translate(err)
}

// SetExpertPlacement sets the expert's employer organization and firm (0 = none).
func (q *Queries) SetExpertPlacement(ctx context.Context, expertID, employerOrgID, firmID int64) error {
	_, err := q.db.ExecContext(ctx, "UPDATE experts SET employer_org_id = ?, firm_id = ? WHERE id = ?",
		nullInt(employerOrgID), nullInt(firmID), expertID)
	return translate(err)
}

// ExpertPlacement is where an expert works and which organizations the
// expert declared a relation with; the expert draw excludes an expert from
// the reviews of those organizations (回避).
type ExpertPlacement struct {
	ExpertID      int64
	EmployerOrgID int64
	EmployerName  string
	FirmID        int64
	FirmName      string
	Relations     []ExpertRelation
}

// ExpertRelation is one declared relation of an expert.
type ExpertRelation struct {
	OrgID      int64
	OrgName    string
	Relation   string
	DeclaredAt time.Time
}

// ExpertPlacements returns the placement of every expert that has an
// employer organization, a firm or a declared relation, by expert id.
func (q *Queries) ExpertPlacements(ctx context.Context) (map[int64]ExpertPlacement, error) {
	out, err := queryByKey(ctx, q.db, func(s scanner) (ExpertPlacement, error) {
		var p ExpertPlacement
		err := s.Scan(&p.ExpertID, &p.EmployerOrgID, &p.EmployerName, &p.FirmID, &p.FirmName)
		return p, err
	}, func(p ExpertPlacement) int64 { return p.ExpertID },
		`SELECT e.id, COALESCE(e.employer_org_id,0), COALESCE(eo.name,''), COALESCE(e.firm_id,0), COALESCE(fo.name,'')
		FROM experts e LEFT JOIN organizations eo ON eo.id = e.employer_org_id LEFT JOIN organizations fo ON fo.id = e.firm_id
		WHERE e.employer_org_id IS NOT NULL OR e.firm_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("expert placements: %w", err)
	}
	type relation struct {
		expert int64
		ExpertRelation
	}
	err = queryEach(ctx, q.db, func(s scanner) (relation, error) {
		var r relation
		err := s.Scan(&r.expert, &r.OrgID, &r.OrgName, &r.Relation, &r.DeclaredAt)
		return r, err
	}, func(r relation) error {
		p := out[r.expert]
		p.ExpertID = r.expert
		p.Relations = append(p.Relations, r.ExpertRelation)
		out[r.expert] = p
		return nil
	}, `SELECT r.expert_id, r.related_org_id, o.name, r.relation, r.declared_at
		FROM expert_relations r JOIN organizations o ON o.id = r.related_org_id ORDER BY r.expert_id, r.declared_at, r.related_org_id`)
	if err != nil {
		return nil, fmt.Errorf("expert relations: %w", err)
	}
	return out, nil
}

// AddDrawnExpert gives a drawn expert the review (main or reserve).
func (q *Queries) AddDrawnExpert(ctx context.Context, reviewID, expertID int64, purpose string, reserve bool, at time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO review_experts (review_id, expert_id, purpose, reserve, drawn_at) VALUES (?, ?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE reserve = VALUES(reserve), drawn_at = VALUES(drawn_at)`, reviewID, expertID, purpose, reserve, at)
	return translate(err)
}

// ReviewExpert is an expert drawn for a review.
type ReviewExpert struct {
	ExpertID  int64
	Name      string
	Specialty string
	Purpose   string
	Reserve   bool
	DrawnAt   time.Time
}

// ReviewExperts lists the experts drawn for a review.
func (q *Queries) ReviewExperts(ctx context.Context, reviewID int64) ([]ReviewExpert, error) {
	return queryAll(ctx, q.db, func(s scanner) (ReviewExpert, error) {
		var r ReviewExpert
		err := s.Scan(&r.ExpertID, &r.Name, &r.Specialty, &r.Purpose, &r.Reserve, &r.DrawnAt)
		return r, err
	}, `SELECT re.expert_id, e.name, e.specialty, re.purpose, re.reserve, re.drawn_at
		 FROM review_experts re JOIN experts e ON e.id = re.expert_id WHERE re.review_id = ? ORDER BY re.drawn_at, re.expert_id`, reviewID)
}

// ExpertScore is the Review Center's score of an expert after a re-review.
type ExpertScore struct {
	ReviewID     int64
	ExpertID     int64
	ExpertName   string
	Score        decimal.Decimal
	Comment      string
	ScoredBy     int64
	ScoredByName string
	At           time.Time
}

// InsertExpertScore records a score; a second score of the same expert on
// the same review is ErrDuplicate.
func (q *Queries) InsertExpertScore(ctx context.Context, s ExpertScore) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO expert_scores (review_id, expert_id, score, comment, scored_by, at) VALUES (?, ?, ?, ?, ?, ?)",
		s.ReviewID, s.ExpertID, s.Score, s.Comment, nullInt(s.ScoredBy), s.At)
	return translate(err)
}

// ExpertScores lists a review's expert scores.
func (q *Queries) ExpertScores(ctx context.Context, reviewID int64) ([]ExpertScore, error) {
	return queryAll(ctx, q.db, func(sc scanner) (ExpertScore, error) {
		var s ExpertScore
		err := sc.Scan(&s.ReviewID, &s.ExpertID, &s.ExpertName, &s.Score, &s.Comment, &s.ScoredBy, &s.ScoredByName, &s.At)
		return s, err
	}, `SELECT s.review_id, s.expert_id, e.name, s.score, s.comment, COALESCE(s.scored_by,0), COALESCE(u.display_name,''), s.at
		 FROM expert_scores s JOIN experts e ON e.id = s.expert_id LEFT JOIN users u ON u.id = s.scored_by
		 WHERE s.review_id = ? ORDER BY s.at, s.expert_id`, reviewID)
}

// ReReviewDone reports whether the review's expert work is over: a resolved
// dispute or a recorded sample re-review.
func (q *Queries) ReReviewDone(ctx context.Context, reviewID int64) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx,
		`SELECT (SELECT COUNT(*) FROM disputes WHERE review_id = ? AND resolved_at IS NOT NULL) +
		        (SELECT COUNT(*) FROM sample_rechecks WHERE review_id = ?)`, reviewID, reviewID).Scan(&n)
	return n > 0, err
}

// ArchiveRecord is the archive entry of a review (归档).
type ArchiveRecord struct {
	ReviewID        int64
	ArchiveNumber   string
	PaperReceivedOn time.Time
	ReceivedBy      string
	RetentionYears  int
	CreatedBy       int64
	CreatedAt       time.Time
}

// InsertArchiveRecord records the archive entry; a used archive number is ErrDuplicate.
func (q *Queries) InsertArchiveRecord(ctx context.Context, a ArchiveRecord) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO archive_records (review_id, archive_number, paper_received_on, received_by, retention_years, created_by, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.ReviewID, a.ArchiveNumber, a.PaperReceivedOn.Format("2006-01-02"), a.ReceivedBy, a.RetentionYears, nullInt(a.CreatedBy), a.CreatedAt)
	return translate(err)
}

// ArchiveRecordFor loads a review's archive entry (ErrNotFound if none).
func (q *Queries) ArchiveRecordFor(ctx context.Context, reviewID int64) (ArchiveRecord, error) {
	return queryRow(ctx, q.db, scanArchiveRecord,
		`SELECT review_id, archive_number, paper_received_on, received_by, retention_years, COALESCE(created_by,0), created_at
		 FROM archive_records WHERE review_id = ?`, reviewID)
}

func scanArchiveRecord(s scanner) (ArchiveRecord, error) {
	var a ArchiveRecord
	err := s.Scan(&a.ReviewID, &a.ArchiveNumber, &a.PaperReceivedOn, &a.ReceivedBy, &a.RetentionYears, &a.CreatedBy, &a.CreatedAt)
	return a, err
}

// ArchiveNumberUsed reports whether an archive number is taken.
func (q *Queries) ArchiveNumberUsed(ctx context.Context, number string) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM archive_records WHERE archive_number = ?", number).Scan(&n)
	return n > 0, err
}

// Suspension is one suspension (中止评审) of a review.
type Suspension struct {
	ID               int64
	ReviewID         int64
	Reason           string
	ExpectedWorkdays int
	StartedAt        time.Time
	EndedAt          sql.NullTime
}

// Suspensions lists a review's suspensions, oldest first.
func (q *Queries) Suspensions(ctx context.Context, reviewID int64) ([]Suspension, error) {
	return queryAll(ctx, q.db, scanSuspension,
		"SELECT id, review_id, reason, expected_workdays, started_at, ended_at FROM suspensions WHERE review_id = ? ORDER BY id", reviewID)
}

func scanSuspension(sc scanner) (Suspension, error) {
	var s Suspension
	err := sc.Scan(&s.ID, &s.ReviewID, &s.Reason, &s.ExpectedWorkdays, &s.StartedAt, &s.EndedAt)
	return s, err
}

// DocumentCounts counts a review's committed documents of a category,
// signed-and-sealed or not, committed at or after since (zero = all). Only
// the latest version of each document name counts: a signed new version
// replaces an unsigned one.
func (q *Queries) DocumentCounts(ctx context.Context, reviewID int64, category string, since time.Time) (signed, unsigned int, err error) {
	query := `SELECT COALESCE(SUM(d.signed_sealed),0), COALESCE(SUM(NOT d.signed_sealed),0) FROM documents d
		WHERE d.review_id = ? AND d.category = ? AND d.status = 'committed'
		AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.review_id = d.review_id AND n.category = d.category
		  AND n.name = d.name AND n.official = d.official AND n.status = 'committed' AND n.version > d.version)`
	args := []any{reviewID, category}
	if !since.IsZero() {
		query += " AND COALESCE(d.committed_at, d.created_at) >= ?"
		args = append(args, since)
	}
	err = q.db.QueryRowContext(ctx, query, args...).Scan(&signed, &unsigned)
	return signed, unsigned, err
}

// LastEventAt returns when trigger was last fired on the review in round
// (ok false if never).
func (q *Queries) LastEventAt(ctx context.Context, reviewID int64, trigger string, round int) (time.Time, bool, error) {
	var t sql.NullTime
	err := q.db.QueryRowContext(ctx, "SELECT MAX(at) FROM review_events WHERE review_id = ? AND trig = ? AND round = ?",
		reviewID, trigger, round).Scan(&t)
	return t.Time, t.Valid, err
}
