package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// services are the folders of the use-case services: the only packages the
// web edge may reach the store through.
var services = []string{"review", "docs", "firm", "billing", "deadline", "report", "auth", "audit"}

// TestEdgeReachesTheStoreOnlyThroughServices: of everything internal/web
// builds on, the packages that import internal/store are services (or
// their own packages), never a package of no service that would carry SQL
// to the edge past them.
func TestEdgeReachesTheStoreOnlyThroughServices(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "finreview/internal/web").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	reached := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		if !strings.HasPrefix(pkg, "finreview/") || !slices.Contains(imports, "finreview/internal/store") {
			continue
		}
		reached++
		if !isService(pkg) {
			t.Errorf("internal/web reaches %s, which imports internal/store but belongs to no service; place it in the service whose use case it is", pkg)
		}
	}
	if reached == 0 {
		t.Fatal("no package the edge builds on imports internal/store: the check read nothing")
	}
}

func isService(pkg string) bool {
	for _, s := range services {
		if p := "finreview/internal/" + s; pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}
