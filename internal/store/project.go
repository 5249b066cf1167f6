package store

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// Project is a government-funded construction project.
type Project struct {
	ID               int64
	Code             string
	Name             string
	JurisdictionID   int64
	UnitOrgID        int64
	DeptOrgID        int64
	FundingSource    string
	Category         string
	ApprovedEstimate decimal.Decimal
	KeyProject       bool
	CreatedBy        int64
	CreatedAt        time.Time
	// Read-only joins.
	JurisdictionName string
	UnitName         string
}

const projectColumns = `p.id, p.code, p.name, p.jurisdiction_id, p.unit_org_id, COALESCE(p.dept_org_id,0), p.funding_source,
	p.category, p.approved_estimate, p.key_project, COALESCE(p.created_by,0), p.created_at, j.name, u.name`

const projectFrom = ` FROM projects p JOIN jurisdictions j ON j.id = p.jurisdiction_id JOIN organizations u ON u.id = p.unit_org_id`

func scanProject(s scanner) (Project, error) {
	var p Project
	err := s.Scan(&p.ID, &p.Code, &p.Name, &p.JurisdictionID, &p.UnitOrgID, &p.DeptOrgID, &p.FundingSource,
		&p.Category, &p.ApprovedEstimate, &p.KeyProject, &p.CreatedBy, &p.CreatedAt, &p.JurisdictionName, &p.UnitName)
	return p, err
}

// InsertProject adds a project with its contractors.
func (q *Queries) InsertProject(ctx context.Context, p Project, contractorIDs []int64) (int64, error) {
	id, err := q.insert(ctx,
		`INSERT INTO projects (code, name, jurisdiction_id, unit_org_id, dept_org_id, funding_source, category,
		   approved_estimate, key_project, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Code, p.Name, p.JurisdictionID, p.UnitOrgID, nullInt(p.DeptOrgID), p.FundingSource, p.Category,
		p.ApprovedEstimate, p.KeyProject, nullInt(p.CreatedBy), time.Now())
	if err != nil {
		return 0, err
	}
	for _, c := range contractorIDs {
		if _, err := q.db.ExecContext(ctx,
			"INSERT INTO project_contractors (project_id, contractor_org_id) VALUES (?, ?)", id, c); err != nil {
			return 0, translate(err)
		}
	}
	return id, nil
}

// Project loads one project within a scope.
func (q *Queries) Project(ctx context.Context, sc Scope, id int64) (Project, error) {
	w, args := sc.projectWhere()
	return queryRow(ctx, q.db, scanProject, "SELECT "+projectColumns+projectFrom+" WHERE p.id = ? AND "+w,
		append([]any{id}, args...)...)
}

// ProjectByCode loads a project by its code (no scope: for seeding and uniqueness checks).
func (q *Queries) ProjectByCode(ctx context.Context, code string) (Project, error) {
	return queryRow(ctx, q.db, scanProject, "SELECT "+projectColumns+projectFrom+" WHERE p.code = ?", code)
}

// Projects lists projects within a scope, newest first.
func (q *Queries) Projects(ctx context.Context, sc Scope, search string, limit, offset int) ([]Project, int, error) {
	w, args := sc.projectWhere()
	if search != "" {
		w += " AND (p.name LIKE ? OR p.code LIKE ?)"
		like := "%" + escapeLike(search) + "%"
		args = append(args, like, like)
	}
	var total int
	if err := q.db.QueryRowContext(ctx, "SELECT COUNT(*)"+projectFrom+" WHERE "+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, q.db, scanProject, "SELECT "+projectColumns+projectFrom+" WHERE "+w+" ORDER BY p.id DESC LIMIT ? OFFSET ?",
		append(args, limit, offset)...)
	return out, total, err
}

// ProjectContractors returns the contractor organization ids of a project.
func (q *Queries) ProjectContractors(ctx context.Context, projectID int64) ([]int64, error) {
	return q.ids(ctx, "SELECT contractor_org_id FROM project_contractors WHERE project_id = ? ORDER BY contractor_org_id", projectID)
}

func escapeLike(s string) string {
	r := make([]rune, 0, len(s))
	for _, c := range s {
		if c == '%' || c == '_' || c == '\\' {
			r = append(r, '\\')
		}
		r = append(r, c)
	}
	return string(r)
}
