package review

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"finreview/internal/auth"
)

// codeTail splits a project code into its series prefix and its number.
var codeTail = regexp.MustCompile(`^(.*?)(\d+)$`)

// yearIn finds a four-digit year in a prefix.
var yearIn = regexp.MustCompile(`(19|20)\d{2}`)

// NextProjectCode offers the next code of a series from the codes already
// used, newest first: the newest code's prefix with the highest number of
// that prefix plus one, zero-padded to the same width ("LH-2026-007" after
// "LH-2026-006"). When the prefix holds an earlier year than year, the series
// starts again in year ("LH-2027-001"). "" when no code ends in a number.
func NextProjectCode(codes []string, year int) string {
	prefix, width := "", 0
	found := false
	for _, c := range codes {
		if m := codeTail.FindStringSubmatch(strings.TrimSpace(c)); m != nil {
			prefix, width, found = m[1], len(m[2]), true
			break
		}
	}
	if !found {
		return ""
	}
	y := strconv.Itoa(year)
	if loc := yearIn.FindStringIndex(prefix); loc != nil && prefix[loc[0]:loc[1]] < y {
		return prefix[:loc[0]] + y + prefix[loc[1]:] + pad(1, width)
	}
	highest := 0
	for _, c := range codes {
		m := codeTail.FindStringSubmatch(strings.TrimSpace(c))
		if m == nil || m[1] != prefix {
			continue
		}
		if n, err := strconv.Atoi(m[2]); err == nil && n > highest {
			highest = n
		}
	}
	return prefix + pad(highest+1, width)
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// SuggestProjectCode is the next code of the series of the projects p sees
// (a unit: its own projects), for the registration form; "" when there is
// none to follow.
func (s *Service) SuggestProjectCode(ctx context.Context, p auth.Principal) string {
	list, _, err := s.store.Projects(ctx, p.Scope(), "", 500, 0)
	if err != nil {
		return ""
	}
	codes := make([]string, 0, len(list))
	for _, pr := range list {
		codes = append(codes, pr.Code)
	}
	return NextProjectCode(codes, s.now().In(shanghai()).Year())
}
