package bytesize

import (
	"math"
	"testing"
)

func TestText(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1 KB"},
		{1536, "1.5 KB"},
		{3 << 20, "3 MB"},
		{30 << 20, "30 MB"},
		{200 << 20, "200 MB"},
		{(1 << 20) + (1<<20)/4, "1.3 MB"}, // 1.25 rounds half up
		{(1 << 20) - 1, "1024 KB"},        // rounds up within the unit below
		{2 << 30, "2 GB"},
		{5<<30 + 512<<20, "5.5 GB"},
		{3 << 40, "3 TB"},
		{2048 << 40, "2048 TB"},
		{math.MaxInt64, "8388608 TB"},
		{-5, "-5 B"},
	} {
		if got := Text(c.n); got != c.want {
			t.Errorf("Text(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
