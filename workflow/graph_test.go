package workflow

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/review.dot from the current definition")

func TestGraphGolden(t *testing.T) {
	golden := filepath.Join("testdata", "review.dot")
	got := DOT()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run make graph to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("workflow graph differs from %s; if the change is intended, run make graph\n--- got ---\n%s", golden, got)
	}
}

func TestDOT(t *testing.T) {
	dot := DOT()
	t.Run("is stable across calls", func(t *testing.T) {
		for range 20 {
			if again := DOT(); again != dot {
				t.Fatalf("DOT() changed between calls")
			}
		}
	})
	t.Run("starts at draft", func(t *testing.T) {
		if !strings.Contains(dot, "init -> draft") {
			t.Errorf("DOT has no init -> draft")
		}
	})
	checks := []string{
		`opinion_sent -> signed`, `[agrees]`,
		`opinion_sent -> disputed`, `[disagrees]`,
		`concluded -> appeal`, `[appealNotUsed]`,
		`delegated -> in_review`, `[planReady]`,
		`resume [suspended]`,
	}
	for _, s := range States() {
		checks = append(checks, "\t"+string(s)+" [label=")
	}
	for _, c := range checks {
		t.Run("contains "+strings.TrimSpace(c), func(t *testing.T) {
			if !strings.Contains(dot, c) {
				t.Errorf("DOT lacks %q", c)
			}
		})
	}
}
