package importer

import "finreview/internal/store"

// Import is one import run, as the imports page lists it.
type Import = store.Import
