package workflow

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsStayLeaf keeps workflow a leaf: the standard library and
// stateless only (no SQL, web, storage or logging).
func TestImportsStayLeaf(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			std := !strings.Contains(strings.SplitN(path, "/", 2)[0], ".")
			if !std && path != "github.com/qmuntal/stateless" {
				t.Errorf("%s imports %q; workflow may import only the standard library and stateless", name, path)
			}
			for _, banned := range []string{"database/sql", "log", "log/slog", "net/http"} {
				if path == banned {
					t.Errorf("%s imports %q; workflow does no I/O", name, path)
				}
			}
		}
	}
}
