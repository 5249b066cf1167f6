package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestInputErrorsNameTheColumn: what MariaDB refuses in a value (too
// long, an id of no row, bytes that are not UTF-8, a number out of range,
// a taken unique value) comes back as a typed *store.InputError naming
// the column, never as the driver's error, and never quoting the value.
func TestInputErrorsNameTheColumn(t *testing.T) {
	s := testenv.DB(t)
	testenv.Demo(t, s)
	ctx := context.Background()
	var unit, jur int64
	if err := s.DB.QueryRowContext(ctx, "SELECT id, jurisdiction_id FROM organizations WHERE kind = 'construction_unit' ORDER BY id LIMIT 1").Scan(&unit, &jur); err != nil {
		t.Fatal(err)
	}
	insert := func(code, name string, unitID, deptID int64) error {
		_, err := s.DB.ExecContext(ctx, `INSERT INTO projects (code, name, jurisdiction_id, unit_org_id, dept_org_id, funding_source,
			category, approved_estimate, key_project, created_at) VALUES (?, ?, ?, ?, ?, 'other', 'capital', 1, FALSE, NOW())`,
			code, name, jur, unitID, deptID)
		return err
	}
	tests := []struct {
		name     string
		err      error
		sentinel error
		column   string
	}{
		{"too long", insert("T-1", strings.Repeat("长", 201), unit, unit), store.ErrTooLong, "name"},
		{"unknown dept", insert("T-2", "项目", unit, 987654321), store.ErrMissingReference, "dept_org_id"},
		{"unknown unit", insert("T-3", "项目", 987654321, unit), store.ErrMissingReference, "unit_org_id"},
		{"broken utf-8", insert("T-4", "a\xff\xfeb", unit, unit), store.ErrBadValue, "name"},
		{"out of range", func() error {
			_, err := s.DB.ExecContext(ctx, "UPDATE firms SET capacity = ? WHERE org_id > 0", int64(1)<<40)
			return err
		}(), store.ErrBadValue, "capacity"},
		{"taken code", insert("LH-2026-001", "项目", unit, unit), store.ErrDuplicate, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ie, ok := store.AsInputError(tc.err)
			if !ok {
				t.Fatalf("not an input error: %v", tc.err)
			}
			if !errors.Is(ie, tc.sentinel) || ie.Field() != tc.column {
				t.Fatalf("got %v (column %q), want %v on %q", ie, ie.Field(), tc.sentinel, tc.column)
			}
			if strings.Contains(ie.Error(), "LH-2026") || strings.Contains(ie.Message(), "LH-2026") {
				t.Fatalf("the error quotes the taken value: %v", ie)
			}
		})
	}
	if _, ok := store.AsInputError(errors.New("other")); ok {
		t.Fatal("a plain error is not an input error")
	}
}

// TestTextColumnsAreUTF8MB4: every text column keeps characters beyond
// the Basic Multilingual Plane (𠀀, emoji), so none may be utf8mb3.
func TestTextColumnsAreUTF8MB4(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	rows, err := s.DB.QueryContext(ctx, `SELECT table_name, column_name, character_set_name FROM information_schema.columns
		WHERE table_schema = DATABASE() AND character_set_name IS NOT NULL AND character_set_name <> 'utf8mb4'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, column, cs string
		if err := rows.Scan(&table, &column, &cs); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s.%s is %s, not utf8mb4", table, column, cs)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
