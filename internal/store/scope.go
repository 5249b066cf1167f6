package store

// Scope is the row-level scope of a principal, decided by package auth.
// Every query over reviews or projects takes one; the zero Scope sees
// nothing.
type Scope struct {
	All            bool
	None           bool
	JurisdictionID int64
	FirmID         int64
	UnitID         int64
	ContractorID   int64
	DeptID         int64
	ExpertUserID   int64
}

// reviewWhere returns the SQL condition (over alias r, with project alias p)
// limiting reviews to the scope.
func (s Scope) reviewWhere() (string, []any) { return s.where(reviewScopeColumns) }

// projectWhere limits projects (alias p) to the scope.
func (s Scope) projectWhere() (string, []any) { return s.where(projectScopeColumns) }

// reviewScopeColumns are the scope's conditions over reviews.
var reviewScopeColumns = scopeColumns{
	jurisdiction: "r.jurisdiction_id = ?",
	firm:         "r.firm_id = ?",
	unit:         "r.unit_org_id = ?",
	project:      "r.project_id",
	expert:       "r.id IN (SELECT re.review_id FROM review_experts re JOIN experts e ON e.id = re.expert_id WHERE e.user_id = ?)",
}

// projectScopeColumns are the scope's conditions over projects; experts
// see none.
var projectScopeColumns = scopeColumns{
	jurisdiction: "p.jurisdiction_id = ?",
	firm:         "p.id IN (SELECT project_id FROM reviews WHERE firm_id = ?)",
	unit:         "p.unit_org_id = ?",
	project:      "p.id",
}

// scopeColumns are the conditions of a scope over one kind of row: each
// with one placeholder for the scope's id; project is the row's project
// id column, for contractors; an empty expert condition shows experts
// nothing.
type scopeColumns struct {
	jurisdiction, firm, unit, project, expert string
}

// allOrNone is the condition of a scope that sees nothing (None wins) or
// everything, and whether the scope is one of those.
func (s Scope) allOrNone() (string, bool) {
	switch {
	case s.None:
		return "1=0", true
	case s.All:
		return "1=1", true
	}
	return "", false
}

// where returns the condition of the scope over rows described by c.
func (s Scope) where(c scopeColumns) (string, []any) {
	if w, ok := s.allOrNone(); ok {
		return w, nil
	}
	switch {
	case s.JurisdictionID != 0:
		return c.jurisdiction, []any{s.JurisdictionID}
	case s.FirmID != 0:
		return c.firm, []any{s.FirmID}
	case s.UnitID != 0:
		return c.unit, []any{s.UnitID}
	case s.ContractorID != 0:
		return c.project + " IN (SELECT project_id FROM project_contractors WHERE contractor_org_id = ?)", []any{s.ContractorID}
	case s.DeptID != 0:
		return "p.dept_org_id = ?", []any{s.DeptID}
	case s.ExpertUserID != 0 && c.expert != "":
		return c.expert, []any{s.ExpertUserID}
	}
	return "1=0", nil
}

// Sees decides, from the row alone, whether the scope sees r, as
// reviewWhere would; decided is false for scopes that need other tables
// (contractors, departments, experts), which the caller asks the database.
func (s Scope) Sees(r Review) (visible, decided bool) {
	switch {
	case s.None:
		return false, true
	case s.All:
		return true, true
	case s.JurisdictionID != 0:
		return r.JurisdictionID == s.JurisdictionID, true
	case s.FirmID != 0:
		return r.FirmID == s.FirmID, true
	case s.UnitID != 0:
		return r.UnitOrgID == s.UnitID, true
	case s.ContractorID != 0, s.DeptID != 0, s.ExpertUserID != 0:
		return false, false
	}
	return false, true
}

// reviewIDsIn returns an SQL condition limiting a column of review ids to
// the reviews the scope sees.
func (s Scope) reviewIDsIn(column string) (string, []any) {
	w, args := s.reviewWhere()
	if s.None || s.All {
		return w, args // 1=0 or 1=1: no subquery needed
	}
	return column + " IN (SELECT r.id FROM reviews r JOIN projects p ON p.id = r.project_id WHERE " + w + ")", args
}

// auditWhere limits audit events (alias a) to the scope: events of the
// reviews it sees and, for a jurisdiction's bureau staff, the events
// outside reviews of people of that jurisdiction (sign-ins, user changes).
// Only an unlimited scope sees the rest: other jurisdictions' people, the
// system's own events and the anchors.
func (s Scope) auditWhere() (string, []any) {
	if s.All && !s.None {
		return "1=1", nil
	}
	w, args := s.reviewIDsIn("a.review_id")
	if s.JurisdictionID != 0 && !s.None {
		w = "(" + w + " OR (a.review_id IS NULL AND a.actor_id IN (SELECT u.id FROM users u WHERE u.jurisdiction_id = ?)))"
		args = append(args, s.JurisdictionID)
	}
	return w, args
}

// unitWhere limits construction units (organizations, alias o) to those a
// scope may register projects for: every unit, the units of its
// jurisdiction, its own unit, or, for a competent department, the units
// under it (parent_id) or whose projects it already oversees.
func (s Scope) unitWhere() (string, []any) {
	if w, ok := s.allOrNone(); ok {
		return w, nil
	}
	switch {
	case s.JurisdictionID != 0:
		return "o.jurisdiction_id = ?", []any{s.JurisdictionID}
	case s.UnitID != 0:
		return "o.id = ?", []any{s.UnitID}
	case s.DeptID != 0:
		return "(o.parent_id = ? OR EXISTS (SELECT 1 FROM projects p WHERE p.unit_org_id = o.id AND p.dept_org_id = ?))",
			[]any{s.DeptID, s.DeptID}
	}
	return "1=0", nil
}
