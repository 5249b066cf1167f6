// Package firm keeps the firm library, delegations by rotation, conflicts,
// experts and firm assessment, on top of the pure package assign.
package firm

// Service manages firms and delegations.
type Service struct{}
