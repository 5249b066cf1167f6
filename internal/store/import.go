package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Import is one import of a register from an Excel file.
type Import struct {
	ID        int64
	Kind      string
	FileName  string
	ObjectKey string
	SHA256    string
	Size      int64
	Rows      int
	ActorID   int64
	ActorName string
	CreatedAt time.Time
	UndoneAt  sql.NullTime
}

const importColumns = "id, kind, file_name, object_key, sha256, size, row_count, COALESCE(actor_id,0), actor_name, created_at, undone_at"

func scanImport(s scanner) (Import, error) {
	var im Import
	err := s.Scan(&im.ID, &im.Kind, &im.FileName, &im.ObjectKey, &im.SHA256, &im.Size, &im.Rows, &im.ActorID,
		&im.ActorName, &im.CreatedAt, &im.UndoneAt)
	return im, err
}

// InsertImport records an import and returns its id.
func (q *Queries) InsertImport(ctx context.Context, im Import) (int64, error) {
	return q.insert(ctx,
		`INSERT INTO imports (kind, file_name, object_key, sha256, size, row_count, actor_id, actor_name, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		im.Kind, im.FileName, im.ObjectKey, im.SHA256, im.Size, im.Rows, nullInt(im.ActorID), im.ActorName, im.CreatedAt)
}

// SetImportRows records how many rows an import added.
func (q *Queries) SetImportRows(ctx context.Context, id int64, rows int) error {
	_, err := q.db.ExecContext(ctx, "UPDATE imports SET row_count = ? WHERE id = ?", rows, id)
	return err
}

// Imports lists the latest imports, newest first.
func (q *Queries) Imports(ctx context.Context, limit int) ([]Import, error) {
	return queryAll(ctx, q.db, scanImport, "SELECT "+importColumns+" FROM imports ORDER BY id DESC LIMIT ?", limit)
}

// LockImport loads an import and locks its row for the transaction.
func (q *Queries) LockImport(ctx context.Context, id int64) (Import, error) {
	return queryRow(ctx, q.db, scanImport, "SELECT "+importColumns+" FROM imports WHERE id = ? FOR UPDATE", id)
}

// MarkImportUndone records that an import was undone.
func (q *Queries) MarkImportUndone(ctx context.Context, id, by int64, at time.Time) error {
	res, err := q.db.ExecContext(ctx, "UPDATE imports SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL",
		at, nullInt(by), id)
	return changed(res, err, ErrNotFound)
}

// OrgRef is what an import needs to know of an existing organization.
type OrgRef struct {
	ID             int64
	Kind           string
	Name           string
	JurisdictionID int64
	CreditCode     string
	IsFirm         bool
}

// OrgsByNameOrCode finds the organizations with any of the names or
// credit codes given.
func (q *Queries) OrgsByNameOrCode(ctx context.Context, names, codes []string) ([]OrgRef, error) {
	if len(names) == 0 && len(codes) == 0 {
		return nil, nil
	}
	args := append(anyArgs(names), anyArgs(codes)...)
	out, err := queryAll(ctx, q.db, func(s scanner) (OrgRef, error) {
		var o OrgRef
		err := s.Scan(&o.ID, &o.Kind, &o.Name, &o.JurisdictionID, &o.CreditCode, &o.IsFirm)
		return o, err
	}, `SELECT o.id, o.kind, o.name, o.jurisdiction_id, COALESCE(o.credit_code,''),
		  EXISTS(SELECT 1 FROM firms f WHERE f.org_id = o.id)
		FROM organizations o WHERE o.name IN (`+placeholders(len(names))+`) OR o.credit_code IN (`+placeholders(len(codes))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("organizations by name: %w", err)
	}
	return out, nil
}

// ExpertRef is what an import needs to know of an existing expert.
type ExpertRef struct {
	ID       int64
	Name     string
	Employer string
	IDNumber string
}

// ExpertsByNameOrID finds the experts with any of the names or ID numbers given.
func (q *Queries) ExpertsByNameOrID(ctx context.Context, names, idNumbers []string) ([]ExpertRef, error) {
	if len(names) == 0 && len(idNumbers) == 0 {
		return nil, nil
	}
	args := append(anyArgs(names), anyArgs(idNumbers)...)
	out, err := queryAll(ctx, q.db, func(s scanner) (ExpertRef, error) {
		var e ExpertRef
		err := s.Scan(&e.ID, &e.Name, &e.Employer, &e.IDNumber)
		return e, err
	}, `SELECT id, name, employer, COALESCE(id_number,'') FROM experts
		WHERE name IN (`+placeholders(len(names))+`) OR id_number IN (`+placeholders(len(idNumbers))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("experts by name: %w", err)
	}
	return out, nil
}

// ProjectRef is what an import needs to know of an existing project.
type ProjectRef struct {
	ID             int64
	Code           string
	Name           string
	JurisdictionID int64
	UnitOrgID      int64
}

// ProjectsByCode finds the projects with the codes given, by code.
func (q *Queries) ProjectsByCode(ctx context.Context, codes []string) (map[string]ProjectRef, error) {
	if len(codes) == 0 {
		return map[string]ProjectRef{}, nil
	}
	out, err := queryByKey(ctx, q.db, func(s scanner) (ProjectRef, error) {
		var p ProjectRef
		err := s.Scan(&p.ID, &p.Code, &p.Name, &p.JurisdictionID, &p.UnitOrgID)
		return p, err
	}, func(p ProjectRef) string { return p.Code },
		"SELECT id, code, name, jurisdiction_id, unit_org_id FROM projects WHERE code IN ("+placeholders(len(codes))+")", anyArgs(codes)...)
	if err != nil {
		return nil, fmt.Errorf("projects by code: %w", err)
	}
	return out, nil
}

// PaperRef is an issued conclusion found by its 文号 or its number.
type PaperRef struct {
	DocNumber      string
	JurisdictionID int64
	Year           int
	Number         int
	Imported       bool
	ReviewKind     string
	ProjectCode    string
}

// PaperKey names a number of a jurisdiction's series in a year.
type PaperKey struct {
	JurisdictionID int64
	Year           int
	Number         int
}

// ConclusionPapers finds the conclusions issued under any of the 文号 or
// numbers given.
func (q *Queries) ConclusionPapers(ctx context.Context, docNumbers []string, keys []PaperKey) ([]PaperRef, error) {
	if len(docNumbers) == 0 && len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(docNumbers)+3*len(keys))
	for _, d := range docNumbers {
		args = append(args, d)
	}
	tuples := "(NULL,NULL,NULL)"
	if len(keys) > 0 {
		tuples = strings.TrimSuffix(strings.Repeat("(?,?,?),", len(keys)), ",")
		for _, k := range keys {
			args = append(args, k.JurisdictionID, k.Year, k.Number)
		}
	}
	// The papers are found first, each list through its own index, and
	// joined after: with the OR in one WHERE the optimizer scanned every
	// project and review instead, and the check of a long file slowed
	// down as its own rows went in.
	out, err := queryAll(ctx, q.db, func(s scanner) (PaperRef, error) {
		var p PaperRef
		err := s.Scan(&p.DocNumber, &p.JurisdictionID, &p.Year, &p.Number, &p.Imported, &p.ReviewKind, &p.ProjectCode)
		return p, err
	}, `SELECT pp.doc_number, pp.jurisdiction_id, pp.year, pp.number, pp.imported, r.kind, p.code
		FROM (SELECT id FROM papers WHERE kind = 'conclusion' AND doc_number IN (`+placeholders(len(docNumbers))+`)
		  UNION SELECT id FROM papers WHERE kind = 'conclusion' AND (jurisdiction_id, year, number) IN (`+tuples+`)) x
		STRAIGHT_JOIN papers pp ON pp.id = x.id JOIN reviews r ON r.id = pp.review_id JOIN projects p ON p.id = r.project_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("conclusion papers: %w", err)
	}
	return out, nil
}

// LatestFeeScheduleID is the newest fee schedule's id; ErrNotFound when
// there is none.
func (q *Queries) LatestFeeScheduleID(ctx context.Context) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, "SELECT id FROM fee_schedules ORDER BY version DESC LIMIT 1").Scan(&id)
	return id, translate(err)
}

