// Package bytesize writes a count of bytes for people, in one form for
// every page, message and progress line: 512 B, 1.5 KB, 200 MB, 2 GB.
package bytesize

import (
	"math"
	"strconv"
)

// Text writes n in the largest unit of 1,024 it reaches (B, KB, MB, GB,
// TB), to one decimal place, without the decimal when it is .0.
func Text(n int64) string {
	const units = "KMGT"
	if n < 1<<10 {
		return strconv.FormatInt(n, 10) + " B"
	}
	u, div := 0, int64(1<<10)
	for u < len(units)-1 && n >= div<<10 {
		u, div = u+1, div<<10
	}
	// Tenths of the unit, rounded half up, in integers so that no size
	// prints as 1023.99… of a unit.
	var tenths int64
	if n <= math.MaxInt64/10 {
		tenths = (n*10 + div/2) / div
	} else {
		tenths = n / (div / 10)
	}
	s := strconv.FormatInt(tenths/10, 10)
	if f := tenths % 10; f != 0 {
		s += "." + strconv.FormatInt(f, 10)
	}
	return s + " " + units[u:u+1] + "B"
}
