package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Firm is an intermediary firm of the firm library (入围中介机构库).
type Firm struct {
	OrgID         int64
	Name          string
	Qualification string
	Status        string
	StatusReason  string
	StatusSince   time.Time
	Capacity      int
	Score         decimal.Decimal
	AdmittedAt    time.Time
	Kinds         []string
	Jurisdictions []int64
	OpenReviews   int
	// Contacts, from the firm's organization row.
	CreditCode       string
	ContactPerson    string
	ContactPhone     string
	Address          string
	HomeJurisdiction int64
}

// OpenReviewStates are the states in which a delegated review still takes
// up one of its firm's places (capacity).
var OpenReviewStates = []string{"delegated", "in_review", "reconciling", "center_check", "opinion_sent", "disputed",
	"expert_review", "signed", "deemed_agreed", "unilateral", "appeal"}

// openStatesSQL is OpenReviewStates as an SQL list of literals.
func openStatesSQL() string {
	return "'" + strings.Join(OpenReviewStates, "','") + "'"
}

// InsertFirm adds the firm row for an organization of kind firm, with its
// review kinds and jurisdictions.
func (q *Queries) InsertFirm(ctx context.Context, f Firm) error {
	if _, err := q.db.ExecContext(ctx,
		`INSERT INTO firms (org_id, qualification, status, status_reason, status_since, capacity, score, admitted_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		f.OrgID, f.Qualification, f.Status, f.StatusReason, f.AdmittedAt, f.Capacity, f.Score, f.AdmittedAt); err != nil {
		return translate(err)
	}
	return q.setFirmLists(ctx, f.OrgID, f.Kinds, f.Jurisdictions)
}

// setFirmLists replaces the firm's review kinds and jurisdictions.
func (q *Queries) setFirmLists(ctx context.Context, firmID int64, kinds []string, jurisdictions []int64) error {
	if _, err := q.db.ExecContext(ctx, "DELETE FROM firm_kinds WHERE firm_id = ?", firmID); err != nil {
		return err
	}
	if _, err := q.db.ExecContext(ctx, "DELETE FROM firm_jurisdictions WHERE firm_id = ?", firmID); err != nil {
		return err
	}
	for _, k := range kinds {
		if _, err := q.db.ExecContext(ctx, "INSERT IGNORE INTO firm_kinds (firm_id, kind) VALUES (?, ?)", firmID, k); err != nil {
			return translate(err)
		}
	}
	for _, j := range jurisdictions {
		if _, err := q.db.ExecContext(ctx, "INSERT IGNORE INTO firm_jurisdictions (firm_id, jurisdiction_id) VALUES (?, ?)", firmID, j); err != nil {
			return translate(err)
		}
	}
	return nil
}

// UpdateFirm writes the firm's library data (not its status or score), its
// organization's name and contacts, and replaces its kinds and jurisdictions.
func (q *Queries) UpdateFirm(ctx context.Context, f Firm) error {
	res, err := q.db.ExecContext(ctx, "UPDATE firms SET qualification = ?, capacity = ?, admitted_at = ? WHERE org_id = ?",
		f.Qualification, f.Capacity, f.AdmittedAt, f.OrgID)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		if err := q.db.QueryRowContext(ctx, "SELECT 1 FROM firms WHERE org_id = ?", f.OrgID).Scan(&one); err != nil {
			return translate(err)
		}
	}
	_, err = q.db.ExecContext(ctx,
		`UPDATE organizations SET name = ?, credit_code = ?, contact_person = ?, contact_phone = ?, address = ?
		 WHERE id = ? AND kind = 'firm'`,
		f.Name, nullString(f.CreditCode), nullString(f.ContactPerson), nullString(f.ContactPhone), nullString(f.Address), f.OrgID)
	q.organizationsWritten()
	if err != nil {
		return translate(err)
	}
	return q.setFirmLists(ctx, f.OrgID, f.Kinds, f.Jurisdictions)
}

const firmColumns = `f.org_id, o.name, f.qualification, f.status, f.status_reason, f.status_since, f.capacity, f.score,
	f.admitted_at, COALESCE(o.credit_code,''), COALESCE(o.contact_person,''), COALESCE(o.contact_phone,''),
	COALESCE(o.address,''), o.jurisdiction_id,
	(SELECT COUNT(*) FROM reviews r WHERE r.firm_id = f.org_id AND r.state IN (` + "%s" + `))`

func firmSelect() string {
	return "SELECT " + fmt.Sprintf(firmColumns, openStatesSQL()) + " FROM firms f JOIN organizations o ON o.id = f.org_id"
}

func scanFirm(s scanner) (Firm, error) {
	var f Firm
	err := s.Scan(&f.OrgID, &f.Name, &f.Qualification, &f.Status, &f.StatusReason, &f.StatusSince, &f.Capacity, &f.Score,
		&f.AdmittedAt, &f.CreditCode, &f.ContactPerson, &f.ContactPhone, &f.Address, &f.HomeJurisdiction, &f.OpenReviews)
	return f, err
}

// FirmFilter narrows a firm list.
type FirmFilter struct {
	JurisdictionID int64  // 0 = every jurisdiction
	Status         string // "" = any
	Search         string // part of the name
}

// Firms lists firms with their kinds, jurisdictions and open reviews,
// ordered by score (highest first), then admission, then id.
func (q *Queries) Firms(ctx context.Context, f FirmFilter) ([]Firm, error) {
	query := firmSelect() + " WHERE 1=1"
	var args []any
	if f.JurisdictionID != 0 {
		query += " AND EXISTS (SELECT 1 FROM firm_jurisdictions fj WHERE fj.firm_id = f.org_id AND fj.jurisdiction_id = ?)"
		args = append(args, f.JurisdictionID)
	}
	if f.Status != "" {
		query += " AND f.status = ?"
		args = append(args, f.Status)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		query += " AND o.name LIKE ?"
		args = append(args, "%"+escapeLike(s)+"%")
	}
	out, err := queryAll(ctx, q.db, scanFirm, query+" ORDER BY f.score DESC, f.admitted_at, f.org_id", args...)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	byID := make(map[int64]int, len(out))
	for i, f := range out {
		byID[f.OrgID] = i
	}
	if err := q.fillFirmLists(ctx, out, byID); err != nil {
		return nil, err
	}
	return out, nil
}

func (q *Queries) fillFirmLists(ctx context.Context, firms []Firm, byID map[int64]int) error {
	ids := make([]any, 0, len(firms))
	for _, f := range firms {
		ids = append(ids, f.OrgID)
	}
	in := "(" + placeholders(len(ids)) + ")"
	err := queryPairs(ctx, q.db, func(id int64, kind string) error {
		f := &firms[byID[id]]
		f.Kinds = append(f.Kinds, kind)
		return nil
	}, "SELECT firm_id, kind FROM firm_kinds WHERE firm_id IN "+in+" ORDER BY firm_id, kind", ids...)
	if err != nil {
		return err
	}
	return queryPairs(ctx, q.db, func(id, jurisdiction int64) error {
		f := &firms[byID[id]]
		f.Jurisdictions = append(f.Jurisdictions, jurisdiction)
		return nil
	}, "SELECT firm_id, jurisdiction_id FROM firm_jurisdictions WHERE firm_id IN "+in+" ORDER BY firm_id, jurisdiction_id", ids...)
}

// FirmByID loads one firm with its kinds, jurisdictions and open reviews.
func (q *Queries) FirmByID(ctx context.Context, id int64) (Firm, error) {
	f, err := queryRow(ctx, q.db, scanFirm, firmSelect()+" WHERE f.org_id = ?", id)
	if err != nil {
		return Firm{}, err
	}
	list := []Firm{f}
	if err := q.fillFirmLists(ctx, list, map[int64]int{id: 0}); err != nil {
		return Firm{}, err
	}
	return list[0], nil
}

// FirmStatusChange is one row of a firm's status history.
type FirmStatusChange struct {
	ID          int64
	FirmID      int64
	Status      string
	Reason      string
	ChangedBy   int64
	ChangedName string
	ChangedAt   time.Time
}

// SetFirmStatus changes the firm's status and records it in the history.
func (q *Queries) SetFirmStatus(ctx context.Context, firmID int64, status, reason string, by int64, at time.Time) error {
	res, err := q.db.ExecContext(ctx, "UPDATE firms SET status = ?, status_reason = ?, status_since = ? WHERE org_id = ?",
		status, reason, at, firmID)
	if err := changed(res, err, ErrNotFound); err != nil {
		return err
	}
	_, err = q.db.ExecContext(ctx,
		"INSERT INTO firm_status_history (firm_id, status, reason, changed_by, changed_at) VALUES (?, ?, ?, ?, ?)",
		firmID, status, reason, nullInt(by), at)
	return translate(err)
}

// FirmStatusHistory lists a firm's status changes, newest first.
func (q *Queries) FirmStatusHistory(ctx context.Context, firmID int64) ([]FirmStatusChange, error) {
	return queryAll(ctx, q.db, func(s scanner) (FirmStatusChange, error) {
		var c FirmStatusChange
		err := s.Scan(&c.ID, &c.FirmID, &c.Status, &c.Reason, &c.ChangedBy, &c.ChangedName, &c.ChangedAt)
		return c, err
	}, `SELECT h.id, h.firm_id, h.status, h.reason, COALESCE(h.changed_by,0), COALESCE(u.display_name,''), h.changed_at
		 FROM firm_status_history h LEFT JOIN users u ON u.id = h.changed_by
		 WHERE h.firm_id = ? ORDER BY h.changed_at DESC, h.id DESC`, firmID)
}

// SetFirmScore writes the firm's current assessment score (used by the rotation).
func (q *Queries) SetFirmScore(ctx context.Context, firmID int64, score decimal.Decimal) error {
	_, err := q.db.ExecContext(ctx, "UPDATE firms SET score = ? WHERE org_id = ?", score.Round(2), firmID)
	return translate(err)
}

// InsertConflict declares a relation between a firm and a unit or contractor.
func (q *Queries) InsertConflict(ctx context.Context, firmID, orgID int64, relation string) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO conflicts (firm_id, related_org_id, relation, declared_at) VALUES (?, ?, ?, ?)", firmID, orgID, relation, time.Now())
	return translate(err)
}

// Conflict is a declared relation (关联关系) of a firm.
type Conflict struct {
	ID         int64
	FirmID     int64
	OrgID      int64
	OrgName    string
	OrgKind    string
	Relation   string
	DeclaredAt time.Time
}

// Conflicts lists the declared relations of the given firms (all firms when none given).
func (q *Queries) Conflicts(ctx context.Context, firmIDs ...int64) ([]Conflict, error) {
	query := `SELECT c.id, c.firm_id, c.related_org_id, o.name, o.kind, c.relation, c.declared_at
		FROM conflicts c JOIN organizations o ON o.id = c.related_org_id`
	var args []any
	if len(firmIDs) > 0 {
		query += " WHERE c.firm_id IN (" + placeholders(len(firmIDs)) + ")"
		for _, id := range firmIDs {
			args = append(args, id)
		}
	}
	return queryAll(ctx, q.db, func(s scanner) (Conflict, error) {
		var c Conflict
		err := s.Scan(&c.ID, &c.FirmID, &c.OrgID, &c.OrgName, &c.OrgKind, &c.Relation, &c.DeclaredAt)
		return c, err
	}, query+" ORDER BY c.firm_id, c.declared_at, c.id", args...)
}

// FirmStats are a firm's figures over all its concluded reviews.
type FirmStats struct {
	// Done lists the delegated and concluded reviews: when delegated and
	// concluded, amounts submitted and audited.
	Done []DoneReview
	// Overdue counts the firm's report deadlines that passed unmet.
	Overdue int
	// Open counts its reviews in progress.
	Open int
}

// DoneReview is one concluded review of a firm.
type DoneReview struct {
	ReviewID    int64
	DelegatedAt time.Time
	ConcludedAt time.Time
	Submitted   decimal.Decimal
	Audited     decimal.NullDecimal
	// Imported marks a review brought in from the old registers.
	Imported bool
}

// FirmStatsRows reads what the firm statistics are computed from, over
// the firm's reviews the scope sees: a county's staff see the firm's work
// in their county, never the city-wide totals.
func (q *Queries) FirmStatsRows(ctx context.Context, sc Scope, firmID int64) (FirmStats, error) {
	var st FirmStats
	w, scopeArgs := sc.reviewIDsIn("id")
	done, err := queryAll(ctx, q.db, func(s scanner) (DoneReview, error) {
		var d DoneReview
		err := s.Scan(&d.ReviewID, &d.DelegatedAt, &d.ConcludedAt, &d.Submitted, &d.Audited, &d.Imported)
		return d, err
	}, `SELECT id, delegated_at, concluded_at, submitted_amount, audited_amount, import_id IS NOT NULL FROM reviews
		 WHERE firm_id = ? AND concluded_at IS NOT NULL AND delegated_at IS NOT NULL AND `+w+` ORDER BY concluded_at`,
		append([]any{firmID}, scopeArgs...)...)
	if err != nil {
		return st, err
	}
	st.Done = done
	if err := q.db.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM reviews WHERE firm_id = ? AND state IN ("+openStatesSQL()+") AND "+w,
		append([]any{firmID}, scopeArgs...)...).Scan(&st.Open); err != nil {
		return st, err
	}
	dw, dargs := sc.reviewIDsIn("g.review_id")
	err = q.db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM deadlines d JOIN delegations g ON `+deadlineDelegation+`
		 WHERE d.kind = 'report' AND d.fired_at IS NOT NULL AND g.firm_id = ? AND `+dw,
		append([]any{firmID}, dargs...)...).Scan(&st.Overdue)
	return st, err
}

// Expert is a member of the expert library.
type Expert struct {
	ID        int64
	Name      string
	Specialty string
	Title     string
	Employer  string
	UserID    int64
	Active    bool
	CreatedAt time.Time
}

// InsertExpert adds an expert.
func (q *Queries) InsertExpert(ctx context.Context, e Expert) (int64, error) {
	return q.insert(ctx,
		"INSERT INTO experts (name, specialty, title, employer, user_id, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		e.Name, e.Specialty, e.Title, e.Employer, nullInt(e.UserID), e.Active, time.Now())
}