// insertRows' twin for rows whose ids are needed: INSERT … RETURNING
// (MariaDB 10.5+) answers, with each statement of up to 500 rows, the key
// (the column named key) and the id of every row added.
func (q *Queries) insertReturning(ctx context.Context, head, key string, rows [][]any) (map[string]int64, error) {
	out := make(map[string]int64, len(rows))
	for len(rows) > 0 {
		n := min(len(rows), 500)
		query, args := valuesStatement(head, rows[:n])
		if err := queryInto(ctx, q.db, out, query+" RETURNING "+key+", id", args...); err != nil {
			return nil, translate(err)
		}
		rows = rows[n:]
	}
	return out, nil
}

// idsByKey reads the ids of the rows an import added, by a key column,
// 500 keys at a time (an IN list of 1000 or more becomes a derived table
// that no longer uses the index).
func (q *Queries) idsByKey(ctx context.Context, table, key string, importID int64, keys []string) (map[string]int64, error) {
	out := make(map[string]int64, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), 500)
		args := []any{importID}
		for _, k := range keys[:n] {
			args = append(args, k)
		}
		err := queryInto(ctx, q.db, out, "SELECT "+key+", id FROM "+table+" WHERE import_id = ? AND "+key+" IN ("+placeholders(n)+")", args...)
		if err != nil {
			return nil, err
		}
		keys = keys[n:]
	}
	return out, nil
}

