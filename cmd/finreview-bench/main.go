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
	ctx, cancel := context.WithTimeout(ctx, 60*time.Minute)
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
	// local: the step works on the bench database of the single server
	// (the harness is set up before the first such step runs).
	steps := []struct {
		name  string
		local bool
		fn    func(*harness, context.Context) ([]result, error)
	}{
		{"fee", false, func(_ *harness, ctx context.Context) ([]result, error) { return benchFee(ctx) }},
		{"paper", false, func(_ *harness, ctx context.Context) ([]result, error) { return benchPaper(ctx) }},
		{"upload", true, (*harness).benchUpload},
		{"transitions", true, (*harness).benchTransitions},
		{"review list", true, (*harness).benchReviewList},
		{"deadlines", true, (*harness).benchDeadlines},
		{"import", true, (*harness).benchImport},
		{"capacity", true, (*harness).benchCapacity},
		{"export", true, (*harness).benchExport},
		{"cluster", true, (*harness).benchCluster},
		// After capacity, whose figures it reports beside its own.
		{"capacity-cluster", false, func(_ *harness, ctx context.Context) ([]result, error) {
			return benchCapacityCluster(ctx, results)
		}},
	}
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.name
	}
	only, err := selectSteps(os.Getenv("FINREVIEW_BENCH_ONLY"), names)
	if err != nil {
		return err
	}
	for _, s := range steps {
		if only != nil && !only[s.name] {
			continue
		}
		if h == nil && s.local {
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

// selectSteps reads FINREVIEW_BENCH_ONLY: step names separated by
// commas, each matched whole ("capacity" is not "capacity-cluster"). No
// name selects every step (nil); an unknown name is an error naming the
// steps.
func selectSteps(only string, names []string) (map[string]bool, error) {
	if strings.TrimSpace(only) == "" {
		return nil, nil
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	sel := map[string]bool{}
	for _, f := range strings.Split(only, ",") {
		n := strings.TrimSpace(f)
		if n == "" {
			continue
		}
		if !known[n] {
			return nil, fmt.Errorf("FINREVIEW_BENCH_ONLY: no step %q (steps: %s)", n, strings.Join(names, ", "))
		}
		sel[n] = true
	}
	if len(sel) == 0 {
		return nil, nil
	}
	return sel, nil
}
