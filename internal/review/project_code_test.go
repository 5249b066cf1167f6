package review

import "testing"

func TestNextProjectCode(t *testing.T) {
	tests := []struct {
		name  string
		codes []string
		year  int
		want  string
	}{
		{"next of the series", []string{"LH-2026-003", "LH-2026-012", "LH-2026-001"}, 2026, "LH-2026-013"},
		{"width kept", []string{"WY2026-0099"}, 2026, "WY2026-0100"},
		{"newest prefix wins", []string{"B-7", "A-20"}, 2026, "B-8"},
		{"a new year restarts the series", []string{"LH-2025-041"}, 2026, "LH-2026-001"},
		{"no number to follow", []string{"临河区项目"}, 2026, ""},
		{"nothing yet", nil, 2026, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NextProjectCode(tt.codes, tt.year); got != tt.want {
				t.Fatalf("NextProjectCode(%v) = %q, want %q", tt.codes, got, tt.want)
			}
		})
	}
}
