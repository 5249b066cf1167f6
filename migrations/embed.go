// Package migrations holds the ordered, forward-only SQL migrations of
// finreview. Files are named NNNN_description.sql; an applied file is never
// edited, a change is always a new file.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
