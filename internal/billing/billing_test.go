package billing_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/fee"
	"finreview/internal/input"
	"finreview/internal/report"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, shanghai)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var admin = auth.Principal{UserID: 0, Name: "管理员", Role: auth.Admin}

// env is one test database with the demo city and a billing service.
type env struct {
	t        *testing.T
	ctx      context.Context
	st       *store.Store
	svc      *billing.Service
	projects map[string]int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testenv.DB(t)
	seeded := testenv.Demo(t, st)
	now := func() time.Time { return day("2026-03-02") }
	return &env{t: t, ctx: context.Background(), st: st, svc: billing.NewService(st, now), projects: seeded.Projects}
}

// review creates a review of a demo project in state concluded, with the
// given amounts and delegation date ("" = never delegated).
func (e *env) review(projectCode, kind, submitted, audited, delegated string) store.Review {
	e.t.Helper()
	pid, ok := e.projects[projectCode]
	if !ok {
		e.t.Fatalf("no demo project %s", projectCode)
	}
	p, err := e.st.Project(e.ctx, store.Scope{All: true}, pid)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.reviewOf(p, kind, submitted, audited, delegated)
}

func (e *env) reviewOf(p store.Project, kind, submitted, audited, delegated string) store.Review {
	e.t.Helper()
	id, err := e.st.InsertReview(e.ctx, store.Review{ProjectID: p.ID, Kind: kind, JurisdictionID: p.JurisdictionID,
		UnitOrgID: p.UnitOrgID, SubmittedAmount: dec(submitted)})
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.st.Review(e.ctx, store.Scope{All: true}, id)
	if err != nil {
		e.t.Fatal(err)
	}
	c := r.Change()
	c.State = workflow.Concluded
	if audited != "" {
		c.AuditedAmount = decimal.NewNullDecimal(dec(audited))
	}
	if delegated != "" {
		c.DelegatedAt = sql.NullTime{Time: day(delegated), Valid: true}
	}
	if err := e.st.UpdateReview(e.ctx, id, r.Version, c, day("2026-03-01")); err != nil {
		e.t.Fatal(err)
	}
	if r, err = e.st.Review(e.ctx, store.Scope{All: true}, id); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) conclude(r store.Review, outcome fee.Outcome, at time.Time) store.FeeStatement {
	e.t.Helper()
	var st store.FeeStatement
	err := e.st.InTx(e.ctx, func(q *store.Queries) error {
		var err error
		st, err = e.svc.Conclude(e.ctx, q, r, outcome, at)
		return err
	})
	if err != nil {
		e.t.Fatalf("conclude review %d: %v", r.ID, err)
	}
	return st
}

// scheduleJSON is a one-band schedule with its own rate, effective on from.
func scheduleJSON(name, from, rate string) []byte {
	return []byte(`{"name":"` + name + `","effective_from":"` + from + `","discount":"1","reduction_rate":"0.1",
		"penalty_threshold":"0.05","unilateral_first_ratio":"0.8","bands":[{"up_to":null,"rate":"` + rate + `"}]}`)
}

func assertFigures(t *testing.T, got store.FeeStatement, want fee.Result) {
	t.Helper()
	pairs := []struct {
		name      string
		got, want decimal.Decimal
	}{
		{"basic_fee", got.BasicFee, want.BasicFee}, {"reduction_fee", got.ReductionFee, want.ReductionFee},
		{"total_fee", got.TotalFee, want.TotalFee}, {"contractor_share", got.ContractorShare, want.ContractorShare},
		{"finance_share", got.FinanceShare, want.FinanceShare}, {"payable_now", got.PayableNow, want.PayableNow},
		{"payable_later", got.PayableLater, want.PayableLater},
	}
	for _, p := range pairs {
		if !p.got.Equal(p.want) {
			t.Errorf("%s = %s, want %s", p.name, p.got.StringFixed(2), p.want.StringFixed(2))
		}
	}
}

