// Package templates holds finreview's server-rendered pages and every static
// asset (CSS, scripts, fonts), embedded in the binary: bureau intranets have
// no internet, so nothing is ever loaded from a CDN.
package templates

import "embed"

// FS holds the page templates (*.html, partials/*.html) and static/.
//
//go:embed *.html partials/*.html static
var FS embed.FS
