package firm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"finreview/internal/assign"
	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/fee"
	"finreview/internal/input"
	"finreview/internal/store"
)

// Listed is one firm of a library listing, in rank order.
type Listed struct {
	store.Firm
	Position  int  // 1-based rank by score
	Qualified bool // qualified for the listing's kind
}

// Library is a jurisdiction's firm library for one review kind.
type Library struct {
	JurisdictionID int64
	Kind           string
	Items          []Listed
	// NextFirmID is the firm the next delegation of the kind would get if
	// nothing changes (0 when none is eligible).
	NextFirmID int64
}

// List returns the firm library of a jurisdiction (every jurisdiction when
// 0) ranked by score, with open reviews and capacity, and the next firm in
// rotation for kind.
func (s *Service) List(ctx context.Context, jurisdictionID int64, kind string) (Library, error) {
	if _, err := fee.ParseKind(kind); err != nil {
		return Library{}, fieldErr("kind", err.Error())
	}
	q := &s.store.Queries
	firms, err := q.Firms(ctx, store.FirmFilter{JurisdictionID: jurisdictionID})
	if err != nil {
		return Library{}, fmt.Errorf("load firm library: %w", err)
	}
	lib := Library{JurisdictionID: jurisdictionID, Kind: kind}
	af, err := toAssign(ctx, q, firms)
	if err != nil {
		return Library{}, err
	}
	byID := map[int64]store.Firm{}
	for _, f := range firms {
		byID[f.OrgID] = f
	}
	for i, f := range assign.Rank(af) {
		lib.Items = append(lib.Items, Listed{Firm: byID[f.ID], Position: i + 1, Qualified: slices.Contains(f.Kinds, kind)})
	}
	if jurisdictionID != 0 {
		cur, err := q.RotationCursorOf(ctx, jurisdictionID, kind)
		if err != nil {
			return Library{}, fmt.Errorf("rotation cursor: %w", err)
		}
		rotation := make([]assign.Firm, 0, len(af))
		for _, f := range af {
			if f.Status != assign.Removed {
				rotation = append(rotation, f)
			}
		}
		if next, ok := assign.Peek(rotation, toCursor(cur), assign.Request{Kind: kind, JurisdictionID: jurisdictionID}); ok {
			lib.NextFirmID = next.ID
		}
	}
	return lib, nil
}

// Search lists firms for the library page.
func (s *Service) Search(ctx context.Context, f store.FirmFilter) ([]store.Firm, error) {
	return s.store.Firms(ctx, f)
}

// Detail is everything the firm page shows.
type Detail struct {
	Firm        store.Firm
	History     []store.FirmStatusChange
	Conflicts   []store.Conflict
	Staff       []store.User
	Stats       Stats
	Assessments []store.FirmAssessment
	Delegations []store.Delegation
}

// Get returns a firm with its status history, conflicts, staff accounts,
// assessments, and the statistics and latest delegations of its reviews
// that sc sees.
func (s *Service) Get(ctx context.Context, sc store.Scope, id int64) (Detail, error) {
	q := &s.store.Queries
	f, err := q.FirmByID(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Firm: f}
	if d.History, err = q.FirmStatusHistory(ctx, id); err != nil {
		return Detail{}, err
	}
	if d.Conflicts, err = q.Conflicts(ctx, id); err != nil {
		return Detail{}, err
	}
	if d.Staff, err = q.UsersByRole(ctx, string(auth.Intermediary), id); err != nil {
		return Detail{}, err
	}
	if d.Stats, err = s.Stats(ctx, sc, id); err != nil {
		return Detail{}, err
	}
	if d.Assessments, err = q.FirmAssessmentHistory(ctx, id); err != nil {
		return Detail{}, err
	}
	if d.Delegations, err = q.FirmDelegations(ctx, sc, id, 20); err != nil {
		return Detail{}, err
	}
	return d, nil
}

// Stats are a firm's working figures over its concluded reviews.
type Stats struct {
	ReviewsDone int
	// ImportedDone counts the concluded reviews among ReviewsDone that
	// were imported from the registers kept before go-live.
	ImportedDone int
	Open         int
	// AverageWorkdays is the mean number of working days from delegation
	// to conclusion, 2 places.
	AverageWorkdays decimal.Decimal
	Submitted       decimal.Decimal // Σ submitted of the reviews with an audited amount
	Audited         decimal.Decimal // Σ audited
	// ReductionRate (审减率) = Σ(submitted − audited) ÷ Σ submitted, as a
	// fraction to 6 places; zero when nothing was submitted.
	ReductionRate decimal.Decimal
	Overdue       int
}

