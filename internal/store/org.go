package store

import (
	"context"
	"time"
)

// Jurisdiction is a 区划: 市本级 or one county/district.
type Jurisdiction struct {
	ID     int64
	Code   string
	Name   string
	IsCity bool
}

// Organization is a finance section, review center, unit, department, firm or contractor.
type Organization struct {
	ID             int64
	Kind           string
	Name           string
	JurisdictionID int64
	CreditCode     string
	ContactPerson  string
	ContactPhone   string
	ParentID       int64
	CreatedAt      time.Time
}

// Organization kinds.
const (
	OrgFinanceSection = "finance_section"
	OrgReviewCenter   = "review_center"
	OrgUnit           = "construction_unit"
	OrgCompetentDept  = "competent_dept"
	OrgFirm           = "firm"
	OrgContractor     = "contractor"
	OrgAdmin          = "admin"
)

// InsertJurisdiction adds a jurisdiction and returns its id.
func (q *Queries) InsertJurisdiction(ctx context.Context, j Jurisdiction, order int) (int64, error) {
	return q.insert(ctx,
		"INSERT INTO jurisdictions (code, name, is_city, sort_order) VALUES (?, ?, ?, ?)",
		j.Code, j.Name, j.IsCity, order)
}

// Jurisdictions lists all jurisdictions, 市本级 first.
func (q *Queries) Jurisdictions(ctx context.Context) ([]Jurisdiction, error) {
	return queryAll(ctx, q.db, scanJurisdiction, "SELECT id, code, name, is_city FROM jurisdictions ORDER BY sort_order, id")
}

func scanJurisdiction(s scanner) (Jurisdiction, error) {
	var j Jurisdiction
	err := s.Scan(&j.ID, &j.Code, &j.Name, &j.IsCity)
	return j, err
}

// JurisdictionByName finds a jurisdiction by its Chinese name or code.
func (q *Queries) JurisdictionByName(ctx context.Context, name string) (Jurisdiction, error) {
	return queryRow(ctx, q.db, scanJurisdiction, "SELECT id, code, name, is_city FROM jurisdictions WHERE name = ? OR code = ?", name, name)
}

// Jurisdiction loads one jurisdiction.
func (q *Queries) Jurisdiction(ctx context.Context, id int64) (Jurisdiction, error) {
	return queryRow(ctx, q.db, scanJurisdiction, "SELECT id, code, name, is_city FROM jurisdictions WHERE id = ?", id)
}

// InsertOrganization adds an organization and returns its id.
func (q *Queries) InsertOrganization(ctx context.Context, o Organization) (int64, error) {
	defer q.organizationsWritten()
	return q.insert(ctx,
		`INSERT INTO organizations (kind, name, jurisdiction_id, credit_code, contact_person, contact_phone, parent_id, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		o.Kind, o.Name, o.JurisdictionID, nullString(o.CreditCode), nullString(o.ContactPerson),
		nullString(o.ContactPhone), nullInt(o.ParentID), time.Now())
}

// OrganizationWrites counts the writes to organizations made through this
// Store since it opened: a transaction's when it commits, any other's
// once sent. What the process read of the organizations before the count
// moved may no longer be what they are; a write by another process, or
// through another Store, is not counted.
//
// Every statement of this package that adds, renames or removes
// organizations counts (organizationsWritten): InsertOrganization,
// UpdateFirm, InsertImportedOrgs (and InsertImportedFirms) and the undoing
// of an import of organizations or firms (DeleteImportRows).
func (s *Store) OrganizationWrites() uint64 { return s.orgWrites.Load() }

// organizationsWritten counts a write to organizations: in a transaction
// when it commits (attempt), otherwise now.
func (q *Queries) organizationsWritten() {
	switch {
	case q.tx:
		q.orgsWritten = true
	case q.orgWrites != nil:
		q.orgWrites.Add(1)
	}
}

// OrgChoice is an organization as a list's filter offers it.
type OrgChoice struct {
	ID             int64
	Name           string
	JurisdictionID int64
}

// OrganizationChoices lists the organizations of a kind by id, each with
// its name and jurisdiction only.
func (q *Queries) OrganizationChoices(ctx context.Context, kind string) ([]OrgChoice, error) {
	return queryAll(ctx, q.db, func(s scanner) (OrgChoice, error) {
		var o OrgChoice
		err := s.Scan(&o.ID, &o.Name, &o.JurisdictionID)
		return o, err
	}, "SELECT id, name, jurisdiction_id FROM organizations WHERE kind = ? ORDER BY id", kind)
}

const orgColumns = "id, kind, name, jurisdiction_id, COALESCE(credit_code,''), COALESCE(contact_person,''), COALESCE(contact_phone,''), COALESCE(parent_id,0), created_at"

func scanOrg(s scanner) (Organization, error) {
	var o Organization
	err := s.Scan(&o.ID, &o.Kind, &o.Name, &o.JurisdictionID, &o.CreditCode, &o.ContactPerson, &o.ContactPhone, &o.ParentID, &o.CreatedAt)
	return o, err
}

// Organization loads one organization.
func (q *Queries) Organization(ctx context.Context, id int64) (Organization, error) {
	return queryRow(ctx, q.db, scanOrg, "SELECT "+orgColumns+" FROM organizations WHERE id = ?", id)
}

// OrganizationByName finds an organization by name.
func (q *Queries) OrganizationByName(ctx context.Context, name string) (Organization, error) {
	return queryRow(ctx, q.db, scanOrg, "SELECT "+orgColumns+" FROM organizations WHERE name = ?", name)
}

// Organizations lists organizations of a kind ("" = all).
func (q *Queries) Organizations(ctx context.Context, kind string) ([]Organization, error) {
	query := "SELECT " + orgColumns + " FROM organizations"
	var args []any
	if kind != "" {
		query += " WHERE kind = ?"
		args = append(args, kind)
	}
	return queryAll(ctx, q.db, scanOrg, query+" ORDER BY id", args...)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// ScopedUnits lists the construction units a scope may register projects
// for (Scope.unitWhere), by id.
func (q *Queries) ScopedUnits(ctx context.Context, sc Scope) ([]Organization, error) {
	w, args := sc.unitWhere()
	return queryAll(ctx, q.db, scanOrg, "SELECT "+orgColumns+" FROM organizations o WHERE o.kind = ? AND "+w+" ORDER BY o.id",
		append([]any{OrgUnit}, args...)...)
}

// ScopedUnit loads a construction unit the scope may register projects
// for; any other organization, or none, is ErrNotFound.
func (q *Queries) ScopedUnit(ctx context.Context, sc Scope, id int64) (Organization, error) {
	w, args := sc.unitWhere()
	return queryRow(ctx, q.db, scanOrg, "SELECT "+orgColumns+" FROM organizations o WHERE o.id = ? AND o.kind = ? AND "+w,
		append([]any{id, OrgUnit}, args...)...)
}
