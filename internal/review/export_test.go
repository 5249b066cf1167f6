package review

import (
	"sync/atomic"

	"finreview/internal/auth"
	"finreview/workflow"
)

// TableRoles are the roles t's table entry lets fire it.
func TableRoles(t workflow.Trigger) []auth.Role { return specOf(t).roles }

// CountMachines counts the workflow machines s builds from now on.
func CountMachines(s *Service) *atomic.Int64 {
	var n atomic.Int64
	build := s.newMachine
	s.newMachine = func(st workflow.State, f workflow.Facts) *workflow.Machine {
		n.Add(1)
		return build(st, f)
	}
	return &n
}
