package review

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/deadline"
	"finreview/internal/fee"
	"finreview/internal/input"
	"finreview/internal/store"
	"finreview/workflow"
)

// FundingSources are the project funding sources (资金来源), code → label.
func FundingSources() map[string]string {
	return map[string]string{"general_budget": "一般公共预算", "government_fund": "政府性基金", "special_bond": "政府债券",
		"ppp": "PPP", "special_fund": "专项资金", "other": "其他"}
}

// Categories are the project categories (项目类别), code → label.
func Categories() map[string]string {
	return map[string]string{"capital": "基本建设", "renovation": "维修改造", "decoration": "装饰装修"}
}

// KeyProjectThreshold makes a project a key project (重点项目), for which
// tracking reviews are available.
var keyProjectThreshold = decimal.NewFromInt(5000000)

// ProjectInput is a new project.
type ProjectInput struct {
	Code             string
	Name             string
	Jurisdiction     string // name or code; empty = the principal's
	UnitOrgID        int64  // required unless the principal is a unit
	DeptOrgID        int64
	FundingSource    string
	Category         string
	ApprovedEstimate string
	ContractorIDs    []int64
}

// CreateProject registers a project.
func (s *Service) CreateProject(ctx context.Context, p auth.Principal, in ProjectInput) (store.Project, error) {
	if !p.Can(auth.CreateProject) {
		return store.Project{}, auth.ErrForbidden
	}
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	// Every simple field is checked before answering, so a form flags all
	// its empty or invalid fields at once (errors.Join of *input.FieldError).
	var errs []error
	if in.Code == "" {
		errs = append(errs, fieldErr("code", "请填写项目编号(最多 64 个字符)"))
	} else if err := input.Line("code", in.Code, 64); err != nil {
		errs = append(errs, err)
	}
	if in.Name == "" {
		errs = append(errs, fieldErr("name", "请填写项目名称(最多 200 个字)"))
	} else if err := input.Line("name", in.Name, 200); err != nil {
		errs = append(errs, err)
	}
	if _, ok := FundingSources()[in.FundingSource]; !ok {
		errs = append(errs, fieldErr("funding_source", "请选择资金来源"))
	}
	if _, ok := Categories()[in.Category]; !ok {
		errs = append(errs, fieldErr("category", "请选择项目类别"))
	}
	est, err := fee.ParseAmount(strings.TrimSpace(in.ApprovedEstimate))
	if err != nil {
		errs = append(errs, &input.FieldError{Name: "approved_estimate", Msg: "批复概算金额格式不正确: " + err.Error()})
	}
	// The fields looked up in the database (unit, jurisdiction,
	// department, contractors) are checked in the same pass, so a refusal
	// names every one of them too; only a failing database stops early.
	unit := in.UnitOrgID
	if p.Role == auth.ConstructionUnit {
		unit = p.OrgID
	}
	sc := p.Scope()
	var uo store.Organization
	unitFound := false
	if unit == 0 {
		errs = append(errs, fieldErr("unit_org_id", "请选择建设单位"))
	} else {
		// Only a unit within the caller's scope: its own unit, the units
		// of its jurisdiction, the units under its department. A unit
		// outside answers as one that does not exist.
		o, err := s.store.ScopedUnit(ctx, sc, unit)
		switch {
		case errors.Is(err, store.ErrNotFound):
			errs = append(errs, fieldErr("unit_org_id", "建设单位不存在或不在您的管辖范围内"))
		case err != nil:
			return store.Project{}, err
		default:
			uo, unitFound = o, true
		}
	}
	jid := uo.JurisdictionID
	jurisdictionOK := true
	if name := strings.TrimSpace(in.Jurisdiction); name != "" {
		j, err := s.store.JurisdictionByName(ctx, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			errs = append(errs, fieldErr("jurisdiction", "区划不存在"))
			jurisdictionOK = false
		case err != nil:
			return store.Project{}, err
		default:
			jid = j.ID
		}
	}
	if unitFound && jurisdictionOK && jid != uo.JurisdictionID {
		errs = append(errs, fieldErr("jurisdiction", "区划与建设单位所属区划不一致"))
	}
	dept := in.DeptOrgID
	if p.Role == auth.CompetentDept {
		dept = p.OrgID
	}
	if dept != 0 && p.Role != auth.CompetentDept {
		o, err := s.store.Organization(ctx, dept)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Project{}, err
		}
		if err != nil || o.Kind != store.OrgCompetentDept {
			errs = append(errs, fieldErr("dept_org_id", "主管部门不存在"))
		}
	}
	contractors := make([]int64, 0, len(in.ContractorIDs))
	var unknown []string
	seen := map[int64]bool{}
	for _, c := range in.ContractorIDs {
		if seen[c] {
			continue
		}
		seen[c] = true
		o, err := s.store.Organization(ctx, c)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Project{}, err
		}
		if err != nil || o.Kind != store.OrgContractor {
			unknown = append(unknown, strconv.FormatInt(c, 10))
			continue
		}
		contractors = append(contractors, c)
	}
	if len(unknown) > 0 {
		errs = append(errs, fieldErr("contractor_ids", "施工单位不存在: %s", strings.Join(unknown, "、")))
	}
	if len(errs) > 0 {
		return store.Project{}, errors.Join(errs...)
	}
	in.ContractorIDs = contractors
	proj := store.Project{Code: in.Code, Name: in.Name, JurisdictionID: jid, UnitOrgID: unit, DeptOrgID: dept,
		FundingSource: in.FundingSource, Category: in.Category, ApprovedEstimate: est,
		KeyProject: est.GreaterThanOrEqual(keyProjectThreshold), CreatedBy: p.UserID}
	var id int64
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		var err error
		id, err = q.InsertProject(ctx, proj, in.ContractorIDs)
		if errors.Is(err, store.ErrDuplicate) {
			return s.takenCode(ctx, sc, in.Code)
		}
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "create_project",
			ObjectType: "project", ObjectID: audit.ID(id),
			Detail: map[string]any{"code": proj.Code, "name": proj.Name, "approved_estimate": est.StringFixed(2)}})
		return err
	})
	if err != nil {
		return store.Project{}, err
	}
	return s.store.Project(ctx, store.Scope{All: true}, id)
}

