package billing

import "finreview/internal/store"

// DeductionFilter selects the deductions a page lists.
type DeductionFilter = store.DeductionFilter
