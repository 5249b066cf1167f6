package importer

import "testing"

func TestParseDocNumber(t *testing.T) {
	for _, c := range []struct {
		in           string
		norm         string
		year, number int
	}{
		{"临财评〔2021〕15号", "临财评〔2021〕15号", 2021, 15},
		{"巴财评[2019]3号", "巴财评〔2019〕3号", 2019, 3},
		{"乌前财评（2020）第8号", "乌前财评〔2020〕8号", 2020, 8},
		{"临财评〔2021〕0号", "", 0, 0},
		{"临财评2021年15号", "", 0, 0},
		{"〔2021〕15号", "", 0, 0},
	} {
		t.Run(c.in, func(t *testing.T) {
			norm, y, n, ok := parseDocNumber(c.in)
			if ok != (c.norm != "") || norm != c.norm || y != c.year || n != c.number {
				t.Fatalf("parseDocNumber(%q) = %q %d %d %v", c.in, norm, y, n, ok)
			}
		})
	}
}
