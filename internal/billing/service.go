// Package billing keeps versioned fee schedules and the fee statements of
// concluded reviews, computed by the pure package fee.
package billing

// Service manages fee schedules and statements.
type Service struct{}
