// Package deadline schedules working-day deadlines in MariaDB and fires
// them exactly once, from any number of server instances.
package deadline

// Engine claims and fires due deadlines.
type Engine struct{}