// ReductionPercent is the reduction rate as a percentage with 2 decimals, e.g. "12.34%".
func (st Stats) ReductionPercent() string {
	return st.ReductionRate.Mul(decimal.NewFromInt(100)).StringFixed(2) + "%"
}

// Stats computes a firm's statistics over its reviews that sc sees.
func (s *Service) Stats(ctx context.Context, sc store.Scope, firmID int64) (Stats, error) {
	rows, err := s.store.FirmStatsRows(ctx, sc, firmID)
	if err != nil {
		return Stats{}, fmt.Errorf("firm statistics: %w", err)
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("load calendar: %w", err)
	}
	return computeStats(rows, cal), nil
}

func computeStats(rows store.FirmStats, cal *calendar.Calendar) Stats {
	st := Stats{ReviewsDone: len(rows.Done), Open: rows.Open, Overdue: rows.Overdue,
		Submitted: decimal.Zero, Audited: decimal.Zero, AverageWorkdays: decimal.Zero, ReductionRate: decimal.Zero}
	days := 0
	for _, d := range rows.Done {
		if d.Imported {
			st.ImportedDone++
		}
		days += cal.WorkdaysBetween(calendar.DateOf(d.DelegatedAt), calendar.DateOf(d.ConcludedAt))
		if d.Audited.Valid {
			st.Submitted = st.Submitted.Add(d.Submitted)
			st.Audited = st.Audited.Add(d.Audited.Decimal)
		}
	}
	if n := len(rows.Done); n > 0 {
		st.AverageWorkdays = decimal.NewFromInt(int64(days)).DivRound(decimal.NewFromInt(int64(n)), 2)
	}
	if st.Submitted.IsPositive() {
		st.ReductionRate = st.Submitted.Sub(st.Audited).DivRound(st.Submitted, 6)
	}
	return st
}

// Input is the editable data of a firm.
type Input struct {
	Name             string
	CreditCode       string
	ContactPerson    string
	ContactPhone     string
	Address          string
	HomeJurisdiction int64 // where the firm is registered; defaults to the first library jurisdiction
	Qualification    string
	Capacity         int
	Score            decimal.Decimal // initial score (Create only)
	AdmittedAt       time.Time       // zero = now
	Kinds            []string
	Jurisdictions    []int64
}

// Check checks every field and reports every refused one at once
// (errors.Join), the first of each field only.
func (in *Input) Check() error {
	in.Name = strings.TrimSpace(in.Name)
	var errs []error
	switch {
	case in.Name == "":
		errs = append(errs, fieldErr("name", "请填写机构名称"))
	case len([]rune(in.Name)) > 128:
		errs = append(errs, fieldErr("name", "机构名称不能超过 128 个字"))
	default:
		errs = append(errs, input.Line("name", in.Name, 128))
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{{"qualification", in.Qualification, 128}, {"credit_code", in.CreditCode, 32},
		{"contact_person", in.ContactPerson, 64}, {"contact_phone", in.ContactPhone, 32}, {"address", in.Address, 255}} {
		errs = append(errs, input.Line(f.field, strings.TrimSpace(f.value), f.max))
	}
	if in.Capacity < 0 {
		errs = append(errs, fieldErr("capacity", "在办项目上限不能为负数(0 表示不限)"))
	}
	if in.Score.IsNegative() || in.Score.GreaterThan(decimal.NewFromInt(100)) {
		errs = append(errs, fieldErr("score", "得分须在 0–100 之间"))
	}
	if len(in.Kinds) == 0 {
		errs = append(errs, fieldErr("kinds", "请至少选择一类评审资质"))
	}
	for _, k := range in.Kinds {
		if _, err := fee.ParseKind(k); err != nil {
			errs = append(errs, fieldErr("kinds", err.Error()))
			break
		}
	}
	if len(in.Jurisdictions) == 0 {
		errs = append(errs, fieldErr("jurisdictions", "请至少选择一个服务区划"))
	} else if in.HomeJurisdiction == 0 {
		in.HomeJurisdiction = in.Jurisdictions[0]
	}
	return errors.Join(errs...)
}

func (in Input) firm(id int64) store.Firm {
	return store.Firm{OrgID: id, Name: in.Name, Qualification: strings.TrimSpace(in.Qualification), Capacity: in.Capacity,
		Score: in.Score.Round(2), AdmittedAt: in.AdmittedAt, Kinds: in.Kinds, Jurisdictions: in.Jurisdictions,
		CreditCode: strings.TrimSpace(in.CreditCode), ContactPerson: strings.TrimSpace(in.ContactPerson),
		ContactPhone: strings.TrimSpace(in.ContactPhone), Address: strings.TrimSpace(in.Address), HomeJurisdiction: in.HomeJurisdiction}
}

// Create admits a firm to the library (status active) and returns its id.
func (s *Service) Create(ctx context.Context, p auth.Principal, in Input) (int64, error) {
	if err := mayManage(p); err != nil {
		return 0, err
	}
	if err := in.Check(); err != nil {
		return 0, err
	}
	now := s.now().Truncate(time.Microsecond)
	if in.AdmittedAt.IsZero() {
		in.AdmittedAt = now
	}
	var id int64
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		var err error
		id, err = q.InsertOrganization(ctx, store.Organization{Kind: store.OrgFirm, Name: in.Name, JurisdictionID: in.HomeJurisdiction,
			CreditCode: in.CreditCode, ContactPerson: in.ContactPerson, ContactPhone: in.ContactPhone})
		if errors.Is(err, store.ErrDuplicate) {
			return fieldErr("name", "已有同名机构")
		}
		if err != nil {
			return fmt.Errorf("insert organization: %w", err)
		}
		f := in.firm(id)
		f.Status = string(assign.Active)
		if err := q.InsertFirm(ctx, f); err != nil {
			return fmt.Errorf("insert firm: %w", err)
		}
		if err := q.UpdateFirm(ctx, f); err != nil {
			return fmt.Errorf("firm contacts: %w", err)
		}
		if err := q.SetFirmStatus(ctx, id, string(assign.Active), "准入入库", p.UserID, now); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "firm_create",
			ObjectType: "firm", ObjectID: audit.ID(id), Detail: map[string]any{"after": firmAudit(f)}})
		return err
	})
	return id, err
}