func TestScheduleInForceByDelegationDate(t *testing.T) {
	e := newEnv(t)
	inserted, err := e.svc.EnsureExample(e.ctx)
	if err != nil || !inserted {
		t.Fatalf("EnsureExample = %v, %v; want the example inserted", inserted, err)
	}
	if again, err := e.svc.EnsureExample(e.ctx); err != nil || again {
		t.Fatalf("second EnsureExample = %v, %v; want nothing inserted", again, err)
	}
	v2, err := e.svc.CreateSchedule(e.ctx, admin, scheduleJSON("2025 年费率表", "2025-01-01", "0.01"))
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Example || v2.Used {
		t.Fatalf("new schedule = version %d example %v used %v, want version 2, not example, unused", v2.Version, v2.Example, v2.Used)
	}

	tests := []struct {
		name        string
		delegated   string
		concludedAt time.Time
		wantVersion int
	}{
		{"delegated before the new version uses the example", "2024-12-31", day("2025-06-01"), 1},
		{"delegated on the effective day uses the new version", "2025-01-01", day("2025-06-01"), 2},
		{"delegated after uses the new version", "2025-03-15", day("2025-06-01"), 2},
		{"never delegated uses the conclusion date", "", day("2024-05-05"), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.review("LH-2026-001", "settlement", "12345678.90", "11000000.00", tc.delegated)
			st := e.conclude(r, fee.Normal, tc.concludedAt)
			if st.ScheduleVersion != tc.wantVersion {
				t.Fatalf("schedule version = %d, want %d", st.ScheduleVersion, tc.wantVersion)
			}
			want := fee.Example()
			if tc.wantVersion == 2 {
				want = v2.Fee
			}
			res, err := fee.Compute(want, fee.Input{Kind: fee.Settlement, Outcome: fee.Normal,
				Submitted: dec("12345678.90"), Audited: dec("11000000.00")})
			if err != nil {
				t.Fatal(err)
			}
			assertFigures(t, st, res)
		})
	}

	t.Run("no schedule before the first effective date", func(t *testing.T) {
		if _, err := e.svc.InForce(e.ctx, day("2018-03-14")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("InForce before 2018-03-15 = %v, want ErrNotFound", err)
		}
		_, err := e.svc.ActiveSchedule(e.ctx, day("2018-03-14"))
		var be *billing.Error
		if !errors.As(err, &be) || be.HTTPStatus() != 409 || be.Code() != "no_fee_schedule" {
			t.Fatalf("ActiveSchedule before 2018-03-15 = %v, want a 409 no_fee_schedule", err)
		}
	})
	t.Run("the example is flagged", func(t *testing.T) {
		sc, err := e.svc.InForce(e.ctx, day("2020-01-01"))
		if err != nil {
			t.Fatal(err)
		}
		if !sc.Example || !sc.Fee.Example || sc.Version != 1 || sc.Fee.Version != 1 {
			t.Fatalf("schedule of 2020 = version %d example %v/%v, want the example as version 1", sc.Version, sc.Example, sc.Fee.Example)
		}
	})
}

