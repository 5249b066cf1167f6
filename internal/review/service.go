// Package review is the use-case service of the review workflow: it loads
// a review, checks role and row scope, fires the workflow machine inside one
// transaction and writes the state, the timeline, the audit trail,
// deadlines, delegation, papers and the fee statement with it.
package review

// Service runs review transitions.
type Service struct{}
