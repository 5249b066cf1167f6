package firm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/assign"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/firm"
	"finreview/internal/input"
	"finreview/internal/store"
	"finreview/workflow"
)

// fixture is a jurisdiction with a unit, a contractor, a project, a
// review-center user and a firm library.
type fixture struct {
	t          *testing.T
	s          *store.Store
	svc        *firm.Service
	now        time.Time
	juris      int64
	unit       int64
	contractor int64
	project    int64
	actor      auth.Principal
	firms      []int64 // in rank order (highest score first)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// newFixture makes len(scores) firms qualified for settlement; scores must
// be given highest first.
func newFixture(t *testing.T, scores ...string) *fixture {
	t.Helper()
	ctx := context.Background()
	s := testDB(t)
	f := &fixture{t: t, s: s, now: time.Date(2026, 3, 10, 10, 0, 0, 0, calendar.Location())}
	f.svc = firm.NewService(s, func() time.Time { return f.now })
	must := func(id int64, err error) int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.juris = must(s.InsertJurisdiction(ctx, store.Jurisdiction{Code: "150802", Name: "临河区"}, 1))
	f.unit = must(s.InsertOrganization(ctx, store.Organization{Kind: store.OrgUnit, Name: "临河区民政局", JurisdictionID: f.juris}))
	f.contractor = must(s.InsertOrganization(ctx, store.Organization{Kind: store.OrgContractor, Name: "河套建设", JurisdictionID: f.juris}))
	center := must(s.InsertOrganization(ctx, store.Organization{Kind: store.OrgReviewCenter, Name: "评审中心", JurisdictionID: f.juris}))
	uid := must(s.InsertUser(ctx, store.User{Username: "pingshen", DisplayName: "张志强", PasswordHash: "x", Role: string(auth.ReviewCenter),
		OrgID: center, JurisdictionID: f.juris, Active: true}))
	f.actor = auth.Principal{UserID: uid, Username: "pingshen", Name: "张志强", Role: auth.ReviewCenter, OrgID: center, JurisdictionID: f.juris}
	f.project = must(s.InsertProject(ctx, store.Project{Code: "P-1", Name: "社区综合服务设施", JurisdictionID: f.juris, UnitOrgID: f.unit,
		FundingSource: "general_budget", Category: "capital", ApprovedEstimate: dec("1000000")}, []int64{f.contractor}))
	base := time.Date(2018, 4, 2, 9, 0, 0, 0, calendar.Location())
	for i, sc := range scores {
		id := must(s.InsertOrganization(ctx, store.Organization{Kind: store.OrgFirm, Name: fmt.Sprintf("中介机构%d", i+1), JurisdictionID: f.juris}))
		if err := s.InsertFirm(ctx, store.Firm{OrgID: id, Qualification: "甲级", Status: "active", Score: dec(sc),
			AdmittedAt: base.AddDate(0, i, 0), Kinds: []string{"settlement", "budget"}, Jurisdictions: []int64{f.juris}}); err != nil {
			t.Fatal(err)
		}
		f.firms = append(f.firms, id)
	}
	return f
}

func (f *fixture) review(kind string) store.Review {
	f.t.Helper()
	ctx := context.Background()
	id, err := f.s.InsertReview(ctx, store.Review{ProjectID: f.project, Kind: kind, JurisdictionID: f.juris, UnitOrgID: f.unit,
		SubmittedAmount: dec("1000000")})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.s.DB.ExecContext(ctx, "UPDATE reviews SET state = 'accepted' WHERE id = ?", id); err != nil {
		f.t.Fatal(err)
	}
	r, err := f.s.Review(ctx, store.Scope{All: true}, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// delegate runs a delegation as the review service does: lock the review,
// delegate, write firm and state to the review row.
func (f *fixture) delegate(reviewID int64, req firm.DelegateRequest) (firm.Delegation, error) {
	var d firm.Delegation
	if req.Actor.UserID == 0 {
		req.Actor = f.actor
	}
	err := f.s.InTx(context.Background(), func(q *store.Queries) error {
		r, err := q.LockReview(context.Background(), reviewID)
		if err != nil {
			return err
		}
		if d, err = f.svc.Delegate(context.Background(), q, r, req); err != nil {
			return err
		}
		c := r.Change()
		c.State, c.FirmID = workflow.Delegated, d.FirmID
		return q.UpdateReview(context.Background(), r.ID, r.Version, c, f.now)
	})
	return d, err
}

func (f *fixture) end(reviewID int64, status string) {
	f.t.Helper()
	err := f.s.InTx(context.Background(), func(q *store.Queries) error {
		if err := f.svc.EndDelegation(context.Background(), q, reviewID, 0, status, "测试结束委托", f.now); err != nil {
			return err
		}
		_, err := q.LockReview(context.Background(), reviewID)
		if err != nil {
			return err
		}
		_, err = f.s.DB.ExecContext(context.Background(), "SELECT 1")
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.s.DB.ExecContext(context.Background(), "UPDATE reviews SET state = 'accepted', firm_id = NULL WHERE id = ?", reviewID); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.s.DB.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) cursor() int64 {
	f.t.Helper()
	c, err := f.s.RotationCursorOf(context.Background(), f.juris, "settlement")
	if err != nil {
		f.t.Fatal(err)
	}
	return c.LastFirmID
}

func TestRotationThroughTheDatabase(t *testing.T) {
	f := newFixture(t, "95", "90", "85", "80", "75")
	var got []int64
	for i := range 10 {
		r := f.review("settlement")
		d, err := f.delegate(r.ID, firm.DelegateRequest{})
		if err != nil {
			t.Fatalf("delegation %d: %v", i, err)
		}
		got = append(got, d.FirmID)
		if d.Override || d.Status != "active" || len(d.Considered) == 0 || d.Considered[len(d.Considered)-1].FirmID != d.FirmID {
			t.Fatalf("delegation %d = %+v", i, d)
		}
		stored, err := f.svc.ActiveDelegation(context.Background(), nil, r.ID)
		if err != nil || stored.FirmID != d.FirmID || len(stored.Considered) != len(d.Considered) || !stored.Considered[0].Score.Equal(d.Considered[0].Score) {
			t.Fatalf("stored delegation %+v, %v; want %+v", stored, err, d)
		}
	}
	want := append(slices.Clone(f.firms), f.firms...)
	if !slices.Equal(got, want) {
		t.Fatalf("rotation gave %v, want %v", got, want)
	}
	if n := f.count("SELECT COUNT(*) FROM audit_events WHERE action = 'delegate'"); n != 10 {
		t.Fatalf("%d delegate audit events, want 10", n)
	}
	if c := f.cursor(); c != f.firms[4] {
		t.Fatalf("cursor at %d, want %d", c, f.firms[4])
	}
	lib, err := f.svc.List(context.Background(), f.juris, "settlement")
	if err != nil {
		t.Fatal(err)
	}
	if lib.NextFirmID != f.firms[0] || len(lib.Items) != 5 || lib.Items[0].OrgID != f.firms[0] || lib.Items[0].OpenReviews != 2 {
		t.Fatalf("library = next %d, items %+v", lib.NextFirmID, lib.Items)
	}
}

func TestConcurrentDelegationsTakeDistinctTurns(t *testing.T) {
	f := newFixture(t, "95", "90", "85", "80", "75")
	reviews := make([]int64, 20)
	for i := range reviews {
		reviews[i] = f.review("settlement").ID
	}
	var wg sync.WaitGroup
	errs := make([]error, len(reviews))
	for i, id := range reviews {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.delegate(id, firm.DelegateRequest{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delegation of review %d: %v", reviews[i], err)
		}
	}
	rows, err := f.s.DB.QueryContext(context.Background(), "SELECT firm_id FROM delegations ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var seq []int64
	counts := map[int64]int{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		seq = append(seq, id)
		counts[id]++
	}
	if len(seq) != 20 {
		t.Fatalf("%d delegations, want 20", len(seq))
	}
	for _, id := range f.firms {
		if counts[id] != 4 {
			t.Fatalf("firm %d got %d delegations, want 4 (%v)", id, counts[id], counts)
		}
	}
	for i := range seq {
		if seq[i] != f.firms[i%5] {
			t.Fatalf("turn %d went to %d, want %d (sequence %v)", i, seq[i], f.firms[i%5], seq)
		}
		if i > 0 && seq[i] == seq[i-1] {
			t.Fatalf("turns %d and %d both went to %d", i-1, i, seq[i])
		}
	}
	if n := f.count("SELECT COUNT(DISTINCT review_id) FROM delegations"); n != 20 {
		t.Fatalf("%d reviews delegated, want 20", n)
	}
}

func TestDeclineGoesToTheNextFirmAndExcludesTheFirm(t *testing.T) {
	f := newFixture(t, "95", "90", "85")
	r := f.review("settlement")
	first, err := f.delegate(r.ID, firm.DelegateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first.FirmID != f.firms[0] {
		t.Fatalf("first delegation to %d, want %d", first.FirmID, f.firms[0])
	}
	t.Run("a second delegation while one is active is refused", func(t *testing.T) {
		_, err := f.delegate(r.ID, firm.DelegateRequest{})
		var se *firm.StatusError
		if !errors.As(err, &se) || se.HTTPStatus() != 409 {
			t.Fatalf("err = %v, want 409", err)
		}
	})
	f.end(r.ID, "declined")
	second, err := f.delegate(r.ID, firm.DelegateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if second.FirmID != f.firms[1] {
		t.Fatalf("after the decline the review went to %d, want %d", second.FirmID, f.firms[1])
	}
	ds, err := f.svc.Delegations(context.Background(), r.ID)
	if err != nil || len(ds) != 2 || ds[0].Status != "declined" || ds[0].EndedAt.IsZero() || ds[1].Status != "active" {
		t.Fatalf("delegations %+v, %v", ds, err)
	}
	if n := f.count("SELECT COUNT(*) FROM review_exclusions WHERE review_id = ? AND firm_id = ? AND reason = 'declined'", r.ID, f.firms[0]); n != 1 {
		t.Fatalf("exclusion rows %d, want 1", n)
	}
	f.end(r.ID, "cancelled")
	t.Run("excluded firms are never chosen again", func(t *testing.T) {
		third, err := f.delegate(r.ID, firm.DelegateRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if third.FirmID != f.firms[2] {
			t.Fatalf("third delegation to %d, want %d", third.FirmID, f.firms[2])
		}
		f.end(r.ID, "cancelled")
		_, err = f.delegate(r.ID, firm.DelegateRequest{})
		var ne *firm.NoEligibleFirmError
		if !errors.As(err, &ne) || len(ne.Considered) != 3 {
			t.Fatalf("err = %v, want no eligible firm among 3", err)
		}
		for _, c := range ne.Considered {
			if c.Reason != assign.SkipExcluded {
				t.Fatalf("firm %d skipped for %s, want excluded", c.FirmID, c.Reason)
			}
		}
		_, err = f.delegate(r.ID, firm.DelegateRequest{FirmID: f.firms[0], Reason: "指定"})
		var fe *input.FieldError
		if !errors.As(err, &fe) || fe.Field() != "firm_id" {
			t.Fatalf("override of an excluded firm: err = %v, want a firm_id field error", err)
		}
	})
	t.Run("another review still gets the excluded firm in turn", func(t *testing.T) {
		other := f.review("settlement")
		d, err := f.delegate(other.ID, firm.DelegateRequest{})
		if err != nil || d.FirmID != f.firms[0] {
			t.Fatalf("other review went to %d (%v), want %d", d.FirmID, err, f.firms[0])
		}
	})
	t.Run("end with an unknown status is refused", func(t *testing.T) {
		err := f.s.InTx(context.Background(), func(q *store.Queries) error {
			return f.svc.EndDelegation(context.Background(), q, r.ID, 0, "finished", "", f.now)
		})
		var fe *input.FieldError
		if !errors.As(err, &fe) || fe.Field() != "status" {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestOverride(t *testing.T) {
	f := newFixture(t, "95", "90", "85")
	if _, err := f.delegate(f.review("settlement").ID, firm.DelegateRequest{}); err != nil {
		t.Fatal(err)
	}
	before := f.cursor()
	tests := []struct {
		name  string
		req   firm.DelegateRequest
		field string
	}{
		{"reason required", firm.DelegateRequest{FirmID: f.firms[2]}, "reason"},
		{"blank reason", firm.DelegateRequest{FirmID: f.firms[2], Reason: "  "}, "reason"},
		{"unknown firm", firm.DelegateRequest{FirmID: 999999, Reason: "理由"}, "firm_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.review("settlement")
			_, err := f.delegate(r.ID, tt.req)
			var fe *input.FieldError
			if !errors.As(err, &fe) || fe.Field() != tt.field {
				t.Fatalf("err = %v, want field %s", err, tt.field)
			}
			if n := f.count("SELECT COUNT(*) FROM delegations WHERE review_id = ?", r.ID); n != 0 {
				t.Fatalf("%d delegations written", n)
			}
		})
	}
	t.Run("with a reason it is marked override and the cursor stays", func(t *testing.T) {
		r := f.review("settlement")
		d, err := f.delegate(r.ID, firm.DelegateRequest{FirmID: f.firms[2], Reason: "项目专业性强,指定具备经验的机构"})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Override || d.FirmID != f.firms[2] || d.Reason == "" || len(d.Considered) != 1 {
			t.Fatalf("delegation %+v", d)
		}
		if c := f.cursor(); c != before {
			t.Fatalf("cursor moved from %d to %d", before, c)
		}
		if n := f.count("SELECT COUNT(*) FROM audit_events WHERE action = 'delegate_override' AND review_id = ?", r.ID); n != 1 {
			t.Fatalf("%d override audit events", n)
		}
		if n := f.count("SELECT COUNT(*) FROM delegations WHERE review_id = ? AND override", r.ID); n != 1 {
			t.Fatalf("override not stored")
		}
		next, err := f.delegate(f.review("settlement").ID, firm.DelegateRequest{})
		if err != nil || next.FirmID != f.firms[1] {
			t.Fatalf("rotation after the override went to %d (%v), want %d", next.FirmID, err, f.firms[1])
		}
	})
}

func TestAllFirmsSkippedWritesNothing(t *testing.T) {
	f := newFixture(t, "95", "90", "85")
	ctx := context.Background()
	if _, err := f.delegate(f.review("settlement").ID, firm.DelegateRequest{}); err != nil {
		t.Fatal(err)
	}
	before := f.cursor()
	delegations := f.count("SELECT COUNT(*) FROM delegations")
	events := f.count("SELECT COUNT(*) FROM audit_events")
	if err := f.svc.SetStatus(ctx, f.actor, f.firms[0], assign.Suspended, "考核末位"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeclareConflict(ctx, f.actor, f.firms[1], f.unit, "常年法律顾问"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeclareConflict(ctx, f.actor, f.firms[2], f.contractor, "股东关联"); err != nil {
		t.Fatal(err)
	}
	events += 3
	r := f.review("settlement")
	_, err := f.delegate(r.ID, firm.DelegateRequest{})
	var ne *firm.NoEligibleFirmError
	if !errors.As(err, &ne) || ne.Code() != "no_eligible_firm" || ne.HTTPStatus() != 409 {
		t.Fatalf("err = %v", err)
	}
	reasons := map[int64]assign.SkipReason{}
	for _, c := range ne.Considered {
		reasons[c.FirmID] = c.Reason
	}
	want := map[int64]assign.SkipReason{f.firms[0]: assign.SkipSuspended, f.firms[1]: assign.SkipConflictUnit, f.firms[2]: assign.SkipConflictContractor}
	for id, r := range want {
		if reasons[id] != r {
			t.Fatalf("skip reasons %v, want %v", reasons, want)
		}
	}
	if f.cursor() != before || f.count("SELECT COUNT(*) FROM delegations") != delegations || f.count("SELECT COUNT(*) FROM audit_events") != events {
		t.Fatalf("something was written: cursor %d→%d", before, f.cursor())
	}
	t.Run("a firm at capacity is skipped", func(t *testing.T) {
		if _, err := f.s.DB.ExecContext(ctx, "DELETE FROM conflicts"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DB.ExecContext(ctx, "UPDATE firms SET capacity = 1"); err != nil {
			t.Fatal(err)
		}
		// firms[0] is suspended; firms[1], next in turn, has an open review.
		busy := f.review("settlement")
		if _, err := f.s.DB.ExecContext(ctx, "UPDATE reviews SET state = 'in_review', firm_id = ? WHERE id = ?", f.firms[1], busy.ID); err != nil {
			t.Fatal(err)
		}
		d, err := f.delegate(r.ID, firm.DelegateRequest{})
		if err != nil || d.FirmID != f.firms[2] {
			t.Fatalf("went to %d (%v), want %d", d.FirmID, err, f.firms[2])
		}
		var skipped assign.SkipReason
		for _, c := range d.Considered {
			if c.FirmID == f.firms[1] {
				skipped = c.Reason
			}
		}
		if skipped != assign.SkipAtCapacity {
			t.Fatalf("busy firm skipped for %q, want at capacity (%+v)", skipped, d.Considered)
		}
	})
}

func TestSetStatus(t *testing.T) {
	f := newFixture(t, "95")
	ctx := context.Background()
	id := f.firms[0]
	tests := []struct {
		name   string
		status assign.Status
		reason string
		p      auth.Principal
		check  func(error) bool
	}{
		{"reason required", assign.Suspended, "", f.actor, func(err error) bool { var fe *input.FieldError; return errors.As(err, &fe) && fe.Field() == "reason" }},
		{"unknown status", "paused", "x", f.actor, func(err error) bool { var fe *input.FieldError; return errors.As(err, &fe) && fe.Field() == "status" }},
		{"units may not", assign.Suspended, "x", auth.Principal{Role: auth.ConstructionUnit}, func(err error) bool { return errors.Is(err, auth.ErrForbidden) }},
		{"suspend", assign.Suspended, "考核末位暂停委托", f.actor, func(err error) bool { return err == nil }},
		{"suspend twice", assign.Suspended, "again", f.actor, func(err error) bool { var se *firm.StatusError; return errors.As(err, &se) }},
		{"reinstate", assign.Active, "整改完成", f.actor, func(err error) bool { return err == nil }},
		{"remove", assign.Removed, "严重失信清退", f.actor, func(err error) bool { return err == nil }},
		{"removed stays removed", assign.Active, "恢复", f.actor, func(err error) bool {
			var se *firm.StatusError
			return errors.As(err, &se) && se.Code() == "firm_removed"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.svc.SetStatus(ctx, tt.p, id, tt.status, tt.reason); !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	d, err := f.svc.Get(ctx, store.Scope{All: true}, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Firm.Status != "removed" || len(d.History) != 3 || d.History[0].Status != "removed" || d.History[0].Reason != "严重失信清退" {
		t.Fatalf("firm %+v history %+v", d.Firm, d.History)
	}
	if n := f.count("SELECT COUNT(*) FROM audit_events WHERE action = 'firm_status'"); n != 3 {
		t.Fatalf("%d status audit events, want 3", n)
	}
	lib, err := f.svc.List(ctx, f.juris, "settlement")
	if err != nil || lib.NextFirmID != 0 || len(lib.Items) != 1 {
		t.Fatalf("library %+v, %v: a removed firm is listed but never next", lib, err)
	}
}

func TestCreateAndUpdateFirm(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := firm.Input{Name: "内蒙古新审工程咨询有限公司", ContactPerson: "王五", ContactPhone: "0478-1234567", Address: "临河区胜利路1号",
		Qualification: "乙级", Capacity: 10, Score: dec("80"), Kinds: []string{"settlement"}, Jurisdictions: []int64{f.juris}}
	bad := in
	bad.Kinds = []string{"painting"}
	if _, err := f.svc.Create(ctx, f.actor, bad); err == nil {
		t.Fatal("unknown kind accepted")
	}
	id, err := f.svc.Create(ctx, f.actor, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Create(ctx, f.actor, in); err == nil {
		t.Fatal("duplicate name accepted")
	}
	in.Capacity, in.Kinds, in.Address = 12, []string{"settlement", "budget"}, "临河区新华街2号"
	if err := f.svc.Update(ctx, f.actor, id, in); err != nil {
		t.Fatal(err)
	}
	d, err := f.svc.Get(ctx, store.Scope{All: true}, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Firm.Capacity != 12 || !slices.Equal(d.Firm.Kinds, []string{"budget", "settlement"}) || d.Firm.Address != "临河区新华街2号" ||
		!d.Firm.Score.Equal(dec("80")) || d.Firm.Status != "active" || len(d.History) != 1 {
		t.Fatalf("firm %+v history %+v", d.Firm, d.History)
	}
	if n := f.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('firm_create','firm_update')"); n != 2 {
		t.Fatalf("%d audit events", n)
	}
}

func TestExperts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, e := range []store.Expert{{Name: "高振华", Specialty: "土建工程"}, {Name: "韩雪", Specialty: "安装工程"}, {Name: "贾明", Specialty: "土建工程"}} {
		if _, err := f.svc.AddExpert(ctx, f.actor, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.AddExpert(ctx, f.actor, store.Expert{Name: "无专业"}); err == nil {
		t.Fatal("expert without specialty accepted")
	}
	got, err := f.svc.Experts(ctx, store.ExpertFilter{Specialty: "土建工程"})
	if err != nil || len(got) != 2 || got[0].Name == got[1].Name {
		t.Fatalf("experts %+v, %v", got, err)
	}
	sp, err := f.svc.Specialties(ctx)
	if err != nil || !slices.Equal(sp, []string{"土建工程", "安装工程"}) && !slices.Equal(sp, []string{"安装工程", "土建工程"}) {
		t.Fatalf("specialties %v, %v", sp, err)
	}
	// Each text within its column, counted in characters: the longest
	// fits, one more is refused by field, before anything is written.
	long := func(n int) string { return strings.Repeat("长", n) }
	if _, err := f.svc.AddExpert(ctx, f.actor, store.Expert{Name: long(64), Specialty: long(64), Title: long(64), Employer: long(128)}); err != nil {
		t.Fatalf("the longest texts the columns hold: %v", err)
	}
	for _, tc := range []struct {
		field string
		e     store.Expert
	}{
		{"name", store.Expert{Name: long(65), Specialty: "土建工程"}},
		{"specialty", store.Expert{Name: "张三", Specialty: long(65)}},
		{"title", store.Expert{Name: "张三", Specialty: "土建工程", Title: long(65)}},
		{"employer", store.Expert{Name: "张三", Specialty: "土建工程", Employer: long(129)}},
	} {
		_, err := f.svc.AddExpert(ctx, f.actor, tc.e)
		var fe *input.FieldError
		if !errors.As(err, &fe) || fe.Field() != tc.field {
			t.Errorf("%s too long: %v, want a field error on %s", tc.field, err, tc.field)
		}
	}
	if n := f.count("SELECT COUNT(*) FROM experts"); n != 4 {
		t.Fatalf("%d experts, want the three and the longest", n)
	}
}

func TestStats(t *testing.T) {
	f := newFixture(t, "95")
	ctx := context.Background()
	firmID := f.firms[0]
	loc := calendar.Location()
	done := []struct {
		delegated, concluded time.Time
		submitted, audited   string
	}{
		// Mon 2026-03-02 → Fri 2026-03-13: 9 working days after the delegation day.
		{time.Date(2026, 3, 2, 9, 0, 0, 0, loc), time.Date(2026, 3, 13, 16, 0, 0, 0, loc), "1000.00", "900.00"},
		// Mon → Wed: 2 working days.
		{time.Date(2026, 3, 2, 9, 0, 0, 0, loc), time.Date(2026, 3, 4, 16, 0, 0, 0, loc), "3000.00", "2700.00"},
	}
	for _, d := range done {
		r := f.review("settlement")
		if _, err := f.s.DB.ExecContext(ctx, `UPDATE reviews SET state = 'concluded', firm_id = ?, delegated_at = ?, concluded_at = ?,
			submitted_amount = ?, audited_amount = ? WHERE id = ?`, firmID, d.delegated, d.concluded, d.submitted, d.audited, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	open := f.review("settlement")
	d, err := f.delegate(open.ID, firm.DelegateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DB.ExecContext(ctx, `INSERT INTO deadlines (review_id, kind, due_at, workdays, state, fired_at, created_at)
		VALUES (?, 'report', ?, 20, 'fired', ?, ?)`, open.ID, d.At.Add(48*time.Hour), d.At.Add(49*time.Hour), d.At.Add(-50*time.Microsecond)); err != nil {
		t.Fatal(err)
	}
	st, err := f.svc.Stats(ctx, store.Scope{All: true}, firmID)
	if err != nil {
		t.Fatal(err)
	}
	if st.ReviewsDone != 2 || !st.AverageWorkdays.Equal(dec("5.5")) || st.ReductionPercent() != "10.00%" || st.Overdue != 1 || st.Open != 1 {
		t.Fatalf("stats %+v (%s)", st, st.ReductionPercent())
	}
}

func TestAssessmentPeriod(t *testing.T) {
	f := newFixture(t, "95", "90", "85")
	ctx := context.Background()
	a, b, c := f.firms[0], f.firms[1], f.firms[2]
	// Firm a: delegated twice (one declined), one report deadline met and one
	// missed, two sample re-reviews with one error, one expert re-review lost
	// and one delegation cancelled after an appeal.
	r1, r2 := f.review("settlement"), f.review("settlement")
	if _, err := f.delegate(r1.ID, firm.DelegateRequest{FirmID: a, Reason: "测试"}); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.s.DB.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	at := f.now
	exec(`INSERT INTO deadlines (review_id, kind, due_at, workdays, state, fired_at, created_at) VALUES
		(?, 'report', ?, 20, 'met', NULL, ?), (?, 'report', ?, 20, 'fired', ?, ?)`,
		r1.ID, at.AddDate(0, 0, 20), at.Add(-time.Millisecond), r1.ID, at.AddDate(0, 0, 25), at.AddDate(0, 0, 26), at.Add(2*time.Minute))
	exec(`INSERT INTO sample_rechecks (review_id, firm_id, rechecked_amount, deviation, accurate, note, created_at) VALUES
		(?, ?, 100, 0, TRUE, '', ?), (?, ?, 100, 12, FALSE, '', ?)`, r1.ID, a, at, r1.ID, a, at)
	exec(`INSERT INTO disputes (review_id, reasons, fault_party, opened_at, resolved_at) VALUES (?, '争议', 'firm', ?, ?)`, r1.ID, at, at.AddDate(0, 0, 1))
	f.now = at.AddDate(0, 1, 0)
	f.end(r1.ID, "cancelled")
	exec("UPDATE reviews SET firm_id = ? WHERE id = ?", a, r1.ID) // the dispute belongs to a's review
	if _, err := f.delegate(r2.ID, firm.DelegateRequest{FirmID: a, Reason: "测试"}); err != nil {
		t.Fatal(err)
	}
	f.end(r2.ID, "declined")
	f.now = time.Date(2026, 7, 2, 9, 0, 0, 0, calendar.Location())

	per, err := f.svc.CreatePeriod(ctx, f.actor, firm.PeriodInput{Name: "2026年上半年", StartsOn: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		EndsOn: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), BottomN: 1, Threshold: dec("70")})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("bad weights are refused", func(t *testing.T) {
		_, err := f.svc.CreatePeriod(ctx, f.actor, firm.PeriodInput{Name: "坏权重", StartsOn: per.StartsOn, EndsOn: per.EndsOn,
			Criteria: []assign.Criterion{{Code: assign.CriterionAccuracy, Name: "准确性", Weight: dec("0.9")}}})
		var fe *input.FieldError
		if !errors.As(err, &fe) || fe.Field() != "criteria" {
			t.Fatalf("err = %v", err)
		}
	})
	scores := map[int64][2]string{a: {"90", "80"}, b: {"80", "80"}}
	for id, sc := range scores {
		if err := f.svc.EnterScores(ctx, f.actor, per.ID, id, dec(sc[0]), dec(sc[1])); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("compute refuses while scores are missing", func(t *testing.T) {
		_, err := f.svc.Compute(ctx, f.actor, per.ID)
		var se *firm.StatusError
		if !errors.As(err, &se) || se.Code() != "scores_missing" {
			t.Fatalf("err = %v", err)
		}
	})
	if err := f.svc.EnterScores(ctx, f.actor, per.ID, c, dec("60"), dec("60")); err != nil {
		t.Fatal(err)
	}
	rk, err := f.svc.Compute(ctx, f.actor, per.ID)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		firm                    int64
		timeliness, accuracy, t string
	}
	// a: timeliness 1/(1+1+1) = 33.33, accuracy 100−10−5−10 = 75,
	// total 0.3×33.33 + 0.4×75 + 0.15×90 + 0.15×80 = 65.499 → 65.50.
	want := []line{{b, "100", "100", "94"}, {c, "100", "100", "88"}, {a, "33.33", "75", "65.5"}}
	if len(rk.Rows) != 3 {
		t.Fatalf("%d rows", len(rk.Rows))
	}
	for i, w := range want {
		r := rk.Rows[i]
		if r.FirmID != w.firm || r.Rank != i+1 || !r.Timeliness.Equal(dec(w.timeliness)) || !r.Accuracy.Equal(dec(w.accuracy)) || !r.Total.Equal(dec(w.t)) {
			t.Fatalf("row %d = %+v, want %+v", i, r.FirmAssessment, w)
		}
	}
	m := rk.Rows[2].Metrics
	if m.Delegations != 2 || m.Declines != 1 || m.DeadlinesMet != 1 || m.DeadlinesMissed != 1 || m.SampleRechecks != 2 ||
		m.SampleRecheckErrors != 1 || m.ExpertReviewsLost != 1 || m.AppealsLost != 1 {
		t.Fatalf("metrics of a = %+v", m)
	}
	if len(rk.Flagged) != 1 || rk.Flagged[0].FirmID != a || rk.Flagged[0].Evidence == "" {
		t.Fatalf("flagged %+v", rk.Flagged)
	}
	if _, err := f.svc.Close(ctx, f.actor, per.ID); err != nil {
		t.Fatal(err)
	}
	for id, s := range map[int64]string{a: "65.50", b: "94.00", c: "88.00"} {
		fm, err := f.s.FirmByID(ctx, id)
		if err != nil || fm.Score.StringFixed(2) != s {
			t.Fatalf("firm %d score %s (%v), want %s", id, fm.Score, err, s)
		}
	}
	t.Run("a closed period is frozen", func(t *testing.T) {
		if err := f.svc.EnterScores(ctx, f.actor, per.ID, a, dec("100"), dec("100")); err == nil {
			t.Fatal("scores entered into a closed period")
		}
		if _, err := f.svc.Close(ctx, f.actor, per.ID); err == nil {
			t.Fatal("closed twice")
		}
	})
	t.Run("the new scores feed the rotation", func(t *testing.T) {
		lib, err := f.svc.List(ctx, f.juris, "settlement")
		if err != nil {
			t.Fatal(err)
		}
		var order []int64
		for _, it := range lib.Items {
			order = append(order, it.OrgID)
		}
		if !slices.Equal(order, []int64{b, c, a}) {
			t.Fatalf("library order %v, want %v", order, []int64{b, c, a})
		}
	})
	hist, err := f.svc.History(ctx, 4)
	if err != nil || len(hist) != 3 || !hist[0].PeriodClosed {
		t.Fatalf("history %+v, %v", hist, err)
	}
}

// TestFirmLibraryChangesShowInTheFilterAtOnce: a firm admitted or renamed
// in the library shows at once in the organization lists this instance
// trusts (auth.OrganizationChoices), though it had read them just before.
func TestFirmLibraryChangesShowInTheFilterAtOnce(t *testing.T) {
	f := newFixture(t, "90")
	ctx := context.Background()
	a := auth.NewService(f.s, func() time.Time { return f.now })
	names := func() []string {
		t.Helper()
		list, err := a.OrganizationChoices(ctx, auth.OrgFirm)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range list {
			out = append(out, o.Name)
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{"中介机构1"}) {
		t.Fatalf("firms %v", got)
	}
	in := firm.Input{Name: "内蒙古新审工程咨询有限公司", Qualification: "乙级", Capacity: 10, Score: dec("80"),
		Kinds: []string{"settlement"}, Jurisdictions: []int64{f.juris}}
	id, err := f.svc.Create(ctx, f.actor, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"中介机构1", in.Name}) {
		t.Errorf("after admission: firms %v", got)
	}
	in.Name = "内蒙古新审工程造价咨询有限公司"
	if err := f.svc.Update(ctx, f.actor, id, in); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"中介机构1", in.Name}) {
		t.Errorf("after renaming: firms %v", got)
	}
}
