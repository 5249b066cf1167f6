package review

import "finreview/internal/store"

// The errors every service passes up from the database, named here so
// that callers (the web layer's one error mapping) need not know the store.
var (
	// ErrNotFound: no such row, or none the caller may see.
	ErrNotFound = store.ErrNotFound
	// ErrDuplicate: a unique name or number is already taken.
	ErrDuplicate = store.ErrDuplicate
	// ErrStale: the row changed since the caller read it.
	ErrStale = store.ErrStale
)

// InputError is a value the database refused, with its field.
type InputError = store.InputError

// AsInputError finds a database refusal of a value in err's chain.
func AsInputError(err error) (*InputError, bool) { return store.AsInputError(err) }

// IsUnavailable reports whether the database could not be reached.
func IsUnavailable(err error) bool { return store.IsUnavailable(err) }
