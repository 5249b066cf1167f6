package workflow

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/qmuntal/stateless"
)

// DOT returns the workflow as a Graphviz DOT graph (stateless ToGraph),
// starting at draft. Edge lines are sorted so the output is stable; it is
// kept as workflow/testdata/review.dot and checked by a golden test.
func DOT() string {
	sm := stateless.NewStateMachineWithExternalStorage(
		func(context.Context) (stateless.State, error) { return Draft, nil },
		func(context.Context, stateless.State) error {
			return errors.New("workflow: graph machine is read-only")
		},
		stateless.FiringImmediate,
	)
	configure(sm)
	return stableDOT(sm.ToGraph())
}

// stableDOT sorts the edge lines of a ToGraph output: stateless orders the
// edges of one state by trigger name, but two edges with the same trigger
// (sign → signed, sign → disputed) come out in map order.
func stableDOT(dot string) string {
	lines := strings.Split(dot, "\n")
	start, end := -1, -1
	for i, l := range lines {
		if strings.Contains(l, " -> ") && !strings.HasPrefix(strings.TrimSpace(l), "init") {
			if start < 0 {
				start = i
			}
			end = i + 1
		}
	}
	if start >= 0 {
		slices.Sort(lines[start:end])
	}
	return strings.Join(lines, "\n")
}