// InsertImportedOrgs adds organizations (units, departments, contractors).
func (q *Queries) InsertImportedOrgs(ctx context.Context, importID int64, orgs []Organization, at time.Time) error {
	rows := make([][]any, len(orgs))
	for i, o := range orgs {
		rows[i] = []any{o.Kind, o.Name, o.JurisdictionID, nullString(o.CreditCode), nullString(o.ContactPerson),
			nullString(o.ContactPhone), nullInt(o.ParentID), at, importID}
	}
	defer q.organizationsWritten()
	return q.insertRows(ctx, `INSERT INTO organizations (kind, name, jurisdiction_id, credit_code, contact_person,
		contact_phone, parent_id, created_at, import_id)`, rows)
}

// InsertImportedFirms adds firms with their organizations, review kinds
// and jurisdictions.
func (q *Queries) InsertImportedFirms(ctx context.Context, importID int64, firms []Firm, at time.Time) error {
	orgs := make([]Organization, len(firms))
	names := make([]string, len(firms))
	for i, f := range firms {
		orgs[i] = Organization{Kind: OrgFirm, Name: f.Name, JurisdictionID: f.HomeJurisdiction, CreditCode: f.CreditCode,
			ContactPerson: f.ContactPerson, ContactPhone: f.ContactPhone}
		names[i] = f.Name
	}
	if err := q.InsertImportedOrgs(ctx, importID, orgs, at); err != nil {
		return err
	}
	ids, err := q.idsByKey(ctx, "organizations", "name", importID, names)
	if err != nil {
		return err
	}
	var rows, kinds, js [][]any
	for _, f := range firms {
		id := ids[f.Name]
		rows = append(rows, []any{id, f.Qualification, f.Status, f.StatusReason, f.AdmittedAt, f.Capacity, f.Score, f.AdmittedAt})
		for _, k := range f.Kinds {
			kinds = append(kinds, []any{id, k})
		}
		for _, j := range f.Jurisdictions {
			js = append(js, []any{id, j})
		}
	}
	if err := q.insertRows(ctx, `INSERT INTO firms (org_id, qualification, status, status_reason, status_since, capacity,
		score, admitted_at)`, rows); err != nil {
		return err
	}
	if err := q.insertRows(ctx, "INSERT INTO firm_kinds (firm_id, kind)", kinds); err != nil {
		return err
	}
	return q.insertRows(ctx, "INSERT INTO firm_jurisdictions (firm_id, jurisdiction_id)", js)
}

// ImportedExpert is an expert row of an import.
type ImportedExpert struct {
	Expert
	Phone    string
	IDNumber string
}

