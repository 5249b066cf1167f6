package store

import (
	"context"
	"strings"
)

const expertColumns = "id, name, specialty, title, employer, COALESCE(user_id,0), active, created_at"

// ExpertFilter narrows the expert list.
type ExpertFilter struct {
	Specialty  string // "" = any
	Search     string // part of the name or employer
	ActiveOnly bool
}

// Experts lists the expert library by specialty, then name.
func (q *Queries) Experts(ctx context.Context, f ExpertFilter) ([]Expert, error) {
	query := "SELECT " + expertColumns + " FROM experts WHERE 1=1"
	var args []any
	if f.Specialty != "" {
		query += " AND specialty = ?"
		args = append(args, f.Specialty)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		query += " AND (name LIKE ? OR employer LIKE ?)"
		like := "%" + escapeLike(s) + "%"
		args = append(args, like, like)
	}
	if f.ActiveOnly {
		query += " AND active"
	}
	return queryAll(ctx, q.db, scanExpert, query+" ORDER BY specialty, name, id", args...)
}

func scanExpert(s scanner) (Expert, error) {
	var e Expert
	err := s.Scan(&e.ID, &e.Name, &e.Specialty, &e.Title, &e.Employer, &e.UserID, &e.Active, &e.CreatedAt)
	return e, err
}

// ExpertByID loads one expert.
func (q *Queries) ExpertByID(ctx context.Context, id int64) (Expert, error) {
	return queryRow(ctx, q.db, scanExpert, "SELECT "+expertColumns+" FROM experts WHERE id = ?", id)
}

// ExpertSpecialties lists the specialties in use.
func (q *Queries) ExpertSpecialties(ctx context.Context) ([]string, error) {
	return queryAll(ctx, q.db, scanValue[string], "SELECT DISTINCT specialty FROM experts ORDER BY specialty")
}

// SetExpertActive enables or disables an expert.
func (q *Queries) SetExpertActive(ctx context.Context, id int64, active bool) error {
	res, err := q.db.ExecContext(ctx, "UPDATE experts SET active = ? WHERE id = ?", active, id)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		return translate(q.db.QueryRowContext(ctx, "SELECT 1 FROM experts WHERE id = ?", id).Scan(&one))
	}
	return nil
}
