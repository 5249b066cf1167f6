package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// The fee totals of a period are the sums of the statements computed in
// it that the scope sees, for a scope that sees every review (read from
// the statements' index alone), a jurisdiction's and a department's (which
// needs the projects).
func TestFeeTotalsOfAPeriod(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	res, err := s.DB.ExecContext(ctx, `INSERT INTO fee_schedules (name, version, effective_from, body, created_at)
		VALUES ('测试收费标准', 9001, '2020-01-01', '{}', NOW())`)
	if err != nil {
		t.Fatal(err)
	}
	schedule, _ := res.LastInsertId()
	loc := time.FixedZone("CST", 8*3600)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, loc)
	dec := time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
	// Two statements in November (one in each jurisdiction, one paid) and
	// one in October.
	for _, st := range []struct {
		project   string
		fee, cont string
		at        time.Time
		paid      bool
	}{
		{"LH-2026-001", "1000.10", "100.01", nov.Add(time.Hour), true},
		{"WY-2026-001", "2000.20", "0.00", dec.Add(-time.Microsecond), false},
		{"LH-2026-001", "4000.40", "400.04", nov.Add(-time.Microsecond), false},
	} {
		res, err := s.DB.ExecContext(ctx, `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id,
			  submitted_amount, suspended, created_at, updated_at)
			SELECT id, 'settlement', 'concluded', jurisdiction_id, unit_org_id, 1000, 0, NOW(), NOW() FROM projects WHERE code = ?`, st.project)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		var paid any
		if st.paid {
			paid = st.at
		}
		if _, err := s.DB.ExecContext(ctx, `INSERT INTO fee_statements (review_id, schedule_id, kind, outcome, submitted_amount,
			  audited_amount, basic_fee, reduction_fee, total_fee, contractor_share, finance_share, payable_now, payable_later,
			  paid_at, computed_at)
			VALUES (?, ?, 'settlement', 'reduced', 1000, 900, 0, 0, ?, ?, ? - ?, 0, 0, ?, ?)`,
			id, schedule, st.fee, st.cont, st.fee, st.cont, paid, st.at); err != nil {
			t.Fatal(err)
		}
	}
	var jurisdiction int64
	var dept sql.NullInt64
	if err := s.DB.QueryRowContext(ctx, "SELECT jurisdiction_id, dept_org_id FROM projects WHERE code = 'LH-2026-001'").Scan(&jurisdiction, &dept); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                       string
		sc                         store.Scope
		count                      int
		total, contractor, finance string
		paid, owed                 string
	}{
		{"everything", store.Scope{All: true}, 2, "3000.30", "100.01", "2900.29", "1000.10", "2000.20"},
		{"a jurisdiction", store.Scope{JurisdictionID: jurisdiction}, 1, "1000.10", "100.01", "900.09", "1000.10", "0.00"},
		{"nothing", store.Scope{All: true, None: true}, 0, "0.00", "0.00", "0.00", "0.00", "0.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FeeTotalsBetween(ctx, tc.sc, nov, dec)
			if err != nil {
				t.Fatal(err)
			}
			if got.Count != tc.count || got.TotalFee.StringFixed(2) != tc.total || got.ContractorShare.StringFixed(2) != tc.contractor ||
				got.FinanceShare.StringFixed(2) != tc.finance || got.Paid.StringFixed(2) != tc.paid || got.Owed.StringFixed(2) != tc.owed {
				t.Errorf("totals %+v, want %d statements, %s (contractors %s, finance %s; paid %s, owed %s)",
					got, tc.count, tc.total, tc.contractor, tc.finance, tc.paid, tc.owed)
			}
		})
	}
	if dept.Valid {
		var want int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fee_statements s JOIN reviews r ON r.id = s.review_id
			JOIN projects p ON p.id = r.project_id WHERE p.dept_org_id = ? AND s.computed_at >= ? AND s.computed_at < ?`,
			dept.Int64, nov, dec).Scan(&want); err != nil {
			t.Fatal(err)
		}
		got, err := s.FeeTotalsBetween(ctx, store.Scope{DeptID: dept.Int64}, nov, dec)
		if err != nil || got.Count != want || want == 0 {
			t.Errorf("a department's totals %+v, %v; want its projects' %d statements", got, err, want)
		}
	}
	// The deployment's totals read the statements' index alone.
	var (
		id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
		rows                                                          sql.NullInt64
	)
	if err := s.DB.QueryRowContext(ctx, `EXPLAIN SELECT COUNT(*), SUM(s.total_fee), SUM(s.contractor_share), SUM(s.finance_share),
		  SUM(CASE WHEN s.paid_at IS NULL THEN s.total_fee ELSE 0 END)
		FROM fee_statements s WHERE s.computed_at >= ? AND s.computed_at < ?`, nov, dec).
		Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra); err != nil {
		t.Fatal(err)
	}
	if key.String != "idx_fee_statements_computed" || !strings.Contains(extra.String, "Using index") {
		t.Errorf("the period's sums read %q (%s), want idx_fee_statements_computed alone", key.String, extra.String)
	}
}
