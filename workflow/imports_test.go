package workflow

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPurePackagesStayLeaves keeps the rules pure: workflow, fee, calendar,
// assign and draw import nothing of finreview's and no package that does
// I/O (SQL, HTTP, logging, processes); only the standard library, decimal
// and stateless.
func TestPurePackagesStayLeaves(t *testing.T) {
	allowed := map[string][]string{
		"finreview/workflow":          {"github.com/qmuntal/stateless"},
		"finreview/internal/fee":      {"github.com/shopspring/decimal"},
		"finreview/internal/calendar": nil,
		"finreview/internal/assign":   {"github.com/shopspring/decimal"},
		"finreview/internal/draw":     nil,
	}
	banned := []string{"database/sql", "net/http", "log", "log/slog", "os/exec", "net"}
	for pkg, extra := range allowed {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", pkg, err)
			}
			for _, dep := range strings.Fields(string(out)) {
				switch {
				case dep == pkg:
				case strings.HasPrefix(dep, "finreview/"):
					t.Errorf("%s imports %s: a pure package imports nothing of ours", pkg, dep)
				case strings.Contains(strings.SplitN(dep, "/", 2)[0], "."):
					ok := false
					for _, e := range extra {
						if dep == e || strings.HasPrefix(dep, e+"/") {
							ok = true
						}
					}
					if !ok {
						t.Errorf("%s depends on %s", pkg, dep)
					}
				}
			}
			direct, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, pkg).Output()
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range strings.Fields(string(direct)) {
				for _, b := range banned {
					if imp == b {
						t.Errorf("%s imports %s: pure packages do no I/O", pkg, imp)
					}
				}
			}
		})
	}
}
