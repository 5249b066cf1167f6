package workflow

import "fmt"

// codeSet is a closed set of codes (the states, the triggers) in their
// order, each with the Chinese name users see: one table serves the list,
// the labels and the parsing. Nothing writes it after start-up.
type codeSet[T ~string] []struct {
	code  T
	label string
}

// codes are the codes in order.
func (cs codeSet[T]) codes() []T {
	out := make([]T, len(cs))
	for i, r := range cs {
		out[i] = r.code
	}
	return out
}

// label is c's Chinese name, or "" for a code outside the set.
func (cs codeSet[T]) label(c T) string {
	for _, r := range cs {
		if r.code == c {
			return r.label
		}
	}
	return ""
}

// displayName is c's label, falling back to the code for unknown values.
func (cs codeSet[T]) displayName(c T) string {
	if l := cs.label(c); l != "" {
		return l
	}
	return string(c)
}

// parse turns s into a code of the set, refusing others with unknown
// (what names the set in the message).
func (cs codeSet[T]) parse(what, s string, unknown error) (T, error) {
	if cs.label(T(s)) == "" {
		return "", fmt.Errorf("parse %s %q: %w", what, s, unknown)
	}
	return T(s), nil
}
