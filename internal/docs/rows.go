package docs

import "finreview/internal/store"

// The rows the document pages render.
type (
	Document       = store.Document
	DocumentFilter = store.DocumentFilter
	DocumentAccess = store.DocumentAccess
	Paper          = store.Paper
	PaperFilter    = store.PaperFilter
)
