package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestWebLeavesWritesToServices: the web layer parses, calls a service and
// renders. No file of it (tests aside) imports the store, opens a
// transaction or appends to the audit trail itself.
func TestWebLeavesWritesToServices(t *testing.T) {
	problems := layerProblems(t, ".")
	for _, p := range problems {
		t.Error(p)
	}
}

// TestLayerCheckFindsAStoreImport: the check above sees each thing it
// forbids in a file that has it.
func TestLayerCheckFindsAStoreImport(t *testing.T) {
	dir := t.TempDir()
	src := `package web

import (
	"context"

	"finreview/internal/audit"
	"finreview/internal/store"
)

func write(ctx context.Context, s *store.Store) error {
	return s.InTx(ctx, func(q *store.Queries) error {
		_, err := audit.Append(ctx, q, now(), audit.Entry{})
		return err
	})
}
`
	if err := os.WriteFile(filepath.Join(dir, "bad.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(layerProblems(t, dir), "\n")
	for _, want := range []string{"imports finreview/internal/store", "opens a transaction", "appends to the audit trail"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q do not report %q", got, want)
		}
	}
}

func layerProblems(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "finreview/internal/store" {
				out = append(out, fset.Position(imp.Pos()).String()+": imports finreview/internal/store; call a service instead")
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch x, _ := sel.X.(*ast.Ident); {
			case sel.Sel.Name == "InTx":
				out = append(out, fset.Position(sel.Pos()).String()+": opens a transaction; a service owns it")
			case x != nil && x.Name == "audit" && sel.Sel.Name == "Append":
				out = append(out, fset.Position(sel.Pos()).String()+": appends to the audit trail; a service records its events")
			}
			return true
		})
	}
	return out
}
