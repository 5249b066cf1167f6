// Command finreview-bench measures the figures of the benchmark table in
// API.md against the real services on this machine and prints one line per
// figure, "BENCH <name> <value> <unit>". Ratios are measured side by side
// in the same run. It builds its own database and bucket, starts finreview
// serve instances on loopback, and stops everything when done; every load
// loop is bounded in count and time.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "finreview-bench:", err)
		os.Exit(1)
	}
}

type result struct {
	name  string
	value string
	unit  string
	note  string // context for people, printed on stderr only
}

func run(ctx context.Context) error {
	// The fee and paper steps run first, before the harness sets up the
	// database: they measure pure computation.
	var h *harness
	defer func() {
		if h != nil {
			h.close()
		}
	}()
	var results []result
	steps := []struct {
		name string
		fn   func(*harness, context.Context) ([]result, error)
	}{
		{"fee", func(_ *harness, ctx context.Context) ([]result, error) { return benchFee(ctx) }},
		{"paper", func(_ *harness, ctx context.Context) ([]result, error) { return benchPaper(ctx) }},
		{"upload", (*harness).benchUpload},
		{"transitions", (*harness).benchTransitions},
		{"review list", (*harness).benchReviewList},
		{"deadlines", (*harness).benchDeadlines},
		{"import", (*harness).benchImport},
		{"capacity", (*harness).benchCapacity},
		{"export", (*harness).benchExport},
		{"cluster", (*harness).benchCluster},
	}
	only := os.Getenv("FINREVIEW_BENCH_ONLY")
	for _, s := range steps {
		if only != "" && !strings.Contains(only, s.name) {
			continue
		}
		if h == nil && s.name != "fee" && s.name != "paper" {
			var err error
			if h, err = newHarness(ctx); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "== %s\n", s.name)
		rs, err := s.fn(h, ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		for _, r := range rs {
			fmt.Fprintf(os.Stderr, "   %s = %s %s %s\n", r.name, r.value, r.unit, r.note)
		}
		results = append(results, rs...)
	}
	for _, r := range results {
		fmt.Printf("BENCH %s %s %s\n", r.name, r.value, r.unit)
	}
	return nil
}