// InsertImportedExperts adds experts.
func (q *Queries) InsertImportedExperts(ctx context.Context, importID int64, experts []ImportedExpert, at time.Time) error {
	rows := make([][]any, len(experts))
	for i, e := range experts {
		rows[i] = []any{e.Name, e.Specialty, e.Title, e.Employer, e.Phone, nullString(e.IDNumber), true, at, importID}
	}
	return q.insertRows(ctx, "INSERT INTO experts (name, specialty, title, employer, phone, id_number, active, created_at, import_id)", rows)
}

// ImportedProject is a project row of an import with its contractors.
type ImportedProject struct {
	Project
	ContractorIDs []int64
}

// InsertImportedProjects adds projects with their contractors.
func (q *Queries) InsertImportedProjects(ctx context.Context, importID int64, projects []ImportedProject, at time.Time) error {
	rows := make([][]any, len(projects))
	codes := make([]string, len(projects))
	for i, p := range projects {
		rows[i] = []any{p.Code, p.Name, p.JurisdictionID, p.UnitOrgID, nullInt(p.DeptOrgID), p.FundingSource, p.Category,
			p.ApprovedEstimate, p.KeyProject, at, importID}
		codes[i] = p.Code
	}
	if err := q.insertRows(ctx, `INSERT INTO projects (code, name, jurisdiction_id, unit_org_id, dept_org_id, funding_source,
		category, approved_estimate, key_project, created_at, import_id)`, rows); err != nil {
		return err
	}
	ids, err := q.idsByKey(ctx, "projects", "code", importID, codes)
	if err != nil {
		return err
	}
	var cs [][]any
	for _, p := range projects {
		for _, c := range p.ContractorIDs {
			cs = append(cs, []any{ids[p.Code], c})
		}
	}
	return q.insertRows(ctx, "INSERT IGNORE INTO project_contractors (project_id, contractor_org_id)", cs)
}

// ImportedDelegationReason starts the reason of the delegation an imported
// review records for its firm.
const ImportedDelegationReason = "上线前导入的历史评审"

// ImportedReview is a concluded review of an import: archived, read-only,
// with its conclusion's original 文号 and the fee charged.
type ImportedReview struct {
	ProjectID       int64
	Kind            string
	JurisdictionID  int64
	UnitOrgID       int64
	SubmittedAmount decimal.Decimal
	AuditedAmount   decimal.Decimal
	FirmID          int64
	SubmittedAt     time.Time
	ConcludedAt     time.Time
	DocNumber       string
	Year            int
	Number          int
	Fee             decimal.NullDecimal
}

// InsertImportedReviews adds concluded reviews in state archived, each
// with its conclusion paper (imported: never rendered, its number skipped
// by the series) and, when a fee was charged, its fee statement.
func (q *Queries) InsertImportedReviews(ctx context.Context, importID, scheduleID int64, reviews []ImportedReview, at time.Time) error {
	rows := make([][]any, len(reviews))
	for i, r := range reviews {
		var delegated any
		if r.FirmID != 0 {
			delegated = r.SubmittedAt
		}
		rows[i] = []any{r.ProjectID, r.Kind, "archived", 1, 1, r.JurisdictionID, r.UnitOrgID, r.SubmittedAmount, r.AuditedAmount,
			nullInt(r.FirmID), "normal", delegated, r.SubmittedAt, r.ConcludedAt, r.SubmittedAt, at, importID, r.DocNumber}
	}
	// RETURNING gives each new review's id with the insert itself: no
	// second statement to look the 文号 up again.
	ids, err := q.insertReturning(ctx, `INSERT INTO reviews (project_id, kind, state, version, round, jurisdiction_id, unit_org_id,
		submitted_amount, audited_amount, firm_id, outcome, delegated_at, submitted_at, concluded_at, created_at, updated_at, import_id, import_ref)`,
		"import_ref", rows)
	if err != nil {
		return err
	}
	var papers, fees, delegations [][]any
	for _, r := range reviews {
		id := ids[r.DocNumber]
		papers = append(papers, []any{id, "conclusion", r.JurisdictionID, r.Year, r.Number, r.DocNumber, r.ConcludedAt, true})
		if r.FirmID != 0 {
			// The firm's delegation, so that its history, the assessment's
			// delegation counts and the independence between stages see
			// the imported work; the reason marks it as imported.
			delegations = append(delegations, []any{id, r.FirmID, r.SubmittedAt, false,
				ImportedDelegationReason + "(原结论文号 " + r.DocNumber + ")", "[]", "active"})
		}
		if r.Fee.Valid {
			zero := decimal.Zero
			fees = append(fees, []any{id, scheduleID, r.Kind, "normal", r.SubmittedAmount, r.AuditedAmount, r.Fee.Decimal,
				zero, r.Fee.Decimal, zero, r.Fee.Decimal, r.Fee.Decimal, zero, r.ConcludedAt, r.ConcludedAt})
		}
	}
	if err := q.insertRows(ctx, `INSERT INTO papers (review_id, kind, jurisdiction_id, year, number, doc_number, issued_at, imported)`, papers); err != nil {
		return err
	}
	if err := q.insertRows(ctx, `INSERT INTO delegations (review_id, firm_id, at, override, reason, considered, status)`,
		delegations); err != nil {
		return err
	}
	return q.insertRows(ctx, `INSERT INTO fee_statements (review_id, schedule_id, kind, outcome, submitted_amount,
		audited_amount, basic_fee, reduction_fee, total_fee, contractor_share, finance_share, payable_now, payable_later,
		paid_at, computed_at)`, fees)
}

