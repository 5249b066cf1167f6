package main

import (
	"reflect"
	"strings"
	"testing"
)

// TestSelectSteps: FINREVIEW_BENCH_ONLY names steps whole, so the single
// server's capacity and the cluster's are chosen apart, and a name that
// is no step's is refused rather than running nothing.
func TestSelectSteps(t *testing.T) {
	names := []string{"fee", "review list", "capacity", "export", "cluster", "capacity-cluster"}
	for _, tc := range []struct {
		name, only string
		want       map[string]bool
	}{
		{"empty runs every step", "", nil},
		{"blanks and commas only run every step", " , ", nil},
		{"capacity alone leaves the cluster's out", "capacity", map[string]bool{"capacity": true}},
		{"capacity-cluster leaves the single server's and the cluster step out", "capacity-cluster", map[string]bool{"capacity-cluster": true}},
		{"cluster alone is the cluster step", "cluster", map[string]bool{"cluster": true}},
		{"a list with spaces", "capacity, export ,review list", map[string]bool{"capacity": true, "export": true, "review list": true}},
		{"both capacities side by side", "capacity,capacity-cluster", map[string]bool{"capacity": true, "capacity-cluster": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := selectSteps(tc.only, names)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("selectSteps(%q) = %v, want %v", tc.only, got, tc.want)
			}
		})
	}
	for _, only := range []string{"review", "capacity-clusters", "capacity,cluster-capacity"} {
		t.Run("unknown "+only, func(t *testing.T) {
			_, err := selectSteps(only, names)
			if err == nil || !strings.Contains(err.Error(), "capacity-cluster") {
				t.Errorf("selectSteps(%q): error %v, want one listing the steps", only, err)
			}
		})
	}
}