// Update changes a firm's data (not its status or score).
func (s *Service) Update(ctx context.Context, p auth.Principal, id int64, in Input) error {
	if err := mayManage(p); err != nil {
		return err
	}
	if err := in.Check(); err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(q *store.Queries) error {
		before, err := q.FirmByID(ctx, id)
		if err != nil {
			return err
		}
		if in.AdmittedAt.IsZero() {
			in.AdmittedAt = before.AdmittedAt
		}
		f := in.firm(id)
		f.Score, f.Status = before.Score, before.Status
		if err := q.UpdateFirm(ctx, f); errors.Is(err, store.ErrDuplicate) {
			return fieldErr("name", "已有同名机构")
		} else if err != nil {
			return fmt.Errorf("update firm: %w", err)
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "firm_update",
			ObjectType: "firm", ObjectID: audit.ID(id),
			Detail: map[string]any{"before": firmAudit(before), "after": firmAudit(f)}})
		return err
	})
}

func firmAudit(f store.Firm) map[string]any {
	return map[string]any{"name": f.Name, "qualification": f.Qualification, "capacity": f.Capacity, "score": f.Score.StringFixed(2),
		"status": f.Status, "kinds": f.Kinds, "jurisdictions": f.Jurisdictions, "admitted_at": f.AdmittedAt.Format(time.RFC3339),
		"credit_code": f.CreditCode, "contact_person": f.ContactPerson, "contact_phone": f.ContactPhone, "address": f.Address}
}

// SetStatus suspends, reinstates or removes a firm, with a reason; the
// change is kept in the status history and audited. A removed firm (清退)
// cannot be reinstated.
func (s *Service) SetStatus(ctx context.Context, p auth.Principal, id int64, status assign.Status, reason string) error {
	if err := mayManage(p); err != nil {
		return err
	}
	var statusErr, reasonErr error
	switch status {
	case assign.Active, assign.Suspended, assign.Removed:
	default:
		statusErr = fieldErr("status", fmt.Sprintf("状态 %q 无效", string(status)))
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reasonErr = fieldErr("reason", "请填写状态变更理由")
	}
	if err := errors.Join(statusErr, reasonErr); err != nil {
		return err
	}
	now := s.now().Truncate(time.Microsecond)
	return s.store.InTx(ctx, func(q *store.Queries) error {
		before, err := q.FirmByID(ctx, id)
		if err != nil {
			return err
		}
		if before.Status == string(status) {
			return conflictErr("status_unchanged", "该机构已是"+status.Label()+"状态")
		}
		if before.Status == string(assign.Removed) {
			return conflictErr("firm_removed", "该机构已清退出库,不能恢复")
		}
		if err := q.SetFirmStatus(ctx, id, string(status), reason, p.UserID, now); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "firm_status",
			ObjectType: "firm", ObjectID: audit.ID(id),
			Detail: map[string]any{"before": before.Status, "after": string(status), "reason": reason}})
		return err
	})
}