// importUse is one thing that may have been built on an import's rows.
type importUse struct {
	reason string
	query  string // counts rows; each of its parameters is the import's id
}

const importedOrgs = "(SELECT id FROM organizations WHERE import_id = ?)"

var importUses = map[string][]importUse{
	"organizations": {
		{"已有用户属于这些单位", "SELECT COUNT(*) FROM users WHERE org_id IN " + importedOrgs},
		{"已有项目引用这些单位", "SELECT COUNT(*) FROM projects WHERE unit_org_id IN " + importedOrgs + " OR dept_org_id IN " + importedOrgs},
		{"已有项目将其列为施工单位", "SELECT COUNT(*) FROM project_contractors WHERE contractor_org_id IN " + importedOrgs},
		{"已有单位以其为上级主管部门", "SELECT COUNT(*) FROM organizations WHERE parent_id IN " + importedOrgs},
		{"已有专家以其为工作单位", "SELECT COUNT(*) FROM experts WHERE employer_org_id IN " + importedOrgs},
		{"已登记与中介机构的利害关系", "SELECT COUNT(*) FROM conflicts WHERE related_org_id IN " + importedOrgs},
	},
	"firms": {
		{"已有用户属于这些机构", "SELECT COUNT(*) FROM users WHERE org_id IN " + importedOrgs},
		{"已有评审任务委托给这些机构", "SELECT COUNT(*) FROM delegations WHERE firm_id IN " + importedOrgs},
		{"已有评审任务由这些机构承办", "SELECT COUNT(*) FROM reviews WHERE firm_id IN " + importedOrgs},
		{"已有考核结果或考核录入", "SELECT (SELECT COUNT(*) FROM firm_assessments WHERE firm_id IN " + importedOrgs + ") + (SELECT COUNT(*) FROM assessment_inputs WHERE firm_id IN " + importedOrgs + ")"},
		{"机构状态已被调整", "SELECT COUNT(*) FROM firm_status_history WHERE firm_id IN " + importedOrgs},
		{"已登记利害关系", "SELECT COUNT(*) FROM conflicts WHERE firm_id IN " + importedOrgs},
		{"已参与轮序委托", "SELECT COUNT(*) FROM rotation_cursors WHERE last_firm_id IN " + importedOrgs},
		{"已有专家属于这些机构", "SELECT COUNT(*) FROM experts WHERE firm_id IN " + importedOrgs},
	},
	"experts": {
		{"已有专家被抽取或评分", "SELECT (SELECT COUNT(*) FROM review_experts WHERE expert_id IN (SELECT id FROM experts WHERE import_id = ?)) + (SELECT COUNT(*) FROM expert_scores WHERE expert_id IN (SELECT id FROM experts WHERE import_id = ?))"},
		{"已登记专家的利害关系", "SELECT COUNT(*) FROM expert_relations WHERE expert_id IN (SELECT id FROM experts WHERE import_id = ?)"},
		{"已有专家开通了账号", "SELECT COUNT(*) FROM experts WHERE import_id = ? AND user_id IS NOT NULL"},
	},
	"projects": {
		{"已有评审任务属于这些项目", "SELECT COUNT(*) FROM reviews WHERE project_id IN (SELECT id FROM projects WHERE import_id = ?)"},
	},
	"reviews": {
		{"已有资料上传到这些评审任务", "SELECT COUNT(*) FROM documents WHERE review_id IN (SELECT id FROM reviews WHERE import_id = ?)"},
		{"已有抽查复审记录", "SELECT COUNT(*) FROM sample_rechecks WHERE review_id IN (SELECT id FROM reviews WHERE import_id = ?)"},
		{"已有专家抽取记录", "SELECT COUNT(*) FROM expert_draws WHERE review_id IN (SELECT id FROM reviews WHERE import_id = ?)"},
		{"已有归档记录", "SELECT COUNT(*) FROM archive_records WHERE review_id IN (SELECT id FROM reviews WHERE import_id = ?)"},
		{"已有流转记录", "SELECT COUNT(*) FROM review_events WHERE review_id IN (SELECT id FROM reviews WHERE import_id = ?)"},
	},
}