// takenCode is the answer to a project code already in use. It names the
// project only when the caller may see it; a code taken outside the
// caller's scope is merely unavailable, so the answer discloses nothing
// of other units' projects.
func (s *Service) takenCode(ctx context.Context, sc store.Scope, code string) error {
	if taken, err := s.store.ProjectByCode(ctx, code); err == nil {
		if _, err := s.store.Project(ctx, sc, taken.ID); err == nil {
			return fieldErr("code", "项目编号已存在(已登记的项目: %s)", taken.Name)
		}
	}
	return fieldErr("code", "该项目编号不可用,请核对后重新填写")
}

// CreateInput is a new review of a project.
type CreateInput struct {
	ProjectID       int64
	Kind            string
	SubmittedAmount string
}

// Create opens a review in state draft.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (store.Review, error) {
	if !p.Can(auth.CreateReview) {
		return store.Review{}, auth.ErrForbidden
	}
	if in.ProjectID <= 0 {
		return store.Review{}, fieldErr("project_id", "请选择项目")
	}
	proj, err := s.store.Project(ctx, p.Scope(), in.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Review{}, fieldErr("project_id", "项目不存在或无权查看")
	}
	if err != nil {
		return store.Review{}, err
	}
	var errs []error
	kind, err := fee.ParseKind(strings.TrimSpace(in.Kind))
	if err != nil {
		errs = append(errs, &input.FieldError{Name: "kind", Msg: err.Error()})
	} else if kind == fee.Tracking && !proj.KeyProject {
		errs = append(errs, fieldErr("kind", "跟踪评审仅适用于批复概算 500 万元及以上的重点项目"))
	}
	amt, err := fee.ParseAmount(strings.TrimSpace(in.SubmittedAmount))
	if err != nil {
		errs = append(errs, &input.FieldError{Name: "submitted_amount", Msg: "送审金额格式不正确: " + err.Error()})
	} else if !amt.IsPositive() {
		errs = append(errs, fieldErr("submitted_amount", "送审金额须大于 0 元"))
	}
	if len(errs) > 0 {
		return store.Review{}, errors.Join(errs...)
	}
	var id int64
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		var err error
		id, err = q.InsertReview(ctx, store.Review{ProjectID: proj.ID, Kind: string(kind), JurisdictionID: proj.JurisdictionID,
			UnitOrgID: proj.UnitOrgID, SubmittedAmount: amt, CreatedBy: p.UserID})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "create_review",
			ReviewID: id, ObjectType: "review", ObjectID: audit.ID(id),
			Detail: map[string]any{"project_id": proj.ID, "kind": kind, "submitted_amount": amt.StringFixed(2)}})
		return err
	})
	if err != nil {
		return store.Review{}, err
	}
	return s.store.Review(ctx, store.Scope{All: true}, id)
}

// List lists the reviews p may see.
func (s *Service) List(ctx context.Context, p auth.Principal, f store.ReviewFilter) ([]store.Review, int, error) {
	if !p.Can(auth.ViewReviews) {
		return nil, 0, auth.ErrForbidden
	}
	return s.store.Reviews(ctx, p.Scope(), f)
}

