package store

import (
	"context"
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
	for _, k := range f.Kinds {
		if _, err := q.db.ExecContext(ctx, "INSERT INTO firm_kinds (firm_id, kind) VALUES (?, ?)", f.OrgID, k); err != nil {
			return translate(err)
		}
	}
	for _, j := range f.Jurisdictions {
		if _, err := q.db.ExecContext(ctx, "INSERT INTO firm_jurisdictions (firm_id, jurisdiction_id) VALUES (?, ?)", f.OrgID, j); err != nil {
			return translate(err)
		}
	}
	return nil
}

// InsertConflict declares a relation between a firm and a unit or contractor.
func (q *Queries) InsertConflict(ctx context.Context, firmID, orgID int64, relation string) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT INTO conflicts (firm_id, related_org_id, relation, declared_at) VALUES (?, ?, ?, ?)", firmID, orgID, relation, time.Now())
	return translate(err)
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
}

// InsertExpert adds an expert.
func (q *Queries) InsertExpert(ctx context.Context, e Expert) (int64, error) {
	res, err := q.db.ExecContext(ctx,
		"INSERT INTO experts (name, specialty, title, employer, user_id, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		e.Name, e.Specialty, e.Title, e.Employer, nullInt(e.UserID), e.Active, time.Now())
	if err != nil {
		return 0, translate(err)
	}
	return res.LastInsertId()
}
