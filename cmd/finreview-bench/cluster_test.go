package main

import (
	"strings"
	"testing"
)

// TestBesideSingle: the cluster's working-day figures carry the single
// instance's of the same run in their notes, figure by figure; a figure
// the single instance did not report, or a run without the capacity
// step, leaves the note as it was.
func TestBesideSingle(t *testing.T) {
	cluster := []result{
		{name: "cluster_capacity_users", value: "100", unit: "users", note: "(2 instance(s))"},
		{name: "cluster_page_p95_ms_todo", value: "70.4", unit: "ms", note: "(at 100 users)"},
		{name: "cluster_page_p95_ms_bulletin", value: "12.0", unit: "ms", note: "(at 100 users)"},
	}
	earlier := []result{
		{name: "fee_ops_per_sec", value: "900000", unit: "ops/s"},
		{name: "capacity_users", value: "250", unit: "users", note: "(1 instance(s))"},
		{name: "page_p95_ms_todo", value: "113.9", unit: "ms", note: "(at 250 users)"},
		{name: "cluster_transition_ratio", value: "0.8", unit: "ratio"},
	}
	got := besideSingle(cluster, earlier)
	want := []string{
		"(2 instance(s)); one instance on the single server in this run: 250 users (1 instance(s))",
		"(at 100 users); one instance on the single server in this run: 113.9 ms (at 250 users)",
		"(at 100 users)",
	}
	for i, r := range got {
		if r.note != want[i] {
			t.Errorf("%s: note %q, want %q", r.name, r.note, want[i])
		}
		if r.name != cluster[i].name || r.value != cluster[i].value {
			t.Errorf("%s = %s: the figure itself changed to %s = %s", cluster[i].name, cluster[i].value, r.name, r.value)
		}
	}
	if strings.Contains(cluster[0].note, "single") {
		t.Error("besideSingle changed its argument")
	}
	for _, r := range besideSingle(cluster, nil) {
		if strings.Contains(r.note, "single server") {
			t.Errorf("%s: without the capacity step the note is %q", r.name, r.note)
		}
	}
}
