package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"finreview/internal/testenv"
)

// TestDayBulkIndexesAreTheMigrations: dropping the fixture's bulk indexes
// and building them again gives back the tables the migrations made, and
// every plain index of the audit trail (whose keys all come in no order
// as the fixture writes) is among them.
func TestDayBulkIndexesAreTheMigrations(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	h := &harness{db: s.DB}
	tables := map[string]string{}
	for _, x := range dayBulkIndexes {
		tables[x.table] = ""
	}
	// show is the table's definition, its lines sorted: a rebuilt index
	// comes last, and the order of indexes means nothing.
	show := func(table string) string {
		t.Helper()
		var name, create string
		if err := s.DB.QueryRowContext(ctx, "SHOW CREATE TABLE "+table).Scan(&name, &create); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.ReplaceAll(create, ",\n", "\n"), "\n")
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	for table := range tables {
		tables[table] = show(table)
	}
	rows, err := s.DB.QueryContext(ctx,
		"SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'audit_events' AND non_unique = 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(dayBulkIndexes, func(x struct{ table, name, cols string }) bool { return x.name == name }) {
			t.Errorf("audit_events' index %s is not dropped for a large write", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := h.dayIndexes(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := h.dayIndexes(ctx, true); err != nil {
		t.Fatal(err)
	}
	for table, want := range tables {
		if got := show(table); got != want {
			t.Errorf("%s after the rebuild:\n%s\nwant:\n%s", table, got, want)
		}
	}
}