// DeclareConflict records a declared relation (关联关系) between a firm and
// a construction unit, competent department or contractor.
func (s *Service) DeclareConflict(ctx context.Context, p auth.Principal, firmID, orgID int64, relation string) error {
	if err := mayManage(p); err != nil {
		return err
	}
	relation = strings.TrimSpace(relation)
	var relationErr, orgErr error
	if relation == "" {
		relationErr = fieldErr("relation", "请说明关联关系")
	}
	if orgID <= 0 {
		orgErr = fieldErr("org_id", "请选择关联单位")
	}
	if err := errors.Join(relationErr, orgErr); err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(q *store.Queries) error {
		if _, err := q.FirmByID(ctx, firmID); err != nil {
			return err
		}
		org, err := q.Organization(ctx, orgID)
		if errors.Is(err, store.ErrNotFound) {
			return fieldErr("org_id", "所选单位不存在")
		}
		if err != nil {
			return err
		}
		switch org.Kind {
		case store.OrgUnit, store.OrgContractor, store.OrgCompetentDept:
		default:
			return fieldErr("org_id", "关联单位须为建设单位、主管部门或施工单位")
		}
		if err := q.InsertConflict(ctx, firmID, orgID, relation); errors.Is(err, store.ErrDuplicate) {
			return fieldErr("org_id", "已申报过与该单位的关联关系")
		} else if err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "firm_conflict",
			ObjectType: "firm", ObjectID: audit.ID(firmID),
			Detail: map[string]any{"org_id": strconv.FormatInt(orgID, 10), "org_name": org.Name, "relation": relation}})
		return err
	})
}

// Experts lists the expert library.
func (s *Service) Experts(ctx context.Context, f store.ExpertFilter) ([]store.Expert, error) {
	return s.store.Experts(ctx, f)
}

// Specialties lists the experts' specialties in use.
func (s *Service) Specialties(ctx context.Context) ([]string, error) {
	return s.store.ExpertSpecialties(ctx)
}

// AddExpert adds an expert to the library and returns its id.
func (s *Service) AddExpert(ctx context.Context, p auth.Principal, e store.Expert) (int64, error) {
	if err := mayManage(p); err != nil {
		return 0, err
	}
	e.Name, e.Specialty = strings.TrimSpace(e.Name), strings.TrimSpace(e.Specialty)
	e.Title, e.Employer = strings.TrimSpace(e.Title), strings.TrimSpace(e.Employer)
	var errs []error
	for _, f := range []struct {
		field, label, value string
		max                 int
		required            string
	}{{"name", "专家姓名", e.Name, 64, "请填写专家姓名"}, {"specialty", "专业", e.Specialty, 64, "请填写专业"},
		{"title", "职称", e.Title, 64, ""}, {"employer", "工作单位", e.Employer, 128, ""}} {
		switch {
		case f.value == "" && f.required != "":
			errs = append(errs, fieldErr(f.field, f.required))
		case utf8.RuneCountInString(f.value) > f.max:
			errs = append(errs, fieldErr(f.field, fmt.Sprintf("%s不能超过 %d 个字", f.label, f.max)))
		default:
			errs = append(errs, input.Line(f.field, f.value, 0))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	e.Active = true
	now := s.now()
	var id int64
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		var err error
		if id, err = q.InsertExpert(ctx, e); err != nil {
			return fmt.Errorf("insert expert: %w", err)
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "expert_add",
			ObjectType: "expert", ObjectID: audit.ID(id),
			Detail: map[string]any{"name": e.Name, "specialty": e.Specialty, "title": e.Title, "employer": e.Employer}})
		return err
	})
	return id, err
}

// SetExpertActive enables or disables an expert.
func (s *Service) SetExpertActive(ctx context.Context, p auth.Principal, id int64, active bool) error {
	if err := mayManage(p); err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(q *store.Queries) error {
		if err := q.SetExpertActive(ctx, id, active); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "expert_active",
			ObjectType: "expert", ObjectID: audit.ID(id), Detail: map[string]any{"active": active}})
		return err
	})
}