// ImportInUse says, in Chinese, what has been built on an import's rows;
// "" when nothing has.
func (q *Queries) ImportInUse(ctx context.Context, id int64, kind string) (string, error) {
	for _, u := range importUses[kind] {
		args := make([]any, strings.Count(u.query, "?"))
		for i := range args {
			args[i] = id
		}
		var n int
		if err := q.db.QueryRowContext(ctx, u.query, args...).Scan(&n); err != nil {
			return "", fmt.Errorf("import %d in use (%s): %w", id, u.reason, err)
		}
		if n > 0 {
			return u.reason, nil
		}
	}
	return "", nil
}

var importDeletes = map[string][]string{
	"organizations": {"DELETE FROM organizations WHERE import_id = ?"},
	"firms": {
		"DELETE FROM firm_kinds WHERE firm_id IN " + importedOrgs,
		"DELETE FROM firm_jurisdictions WHERE firm_id IN " + importedOrgs,
		"DELETE FROM firms WHERE org_id IN " + importedOrgs,
		"DELETE FROM organizations WHERE import_id = ?",
	},
	"experts": {"DELETE FROM experts WHERE import_id = ?"},
	"projects": {
		"DELETE FROM project_contractors WHERE project_id IN (SELECT id FROM projects WHERE import_id = ?)",
		"DELETE FROM projects WHERE import_id = ?",
	},
	"reviews": {
		"DELETE FROM fee_statements WHERE review_id IN (SELECT id FROM reviews WHERE import_id = ?)",
		"DELETE FROM papers WHERE imported AND review_id IN (SELECT id FROM reviews WHERE import_id = ?)",
		"DELETE FROM delegations WHERE review_id IN (SELECT id FROM reviews WHERE import_id = ?)",
		"DELETE FROM reviews WHERE import_id = ?",
	},
}

// DeleteImportRows removes the rows an import added.
func (q *Queries) DeleteImportRows(ctx context.Context, id int64, kind string) error {
	if kind == "organizations" || kind == "firms" {
		defer q.organizationsWritten()
	}
	for _, d := range importDeletes[kind] {
		if _, err := q.db.ExecContext(ctx, d, id); err != nil {
			return fmt.Errorf("undo import %d: %w", id, translate(err))
		}
	}
	return nil
}

// CountImportedReviews counts the visible reviews brought in by imports.
func (q *Queries) CountImportedReviews(ctx context.Context, sc Scope) (int, error) {
	w, args := sc.reviewWhere()
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM reviews r JOIN projects p ON p.id = r.project_id
		WHERE `+w+` AND r.import_id IS NOT NULL`, args...).Scan(&n)
	return n, err
}