// Get returns a review p may see, with what p may fire on it now: the
// review as the API and the review page show it (DrawRecord adds the
// expert draws, Page the documents).
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (View, error) {
	return s.load(ctx, p, p.Scope(), id)
}

// DrawRecord is Get with the review's expert draws, its drawn experts and
// their scores (the draw page).
func (s *Service) DrawRecord(ctx context.Context, p auth.Principal, id int64) (View, error) {
	v, err := s.load(ctx, p, p.Scope(), id)
	if err != nil {
		return View{}, err
	}
	q := &s.store.Queries
	draws, err := q.ExpertDraws(ctx, id)
	if err != nil {
		return View{}, err
	}
	v.Draws = make([]DrawView, 0, len(draws))
	for _, d := range draws {
		dv, err := drawViewOf(d)
		if err != nil {
			return View{}, err
		}
		v.Draws = append(v.Draws, dv)
	}
	if v.Experts, err = q.ReviewExperts(ctx, id); err != nil {
		return View{}, err
	}
	if v.Scores, err = q.ExpertScores(ctx, id); err != nil {
		return View{}, err
	}
	return v, nil
}

// Page is what the review page shows of a review: the review as Get reads
// it, the documents the filter selects with their total, and the viewer's
// task on it as a drawn expert.
type Page struct {
	View
	Documents     []store.Document
	DocumentTotal int
	// ExpertTask is the viewer's task as a main expert drawn for the
	// review; nil for every other viewer.
	ExpertTask *ExpertTask
}

// Page reads what the review page shows p of review id. The review is read
// once, within p's scope as Get reads it: a review p may not see is
// ErrNotFound, and nothing else of it is read.
func (s *Service) Page(ctx context.Context, p auth.Principal, id int64, f store.DocumentFilter) (Page, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return Page{}, err
	}
	out := Page{View: v}
	if out.Documents, out.DocumentTotal, err = s.store.Documents(ctx, v.Review.ID, f); err != nil {
		return Page{}, err
	}
	if out.ExpertTask, err = s.expertTask(ctx, p, v.Review); err != nil {
		return Page{}, err
	}
	return out, nil
}

// Events returns the timeline of a review p may see.
func (s *Service) Events(ctx context.Context, p auth.Principal, id int64) ([]store.ReviewEvent, error) {
	if _, err := s.store.Review(ctx, p.Scope(), id); err != nil {
		return nil, err
	}
	return s.store.ReviewEvents(ctx, id)
}

// load reads a review as sc sees it, for p: with its timeline and the
// parts it can have (partsOf).
func (s *Service) load(ctx context.Context, p auth.Principal, sc store.Scope, id int64) (View, error) {
	d, err := s.store.ReviewDossierOf(ctx, sc, id, func(r store.Review) store.DossierParts {
		parts := partsOf(r.ReviewChange)
		parts.Events = true
		return parts
	})
	if err != nil {
		return View{}, err
	}
	return s.viewOf(ctx, p, d)
}

// viewOf builds p's view of a review from its dossier.
func (s *Service) viewOf(ctx context.Context, p auth.Principal, d store.ReviewDossier) (View, error) {
	q := &s.store.Queries
	r := d.Review
	v := View{Review: r, SupervisorName: d.SupervisorName, Missing: map[workflow.Trigger][]string{}}
	facts, err := s.facts(ctx, q, r)
	if err != nil {
		return View{}, err
	}
	v.Permitted = []workflow.Trigger{}
	if owns(p, r) && r.ImportID == 0 {
		v.Permitted = permittedFor(ctx, p, workflow.New(r.State, facts))
	}
	for _, t := range v.Permitted {
		miss, err := s.missing(ctx, q, r, t)
		if err != nil {
			return View{}, err
		}
		if len(miss) > 0 {
			v.Missing[t] = miss
		}
	}
	if r.FirmID != 0 && s.firms != nil {
		v.Delegation = d.Delegation
	}
	if dl, err := deadline.CurrentOf(d.Deadlines); err == nil {
		v.Deadline = &dl
		v.Due.Text, v.Due.Class = deadline.FormatDue(d.Calendar, dl.DueAt, s.now())
	}
	if s.billing != nil {
		v.Fee = d.Statement
	}
	v.Papers = d.Papers
	v.Materials = RequiredMaterials(r.Kind)
	v.Suspensions = suspensionViews(d.Calendar, d.Suspensions, s.now())
	if d.Archive != nil {
		v.Archive = archiveView(*d.Archive)
	}
	v.Events = d.Events
	return v, nil
}
