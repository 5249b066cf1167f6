package web

import "finreview/internal/fee"

// kindLabel is the Chinese name of a review kind.
func kindLabel(k string) string {
	if kind, err := fee.ParseKind(k); err == nil {
		return kind.Label()
	}
	return k
}
