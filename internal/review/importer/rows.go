package importer

import "finreview/internal/store"

// Import is one import run, as the imports page lists it.
type Import = store.Import

// ImportProgress is how far a running check or commit has read.
type ImportProgress = store.ImportProgress
