package importer

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/fee"
	"finreview/internal/review"
	"finreview/internal/store"
)

// names lists the distinct non-empty strings given.
func names(in ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range in {
		for _, s := range list {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// orgIndex finds existing organizations by name and by credit code.
type orgIndex struct {
	byName map[string]store.OrgRef
	byCode map[string]store.OrgRef
}

func lookupOrgs(ctx context.Context, q *store.Queries, nameList, codeList []string) (orgIndex, error) {
	refs, err := q.OrgsByNameOrCode(ctx, names(nameList), names(codeList))
	if err != nil {
		return orgIndex{}, err
	}
	ix := orgIndex{byName: map[string]store.OrgRef{}, byCode: map[string]store.OrgRef{}}
	for _, o := range refs {
		ix.byName[o.Name] = o
		if o.CreditCode != "" {
			ix.byCode[o.CreditCode] = o
		}
	}
	return ix, nil
}

// pending is one register's batch: its rows that passed parsing, and the
// new ones among them that check found, which insert adds with add. read
// parses one row (reporting its own problems); compare finds the new rows.
type pending[R, T any] struct {
	c       *checker
	rows    []R
	fresh   []T
	read    func(c *checker, r row) R
	compare func(ctx context.Context, q *store.Queries, b *pending[R, T]) error
	add     func(q *store.Queries, ctx context.Context, importID int64, fresh []T, at time.Time) error
}

// parse reads r and keeps it when reading it found no problem.
func (p *pending[R, T]) parse(r row) {
	before := p.c.reported()
	v := p.read(p.c, r)
	if p.c.reported() == before {
		p.rows = append(p.rows, v)
	}
}

func (p *pending[R, T]) check(ctx context.Context, q *store.Queries) error {
	return p.compare(ctx, q, p)
}

func (p *pending[R, T]) insert(ctx context.Context, q *store.Queries, importID int64, at time.Time) error {
	if len(p.fresh) == 0 {
		return nil
	}
	p.c.added += len(p.fresh)
	return p.add(q, ctx, importID, p.fresh, at)
}

func (p *pending[R, T]) count() int { return len(p.fresh) }

func (p *pending[R, T]) reset() { p.rows, p.fresh = p.rows[:0], p.fresh[:0] }

// ---- firms ----

type firmRow struct {
	row
	firm store.Firm
}

func newFirmBatch(c *checker) batch {
	return &pending[firmRow, store.Firm]{c: c, read: readFirm, compare: checkFirms, add: (*store.Queries).InsertImportedFirms}
}

func readFirm(c *checker, r row) firmRow {
	f := store.Firm{Status: "active"}
	f.Name = c.text(r, hName, true, 128)
	f.CreditCode = c.creditCode(r, hCreditCode, true)
	f.Qualification = c.text(r, hQualification, true, 128)
	if s, ok := c.amount(r, hScore, false); ok {
		if s.GreaterThan(decimal.NewFromInt(100)) {
			c.problem(r, hScore, "评分应在 0 至 100 之间")
		}
		f.Score = s
	}
	f.ContactPerson = c.text(r, hContact, false, 64)
	f.ContactPhone = c.phone(r, hPhone)
	f.AdmittedAt, _ = c.date(r, hAdmitted)
	f.Status = c.choice(r, hStatus, firmStatuses, false, "active")
	if f.Status != "active" {
		f.StatusReason = "上线前导入"
	}
	f.HomeJurisdiction = c.jurisdiction(r, hJurisdiction)
	f.Jurisdictions = c.jurisdictionList(r, hServes)
	if len(f.Jurisdictions) == 0 && f.HomeJurisdiction != 0 {
		f.Jurisdictions = []int64{f.HomeJurisdiction}
	}
	kinds := reviewKinds()
	for _, k := range splitList(textValue(r.cells[hKinds])) {
		code, ok := kinds[k]
		if !ok {
			c.problem(r, hKinds, "未知的评审类型“%s”", k)
			continue
		}
		f.Kinds = append(f.Kinds, code)
	}
	if len(f.Kinds) == 0 {
		for _, k := range fee.Kinds() {
			f.Kinds = append(f.Kinds, string(k))
		}
	}
	f.Capacity = c.count(r, hCapacity, 10000)
	c.once(r, hName, "name", f.Name)
	c.once(r, hCreditCode, "code", f.CreditCode)
	return firmRow{r, f}
}

func checkFirms(ctx context.Context, q *store.Queries, b *pending[firmRow, store.Firm]) error {
	var ns, cs []string
	for _, r := range b.rows {
		ns, cs = append(ns, r.firm.Name), append(cs, r.firm.CreditCode)
	}
	ix, err := lookupOrgs(ctx, q, ns, cs)
	if err != nil {
		return err
	}
	for _, r := range b.rows {
		same, named := ix.byName[r.firm.Name]
		coded, hasCode := ix.byCode[r.firm.CreditCode]
		switch {
		case named && same.IsFirm && same.CreditCode == r.firm.CreditCode:
			b.c.existing++ // imported before: nothing to do
		case named:
			b.c.problem(r.row, hName, "系统中已有同名单位“%s”,但不是同一统一社会信用代码的中介机构", r.firm.Name)
		case hasCode:
			b.c.problem(r.row, hCreditCode, "该统一社会信用代码已属于“%s”", coded.Name)
		default:
			b.fresh = append(b.fresh, r.firm)
		}
	}
	return nil
}

// ---- experts ----

type expertRow struct {
	row
	expert store.ImportedExpert
}

func newExpertBatch(c *checker) batch {
	return &pending[expertRow, store.ImportedExpert]{c: c, read: readExpert, compare: checkExperts,
		add: (*store.Queries).InsertImportedExperts}
}

func readExpert(c *checker, r row) expertRow {
	var e store.ImportedExpert
	e.Name = c.text(r, hExpertName, true, 64)
	e.Specialty = c.text(r, hSpecialty, true, 64)
	e.Title = c.text(r, hTitle, false, 64)
	e.Employer = c.text(r, hEmployer, false, 128)
	e.Phone = c.phone(r, hPhone)
	e.IDNumber = c.idNumber(r, hIDNumber)
	if e.IDNumber != "" {
		c.once(r, hIDNumber, "id", e.IDNumber)
	} else {
		c.once(r, hExpertName, "expert", e.Name+"\x00"+e.Employer)
	}
	return expertRow{r, e}
}

func checkExperts(ctx context.Context, q *store.Queries, b *pending[expertRow, store.ImportedExpert]) error {
	var ns, ids []string
	for _, r := range b.rows {
		ns, ids = append(ns, r.expert.Name), append(ids, r.expert.IDNumber)
	}
	refs, err := q.ExpertsByNameOrID(ctx, names(ns), names(ids))
	if err != nil {
		return err
	}
	byID := map[string]store.ExpertRef{}
	byName := map[string]bool{}
	for _, e := range refs {
		if e.IDNumber != "" {
			byID[e.IDNumber] = e
		}
		byName[e.Name+"\x00"+e.Employer] = true
	}
	for _, r := range b.rows {
		e := r.expert
		if e.IDNumber != "" {
			if old, ok := byID[e.IDNumber]; ok {
				b.c.known(r.row, old.Name == e.Name, hIDNumber, "该身份证号已登记为专家“%s”", old.Name)
				continue
			}
		} else if byName[e.Name+"\x00"+e.Employer] {
			b.c.existing++
			continue
		}
		b.fresh = append(b.fresh, e)
	}
	return nil
}

// ---- organizations ----

type orgRow struct {
	row
	org    store.Organization
	parent string
}

func newOrgBatch(c *checker) batch {
	return &pending[orgRow, store.Organization]{c: c, read: readOrg, compare: checkOrgs, add: (*store.Queries).InsertImportedOrgs}
}

func readOrg(c *checker, r row) orgRow {
	var o store.Organization
	o.Name = c.text(r, hOrgName, true, 128)
	o.Kind = c.choice(r, hOrgKind, orgKinds, true, "")
	o.JurisdictionID = c.jurisdiction(r, hJurisdiction)
	o.CreditCode = c.creditCode(r, hCreditCode, false)
	o.ContactPerson = c.text(r, hContact, false, 64)
	o.ContactPhone = c.phone(r, hPhone)
	parent := c.text(r, hParent, false, 128)
	c.once(r, hOrgName, "name", o.Name)
	c.once(r, hCreditCode, "code", o.CreditCode)
	return orgRow{r, o, parent}
}

func checkOrgs(ctx context.Context, q *store.Queries, b *pending[orgRow, store.Organization]) error {
	var ns, cs []string
	for _, r := range b.rows {
		ns, cs = append(ns, r.org.Name, r.parent), append(cs, r.org.CreditCode)
	}
	ix, err := lookupOrgs(ctx, q, ns, cs)
	if err != nil {
		return err
	}
	for _, r := range b.rows {
		o := r.org
		if old, ok := ix.byName[o.Name]; ok {
			b.c.known(r.row, old.Kind == o.Kind && old.JurisdictionID == o.JurisdictionID, hOrgName, "系统中已有同名单位,但类型或区划不同")
			continue
		}
		if old, ok := ix.byCode[o.CreditCode]; ok && o.CreditCode != "" {
			b.c.problem(r.row, hCreditCode, "该统一社会信用代码已属于“%s”", old.Name)
			continue
		}
		if r.parent != "" {
			p, ok := ix.byName[r.parent]
			if !ok || p.Kind != store.OrgCompetentDept {
				b.c.problem(r.row, hParent, "系统中没有名为“%s”的主管部门(可先导入主管部门)", r.parent)
				continue
			}
			o.ParentID = p.ID
		}
		b.fresh = append(b.fresh, o)
	}
	return nil
}

// ---- projects ----

// keyProjectThreshold makes a project a key project, as a project entered
// through the system is.
var keyProjectThreshold = decimal.NewFromInt(5000000)

type projectRow struct {
	row
	project     store.ImportedProject
	unit, dept  string
	contractors []string
}

func newProjectBatch(c *checker) batch {
	return &pending[projectRow, store.ImportedProject]{c: c, read: readProject, compare: checkProjects,
		add: (*store.Queries).InsertImportedProjects}
}

func readProject(c *checker, r row) projectRow {
	var p projectRow
	p.row = r
	p.project.Code = c.text(r, hProjectCode, true, 64)
	p.project.Name = c.text(r, hProjectName, true, 200)
	p.project.JurisdictionID = c.jurisdiction(r, hJurisdiction)
	p.unit = c.text(r, hUnit, true, 128)
	p.dept = c.text(r, hDept, false, 128)
	p.project.FundingSource = c.choice(r, hFunding, byLabel(review.FundingSources()), true, "")
	p.project.Category = c.choice(r, hCategory, byLabel(review.Categories()), true, "")
	p.project.ApprovedEstimate, _ = c.amount(r, hEstimate, true)
	p.project.KeyProject = p.project.ApprovedEstimate.GreaterThanOrEqual(keyProjectThreshold)
	p.contractors = splitList(textValue(r.cells[hContractors]))
	c.once(r, hProjectCode, "code", p.project.Code)
	return p
}

func checkProjects(ctx context.Context, q *store.Queries, b *pending[projectRow, store.ImportedProject]) error {
	var codes, orgs []string
	for _, r := range b.rows {
		codes = append(codes, r.project.Code)
		orgs = append(append(orgs, r.unit, r.dept), r.contractors...)
	}
	existing, err := q.ProjectsByCode(ctx, codes)
	if err != nil {
		return err
	}
	ix, err := lookupOrgs(ctx, q, orgs, nil)
	if err != nil {
		return err
	}
	org := func(r row, header, name, kind, label string) (int64, bool) {
		o, ok := ix.byName[name]
		if !ok || o.Kind != kind {
			b.c.problem(r, header, "系统中没有名为“%s”的%s(可先导入单位)", name, label)
			return 0, false
		}
		return o.ID, true
	}
	for _, r := range b.rows {
		p := r.project
		if old, ok := existing[p.Code]; ok {
			b.c.known(r.row, old.Name == p.Name, hProjectCode, "项目编号已用于“%s”", old.Name)
			continue
		}
		ok := true
		var good bool
		if p.UnitOrgID, good = org(r.row, hUnit, r.unit, store.OrgUnit, "建设单位"); !good {
			ok = false
		}
		if r.dept != "" {
			if p.DeptOrgID, good = org(r.row, hDept, r.dept, store.OrgCompetentDept, "主管部门"); !good {
				ok = false
			}
		}
		for _, name := range r.contractors {
			id, good := org(r.row, hContractors, name, store.OrgContractor, "施工单位")
			ok = ok && good
			p.ContractorIDs = append(p.ContractorIDs, id)
		}
		if ok {
			b.fresh = append(b.fresh, p)
		}
	}
	return nil
}

// ---- historical reviews ----

// docNumberPattern reads a 文号: any prefix, the year in 〔〕 and the serial.
var docNumberPattern = regexp.MustCompile(`^(\S+?)[〔\[［(（](\d{4})[〕\]］)）]第?(\d{1,6})号$`)

// parseDocNumber splits a 文号 into its year and serial, and gives its
// normalized form (brackets 〔〕, no 第) for comparisons.
func parseDocNumber(s string) (normalized string, year, number int, ok bool) {
	m := docNumberPattern.FindStringSubmatch(s)
	if m == nil {
		return "", 0, 0, false
	}
	year, _ = strconv.Atoi(m[2])
	number, _ = strconv.Atoi(m[3])
	if number == 0 {
		return "", 0, 0, false
	}
	return fmt.Sprintf("%s〔%d〕%d号", m[1], year, number), year, number, true
}

type reviewRow struct {
	row
	review      store.ImportedReview
	projectCode string
	firm        string
}

// reviewFees is what the historical reviews of one run share: the fee
// schedule imported fees are filed under (0: not looked up yet, -1: none
// exists).
type reviewFees struct {
	schedule int64
}

func newReviewBatch(c *checker) batch {
	fees := &reviewFees{}
	return &pending[reviewRow, store.ImportedReview]{c: c, read: readReview, compare: fees.check,
		add: func(q *store.Queries, ctx context.Context, importID int64, fresh []store.ImportedReview, at time.Time) error {
			return q.InsertImportedReviews(ctx, importID, max(fees.schedule, 0), fresh, at)
		}}
}

func readReview(c *checker, r row) reviewRow {
	var v reviewRow
	v.row = r
	v.projectCode = c.text(r, hProjectCode, true, 64)
	v.review.Kind = c.choice(r, hReviewKind, reviewKinds(), true, "")
	v.review.SubmittedAmount, _ = c.amount(r, hSubmitted, true)
	v.review.AuditedAmount, _ = c.amount(r, hAudited, true)
	v.firm = c.text(r, hFirm, false, 128)
	submitted, ok1 := c.date(r, hSubmittedOn)
	concluded, ok2 := c.date(r, hConcludedOn)
	if ok1 && ok2 && concluded.Before(submitted) {
		c.problem(r, hConcludedOn, "结论日期早于报送日期")
	}
	v.review.SubmittedAt, v.review.ConcludedAt = submitted, concluded
	if doc := c.text(r, hDocNumber, true, 64); doc != "" {
		norm, year, number, ok := parseDocNumber(doc)
		if !ok {
			c.problem(r, hDocNumber, "文号格式应为“临财评〔2023〕15号”")
		} else {
			// The 文号 is kept as written; its normalized form finds repeats.
			v.review.DocNumber, v.review.Year, v.review.Number = doc, year, number
			c.once(r, hDocNumber, "doc", norm)
		}
	}
	if f, ok := c.amount(r, hFeeCharged, false); ok {
		v.review.Fee = decimal.NullDecimal{Decimal: f, Valid: true}
	}
	return v
}

func (fees *reviewFees) check(ctx context.Context, q *store.Queries, b *pending[reviewRow, store.ImportedReview]) error {
	var codes, firms []string
	for _, r := range b.rows {
		codes, firms = append(codes, r.projectCode), append(firms, r.firm)
	}
	projects, err := q.ProjectsByCode(ctx, names(codes))
	if err != nil {
		return err
	}
	ix, err := lookupOrgs(ctx, q, firms, nil)
	if err != nil {
		return err
	}
	var docs []string
	var numbers []store.PaperKey
	for i := range b.rows {
		r := &b.rows[i]
		p, ok := projects[r.projectCode]
		if !ok {
			b.c.problem(r.row, hProjectCode, "系统中没有项目编号“%s”(可先导入项目)", r.projectCode)
			r.review.ProjectID = 0
			continue
		}
		if !b.c.inScope(r.row, hProjectCode, p.JurisdictionID) {
			r.review.ProjectID = 0
			continue
		}
		r.review.ProjectID, r.review.JurisdictionID, r.review.UnitOrgID = p.ID, p.JurisdictionID, p.UnitOrgID
		docs = append(docs, r.review.DocNumber)
		numbers = append(numbers, store.PaperKey{JurisdictionID: p.JurisdictionID, Year: r.review.Year, Number: r.review.Number})
	}
	papers, err := q.ConclusionPapers(ctx, docs, numbers)
	if err != nil {
		return err
	}
	byDoc := map[string]store.PaperRef{}
	byNumber := map[store.PaperKey]store.PaperRef{}
	for _, p := range papers {
		byDoc[fmt.Sprintf("%d\x00%s", p.JurisdictionID, p.DocNumber)] = p
		byNumber[store.PaperKey{JurisdictionID: p.JurisdictionID, Year: p.Year, Number: p.Number}] = p
	}
	for _, r := range b.rows {
		v := r.review
		if v.ProjectID == 0 {
			continue
		}
		if old, ok := byDoc[fmt.Sprintf("%d\x00%s", v.JurisdictionID, v.DocNumber)]; ok {
			b.c.known(r.row, old.Imported && old.ProjectCode == r.projectCode && old.ReviewKind == v.Kind,
				hDocNumber, "文号“%s”已被项目“%s”的评审结论使用", v.DocNumber, old.ProjectCode)
			continue
		}
		key := store.PaperKey{JurisdictionID: v.JurisdictionID, Year: v.Year, Number: v.Number}
		if old, ok := byNumber[key]; ok {
			b.c.problem(r.row, hDocNumber, "该区划 %d 年第 %d 号结论已由文号“%s”使用", v.Year, v.Number, old.DocNumber)
			continue
		}
		if !b.c.once(r.row, hDocNumber, "number", fmt.Sprintf("%d:%d:%d", key.JurisdictionID, key.Year, key.Number)) {
			continue
		}
		if r.firm != "" {
			f, ok := ix.byName[r.firm]
			if !ok || !f.IsFirm {
				b.c.problem(r.row, hFirm, "中介机构库中没有“%s”(可先导入中介机构)", r.firm)
				continue
			}
			v.FirmID = f.ID
		}
		if v.Fee.Valid {
			if fees.schedule == 0 {
				id, err := q.LatestFeeScheduleID(ctx)
				switch {
				case errors.Is(err, store.ErrNotFound):
					fees.schedule = -1
				case err != nil:
					return err
				default:
					fees.schedule = id
				}
			}
			if fees.schedule < 0 {
				b.c.problem(r.row, hFeeCharged, "系统尚未录入收费标准,不能登记评审费;请先录入收费标准或留空")
				continue
			}
		}
		b.fresh = append(b.fresh, v)
	}
	return nil
}
