package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestImportCommand(t *testing.T) {
	d := newDrill(t)
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "单位模板.xlsx")
	if err, stderr := d.cli("import", "template", "organizations", "--out", tmpl); err != nil {
		t.Fatalf("template: %v %s", err, stderr)
	}
	f, err := excelize.OpenFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	header, _ := f.GetRows("单位")
	if len(header) != 1 || strings.Join(header[0][:3], ",") != "单位名称,单位类型,所属区划" {
		t.Fatalf("template header = %v", header)
	}
	if dvs, _ := f.GetDataValidations("单位"); len(dvs) == 0 {
		t.Fatalf("template has no drop-down lists")
	}
	// Fill the template: one good row, one row with two problems.
	f.SetSheetRow("单位", "A2", &[]any{"临河区教育局", "建设单位", "临河区", "91440300708461136T"})
	f.SetSheetRow("单位", "A3", &[]any{"临河区某单位", "设计单位", "临河区", "91440300708461136X"})
	bad := filepath.Join(dir, "有问题.xlsx")
	if err := f.SaveAs(bad); err != nil {
		t.Fatal(err)
	}
	err, stderr := d.cli("import", "organizations", "--file", bad)
	if err == nil {
		t.Fatalf("a file with bad rows was accepted")
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "第 3 行") || !strings.Contains(lines[0], "单位类型") ||
		!strings.Contains(lines[1], "第 3 行") || !strings.Contains(lines[1], "统一社会信用代码") {
		t.Fatalf("stderr = %q, want one line per problem with row and column", stderr)
	}
	var n int
	d.s.DB.QueryRow("SELECT COUNT(*) FROM organizations WHERE name = '临河区教育局'").Scan(&n)
	if n != 0 {
		t.Fatalf("rows written despite problems")
	}

	f.RemoveRow("单位", 3)
	good := filepath.Join(dir, "单位.xlsx")
	if err := f.SaveAs(good); err != nil {
		t.Fatal(err)
	}
	if err, stderr := d.cli("import", "organizations", "--file", good, "--dry-run"); err != nil || stderr != "" {
		t.Fatalf("dry run: %v %q", err, stderr)
	}
	d.s.DB.QueryRow("SELECT COUNT(*) FROM organizations WHERE name = '临河区教育局'").Scan(&n)
	if n != 0 {
		t.Fatalf("--dry-run wrote rows")
	}
	for i := 0; i < 2; i++ {
		if err, stderr := d.cli("import", "organizations", "--file", good); err != nil || stderr != "" {
			t.Fatalf("import %d: %v %q", i, err, stderr)
		}
	}
	d.s.DB.QueryRow("SELECT COUNT(*) FROM organizations WHERE name = '临河区教育局'").Scan(&n)
	if n != 1 {
		t.Fatalf("organizations named 临河区教育局 = %d, want 1", n)
	}
	if err, _ := d.cli("import", "nonsense", "--file", good); err == nil {
		t.Fatalf("an unknown kind was accepted")
	}
}