func TestActiveScheduleStoresTheExampleOnFirstUse(t *testing.T) {
	e := newEnv(t)
	sc, err := e.svc.ActiveSchedule(e.ctx, day("2026-03-02"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Version != 1 || !sc.Example || sc.Fee.Name != fee.Example().Name {
		t.Fatalf("first active schedule = %+v, want the example as version 1", sc)
	}
	list, err := e.svc.Schedules(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("stored schedules = %d, want 1", len(list))
	}
}

func TestUsedScheduleIsImmutable(t *testing.T) {
	e := newEnv(t)
	r := e.review("LH-2026-002", "budget", "12800000.00", "12000000.00", "2026-01-10")
	st := e.conclude(r, fee.Normal, day("2026-02-01"))
	used, err := e.svc.ScheduleByID(e.ctx, st.ScheduleID)
	if err != nil {
		t.Fatal(err)
	}
	if !used.Used {
		t.Fatal("the schedule that priced a statement is not marked used")
	}

	t.Run("editing a used schedule is refused", func(t *testing.T) {
		_, err := e.svc.UpdateSchedule(e.ctx, admin, used.ID, scheduleJSON("改过的费率表", "2018-03-15", "0.5"))
		if !errors.Is(err, store.ErrScheduleUsed) {
			t.Fatalf("UpdateSchedule(used) = %v, want ErrScheduleUsed", err)
		}
		after, err := e.svc.ScheduleByID(e.ctx, used.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Body != used.Body || after.Fee.Name != used.Fee.Name {
			t.Fatal("a refused edit changed the stored schedule")
		}
	})

	var v2 billing.Schedule
	t.Run("creating a new version works", func(t *testing.T) {
		var err error
		v2, err = e.svc.CreateSchedule(e.ctx, admin, scheduleJSON("新版本", "2026-06-01", "0.002"))
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != used.Version+1 {
			t.Fatalf("new version = %d, want %d", v2.Version, used.Version+1)
		}
	})
	t.Run("an unused version may still be corrected", func(t *testing.T) {
		fixed, err := e.svc.UpdateSchedule(e.ctx, admin, v2.ID, scheduleJSON("新版本(更正)", "2026-07-01", "0.003"))
		if err != nil {
			t.Fatal(err)
		}
		if fixed.Version != v2.Version || fixed.Fee.Name != "新版本(更正)" || fixed.Fee.EffectiveFrom != "2026-07-01" {
			t.Fatalf("corrected schedule = version %d %q %s", fixed.Version, fixed.Fee.Name, fixed.Fee.EffectiveFrom)
		}
	})
	t.Run("the stored statement still recomputes with its own version", func(t *testing.T) {
		s, err := e.svc.Statement(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(); err != nil {
			t.Fatal(err)
		}
		if s.Schedule.Version != used.Version {
			t.Fatalf("statement schedule version = %d, want %d", s.Schedule.Version, used.Version)
		}
	})
	t.Run("only administrators create schedules", func(t *testing.T) {
		_, err := e.svc.CreateSchedule(e.ctx, auth.Principal{Role: auth.FinanceSection}, scheduleJSON("x", "2026-01-01", "0.1"))
		if !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("CreateSchedule by finance_section = %v, want ErrForbidden", err)
		}
	})
}

func TestCreateScheduleRefusesBadBands(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.EnsureExample(e.ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body, field string
	}{
		{"up_to not increasing", `{"name":"x","effective_from":"2026-01-01","discount":"0.5","reduction_rate":"0.05","penalty_threshold":"0.05","unilateral_first_ratio":"0.8",
			"bands":[{"up_to":"100","rate":"0.1"},{"up_to":"200","rate":"0.1"},{"up_to":"150","rate":"0.1"},{"up_to":null,"rate":"0.1"}]}`, "bands[2].up_to"},
		{"rate above one", `{"name":"x","effective_from":"2026-01-01","discount":"0.5","reduction_rate":"0.05","penalty_threshold":"0.05","unilateral_first_ratio":"0.8",
			"bands":[{"up_to":null,"rate":"1.5"}]}`, "bands[0].rate"},
		{"open band not last", `{"name":"x","effective_from":"2026-01-01","discount":"0.5","reduction_rate":"0.05","penalty_threshold":"0.05","unilateral_first_ratio":"0.8",
			"bands":[{"up_to":null,"rate":"0.1"},{"up_to":"100","rate":"0.1"}]}`, "bands[0].up_to"},
		{"bad date", `{"name":"x","effective_from":"2026-02-30","discount":"0.5","reduction_rate":"0.05","penalty_threshold":"0.05","unilateral_first_ratio":"0.8",
			"bands":[{"up_to":null,"rate":"0.1"}]}`, "effective_from"},
		{"name too long", `{"name":"` + strings.Repeat("长", 201) + `","effective_from":"2026-01-01","discount":"0.5","reduction_rate":"0.05","penalty_threshold":"0.05","unilateral_first_ratio":"0.8",
			"bands":[{"up_to":null,"rate":"0.1"}]}`, "name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateSchedule(e.ctx, admin, []byte(tc.body))
			var fe *input.FieldError
			if !errors.As(err, &fe) || fe.Name != tc.field {
				t.Fatalf("CreateSchedule = %v, want a field error on %s", err, tc.field)
			}
			n, err := e.st.CountFeeSchedules(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("stored schedules = %d after a refusal, want 1", n)
			}
		})
	}
}

func TestConcludeStoresComputedFigures(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, kind        string
		outcome           fee.Outcome
		submitted, audite string
		wantTotal         string
	}{
		{"worked example", "settlement", fee.Normal, "12345678.90", "11000000.00", "50987.65"},
		{"unilateral splits the payment", "settlement", fee.Unilateral, "12345678.90", "11000000.00", "50987.65"},
		{"increase (audited above submitted)", "change", fee.Normal, "3000000.00", "3500000.00", "4500.00"},
		{"budget has no contractor share", "budget", fee.Normal, "60000000.00", "50000000.00", "312500.00"},
		{"returned costs nothing", "settlement", fee.Returned, "12345678.90", "", "0.00"},
		{"tracking costs nothing", "tracking", fee.Normal, "5000000.00", "", "0.00"},
		{"large amount crosses every band", "estimate", fee.Normal, "1234567890.12", "1200000000.00", "1465339.22"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.review("LH-2026-003", tc.kind, tc.submitted, tc.audite, "2026-01-05")
			st := e.conclude(r, tc.outcome, day("2026-02-10"))
			audited := decimal.Zero
			if tc.audite != "" {
				audited = dec(tc.audite)
			}
			want, err := fee.Compute(fee.Example(), fee.Input{Kind: fee.Kind(tc.kind), Outcome: tc.outcome,
				Submitted: dec(tc.submitted), Audited: audited})
			if err != nil {
				t.Fatal(err)
			}
			assertFigures(t, st, want)
			if st.TotalFee.StringFixed(2) != tc.wantTotal {
				t.Errorf("total_fee = %s, want %s", st.TotalFee.StringFixed(2), tc.wantTotal)
			}
			if st.Kind != tc.kind || st.Outcome != string(tc.outcome) || !st.SubmittedAmount.Equal(dec(tc.submitted)) || !st.AuditedAmount.Equal(audited) {
				t.Errorf("stored inputs = %s %s %s %s", st.Kind, st.Outcome, st.SubmittedAmount, st.AuditedAmount)
			}
			got, err := e.svc.StatementFor(e.ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertFigures(t, got, want)

			s, err := e.svc.Statement(e.ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(); err != nil {
				t.Fatalf("recomputation differs: %v", err)
			}
			if len(s.Result.Lines) != len(want.Lines) {
				t.Errorf("band lines = %d, want %d", len(s.Result.Lines), len(want.Lines))
			}
			if !s.BandSum().Mul(fee.Example().Discount).Round(2).Equal(s.Stored.BasicFee) {
				t.Errorf("band sum %s × discount does not give the basic fee %s", s.BandSum(), s.Stored.BasicFee)
			}
		})
	}

	t.Run("a missing audited amount is refused for a charged review", func(t *testing.T) {
		r := e.review("LH-2026-003", "settlement", "100.00", "", "2026-01-05")
		err := e.st.InTx(e.ctx, func(q *store.Queries) error {
			_, err := e.svc.Conclude(e.ctx, q, r, fee.Normal, day("2026-02-10"))
			return err
		})
		var fe *input.FieldError
		if !errors.As(err, &fe) || fe.Name != "audited_amount" {
			t.Fatalf("Conclude without audited amount = %v, want a field error on audited_amount", err)
		}
		if _, err := e.svc.StatementFor(e.ctx, r.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("statement after refusal = %v, want none", err)
		}
	})

	t.Run("concluding again replaces the statement", func(t *testing.T) {
		r := e.review("LH-2026-004", "settlement", "1000000.00", "900000.00", "2026-01-05")
		first := e.conclude(r, fee.Unilateral, day("2026-02-10"))
		second := e.conclude(r, fee.Normal, day("2026-02-20"))
		if !first.PayableLater.IsPositive() || !second.PayableLater.IsZero() || second.Outcome != "normal" {
			t.Fatalf("second conclusion did not replace the first: %+v", second)
		}
	})
}

func TestVerifyDetectsATamperedStatement(t *testing.T) {
	e := newEnv(t)
	r := e.review("LH-2026-005", "settlement", "12345678.90", "11000000.00", "2026-01-05")
	e.conclude(r, fee.Normal, day("2026-02-10"))
	if _, err := e.st.DB.ExecContext(e.ctx, "UPDATE fee_statements SET contractor_share = contractor_share + 0.01 WHERE review_id = ?", r.ID); err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Statement(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Verify()
	var me *billing.MismatchError
	if !errors.As(err, &me) || len(me.Fields) != 1 || !strings.HasPrefix(me.Fields[0], "contractor_share: stored 18209.88, recomputed 18209.87") {
		t.Fatalf("Verify = %v, want a mismatch on contractor_share only", err)
	}
}

// readCells maps every label in column A to the raw value in column B.
func readCells(t *testing.T, data []byte, sheet string) (map[string]string, *excelize.File) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, row := range rows {
		if len(row) >= 2 && row[0] != "" {
			out[row[0]] = row[1]
		}
	}
	return out, f
}

func TestStatementExcelEqualsTheDatabase(t *testing.T) {
	e := newEnv(t)
	r := e.review("LH-2026-006", "settlement", "12345678.90", "11000000.00", "2026-01-05")
	e.conclude(r, fee.Unilateral, day("2026-02-10"))
	if _, err := e.st.DB.ExecContext(e.ctx,
		"INSERT INTO disputes (review_id, reasons, fault_party, expert_cost, opened_at) VALUES (?, '单价争议', 'contractor', 3000.50, ?)",
		r.ID, day("2026-01-20")); err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Statement(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err = e.st.Review(e.ctx, store.Scope{All: true}, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, err := billing.StatementExcel(s, r)
	if err != nil {
		t.Fatal(err)
	}
	cells, f := readCells(t, data, "费用结算单")

	var dbFigures [9]string
	if err := e.st.DB.QueryRowContext(e.ctx, `SELECT basic_fee, reduction_fee, total_fee, contractor_share, finance_share,
		payable_now, payable_later, submitted_amount, audited_amount FROM fee_statements WHERE review_id = ?`, r.ID).Scan(
		&dbFigures[0], &dbFigures[1], &dbFigures[2], &dbFigures[3], &dbFigures[4], &dbFigures[5], &dbFigures[6], &dbFigures[7], &dbFigures[8]); err != nil {
		t.Fatal(err)
	}
	labels := []string{billing.LabelBasicFee, billing.LabelReductionFee, billing.LabelTotalFee, billing.LabelContractorShare,
		billing.LabelFinanceShare, billing.LabelPayableNow, billing.LabelPayableLater, billing.LabelSubmitted, billing.LabelAudited}
	for i, label := range labels {
		t.Run(label, func(t *testing.T) {
			if !dec(cells[label]).Equal(dec(dbFigures[i])) {
				t.Fatalf("excel %s = %q, database %s", label, cells[label], dbFigures[i])
			}
		})
	}
	t.Run("amounts are numbers with the money format", func(t *testing.T) {
		for i := 1; i < 60; i++ {
			a, _ := f.GetCellValue("费用结算单", "A"+itoa(i))
			if a != billing.LabelTotalFee {
				continue
			}
			typ, err := f.GetCellType("费用结算单", "B"+itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Fatalf("total fee cell type = %v, want a number", typ)
			}
			shown, _ := f.GetCellValue("费用结算单", "B"+itoa(i))
			if shown != "50,987.65" {
				t.Fatalf("total fee shown as %q, want 50,987.65", shown)
			}
			return
		}
		t.Fatal("no total fee row")
	})
	t.Run("project code is text and the example is labelled", func(t *testing.T) {
		if cells["项目编号"] != "LH-2026-006" {
			t.Fatalf("项目编号 = %q", cells["项目编号"])
		}
		if !strings.Contains(cells["说明"], "示例费率表") {
			t.Fatalf("说明 = %q, want the example label", cells["说明"])
		}
		if !dec(cells["过错方:施工单位"]).Equal(dec("3000.50")) {
			t.Fatalf("expert cost = %q, want 3000.50", cells["过错方:施工单位"])
		}
	})
}

func itoa(i int) string { return decimal.NewFromInt(int64(i)).String() }

func TestContractorDeductions(t *testing.T) {
	e := newEnv(t)
	// A project with two contractors.
	base, err := e.st.Project(e.ctx, store.Scope{All: true}, e.projects["LH-2026-007"])
	if err != nil {
		t.Fatal(err)
	}
	contractors, err := e.st.Organizations(e.ctx, store.OrgContractor)
	if err != nil || len(contractors) < 2 {
		t.Fatalf("demo contractors = %d, %v", len(contractors), err)
	}
	shared := base
	shared.Code, shared.Name = "LH-TEST-SHARED", "两家施工单位的测试项目"
	if shared.ID, err = e.st.InsertProject(e.ctx, shared, []int64{contractors[0].ID, contractors[1].ID}); err != nil {
		t.Fatal(err)
	}
	one := e.conclude(e.review("LH-2026-007", "settlement", "12345678.90", "11000000.00", "2026-01-05"), fee.Normal, day("2026-02-10"))
	two := e.conclude(e.reviewOf(shared, "change", "2000000.00", "1500000.00", "2026-01-05"), fee.Normal, day("2026-02-10"))
	// Not listed: a budget (no contractor share) and a review not concluded.
	e.conclude(e.review("LH-2026-008", "budget", "880000.00", "700000.00", "2026-01-05"), fee.Normal, day("2026-02-10"))
	open := e.review("LH-2026-009", "settlement", "5400000.00", "4000000.00", "2026-01-05")
	e.conclude(open, fee.Normal, day("2026-02-10"))
	if _, err := e.st.DB.ExecContext(e.ctx, "UPDATE reviews SET state = 'appeal' WHERE id = ?", open.ID); err != nil {
		t.Fatal(err)
	}

	d, err := e.svc.Deductions(e.ctx, store.Scope{All: true}, store.DeductionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[int64][]int64{} // contractor → reviews
	for _, g := range d.Groups {
		sum := decimal.Zero
		for _, r := range g.Rows {
			listed[g.ContractorID] = append(listed[g.ContractorID], r.ReviewID)
			sum = sum.Add(r.ContractorShare)
			if r.ReviewID == two.ReviewID && billing.DeductionNote(r) == "" {
				t.Errorf("shared review under %s has no note", g.ContractorName)
			}
		}
		if !sum.Equal(g.Total) {
			t.Errorf("%s total = %s, rows add up to %s", g.ContractorName, g.Total, sum)
		}
	}
	for _, c := range []int64{contractors[0].ID, contractors[1].ID} {
		found := false
		for _, id := range listed[c] {
			found = found || id == two.ReviewID
		}
		if !found {
			t.Errorf("shared review not listed under contractor %d: %v", c, listed[c])
		}
	}
	wantTotal := one.ContractorShare.Add(two.ContractorShare)
	if d.Reviews != 2 || !d.Total.Equal(wantTotal) || !d.Shared {
		t.Fatalf("deductions = %d reviews, total %s, shared %v; want 2, %s, true", d.Reviews, d.Total, d.Shared, wantTotal)
	}

	t.Run("a contractor sees its own rows only", func(t *testing.T) {
		own, err := e.svc.Deductions(e.ctx, store.Scope{ContractorID: contractors[1].ID}, store.DeductionFilter{ContractorID: contractors[1].ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range own.Groups {
			if g.ContractorID != contractors[1].ID {
				t.Fatalf("contractor %d sees rows of %d", contractors[1].ID, g.ContractorID)
			}
		}
	})

	t.Run("the dashboard counts each contractor's rows and keeps none", func(t *testing.T) {
		dash, err := report.LoadDashboard(e.ctx, &e.st.Queries, store.Scope{All: true}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(dash.Contractors) != len(d.Groups) {
			t.Fatalf("dashboard: %d contractors, deduction list %d", len(dash.Contractors), len(d.Groups))
		}
		for i, g := range dash.Contractors {
			l := d.Groups[i]
			if g.Rows != nil || g.Count != len(l.Rows) || l.Count != len(l.Rows) {
				t.Errorf("%s: dashboard keeps %d rows and counts %d; the list has %d rows and counts %d",
					g.ContractorName, len(g.Rows), g.Count, len(l.Rows), l.Count)
			}
			if g.ContractorID != l.ContractorID || !g.Total.Equal(l.Total) || !g.Paid.Equal(l.Paid) || !g.Owed.Equal(l.Owed) {
				t.Errorf("dashboard %+v, deduction list %+v", g, l)
			}
		}
	})

	t.Run("excel total equals the database", func(t *testing.T) {
		data, err := billing.DeductionsExcel(d)
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("施工单位扣减清单", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		var dbTotal string
		if err := e.st.DB.QueryRowContext(e.ctx, "SELECT SUM(contractor_share) FROM fee_statements WHERE review_id IN (?, ?)",
			one.ReviewID, two.ReviewID).Scan(&dbTotal); err != nil {
			t.Fatal(err)
		}
		last := rows[len(rows)-1]
		if len(last) < 10 || !dec(last[9]).Equal(dec(dbTotal)) {
			t.Fatalf("last row = %v, want the total %s in column J", last, dbTotal)
		}
		shares := 0
		for _, row := range rows[3:] {
			if len(row) >= 10 && row[0] != "" && dec(row[9]).Equal(two.ContractorShare) {
				shares++
			}
		}
		if shares != 2 {
			t.Fatalf("shared review appears %d times, want once under each of 2 contractors", shares)
		}
	})
}

func TestWhatIf(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name                                 string
		kind, outcome, submitted, audited    string
		wantField, wantTotal, wantContractor string
	}{
		{"worked example with separators", "settlement", "", "12,345,678.90", "11000000", "", "50987.65", "18209.87"},
		{"returned without audited amount", "settlement", "returned", "100", "", "", "0.00", "0.00"},
		{"negative submitted", "settlement", "normal", "-5", "1", "submitted", "", ""},
		{"three decimals audited", "settlement", "normal", "5", "1.234", "audited", "", ""},
		{"exponent", "budget", "normal", "1e3", "1", "submitted", "", ""},
		{"missing audited", "budget", "normal", "1000", "", "audited", "", ""},
		{"unknown kind", "house", "normal", "1000", "1", "kind", "", ""},
		{"unknown outcome", "budget", "late", "1000", "1", "outcome", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, sc, err := e.svc.WhatIf(e.ctx, tc.kind, tc.outcome, tc.submitted, tc.audited, day("2026-03-02"))
			if tc.wantField != "" {
				var fe *input.FieldError
				if !errors.As(err, &fe) || fe.Name != tc.wantField {
					t.Fatalf("WhatIf = %v, want a field error on %s", err, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.TotalFee.StringFixed(2) != tc.wantTotal || res.ContractorShare.StringFixed(2) != tc.wantContractor {
				t.Fatalf("total %s contractor %s, want %s %s", res.TotalFee.StringFixed(2), res.ContractorShare.StringFixed(2), tc.wantTotal, tc.wantContractor)
			}
			if !sc.Example || sc.Version != 1 {
				t.Fatalf("schedule = version %d example %v, want the stored example", sc.Version, sc.Example)
			}
		})
	}
}
