package importer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/report"
	"finreview/internal/review"
	"finreview/internal/review/importer"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/workflow"
)

type harness struct {
	t       *testing.T
	ctx     context.Context
	s       *store.Store
	objects *docs.ObjectStore
	svc     *importer.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	objects := testenv.Objects(t)
	if _, err := billing.NewService(s, time.Now).EnsureExample(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, ctx: context.Background(), s: s, objects: objects,
		svc: importer.New(importer.Options{Store: s, Objects: objects, Now: time.Now, Log: slog.New(slog.DiscardHandler)})}
}

// book builds an .xlsx with one sheet holding rows (the first the header).
func book(t *testing.T, sheet string, rows ...[]any) *bytes.Reader {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b.Bytes())
}

func (h *harness) importFile(kind importer.Kind, f *bytes.Reader) (importer.Report, error) {
	return h.svc.Import(h.ctx, importer.Actor{Name: "测试"}, kind, string(kind)+".xlsx", f, f.Size(), nil)
}

func (h *harness) mustImport(kind importer.Kind, f *bytes.Reader) importer.Report {
	h.t.Helper()
	rep, err := h.importFile(kind, f)
	if err != nil {
		h.t.Fatalf("import %s: %v %v", kind, err, rep.Problems)
	}
	return rep
}

func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.s.DB.QueryRowContext(h.ctx, query, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

var (
	orgRows = [][]any{
		{"单位名称", "单位类型", "所属区划", "统一社会信用代码", "联系人"},
		{"临河区教育局", "建设单位", "临河区", "91440300708461136T", "王一"},
		{"临河区城建集团", "施工单位", "临河区", "", "王二"},
		{"临河区民政局", "建设单位", "临河区", "", ""}, // in the demo city already
	}
	firmRows = [][]any{
		// columns in another order than the template's
		{"统一社会信用代码", "名称", "资质", "评分", "入库日期", "所属区划", "状态"},
		{"91330100716105852F", "巴彦淖尔正信造价咨询有限公司", "工程造价咨询甲级", 88.5, "2022-03-01", "临河区", "正常"},
	}
	projectRows = [][]any{
		{"项目编号", "项目名称", "所属区划", "建设单位", "资金来源", "项目类别", "批复概算", "施工单位"},
		{"LH-2021-001", "临河区第三小学改扩建工程", "临河区", "临河区教育局", "一般公共预算", "基本建设", "6500000.00", "临河区城建集团"},
		{"LH-2021-002", "临河区第五中学操场维修", "临河区", "临河区教育局", "专项资金", "维修改造", 880000.5, ""},
	}
	reviewRows = [][]any{
		{"项目编号", "评审类型", "送审金额", "审定金额", "中介机构", "报送日期", "结论日期", "结论文号", "评审费"},
		{"LH-2021-001", "工程结算", 6400000.00, "6123456.78", "巴彦淖尔正信造价咨询有限公司", "2021-05-10", "2021-07-20", "临财评〔2021〕1号", "31500.00"},
		{"LH-2021-002", "预算", "880000.50", "850000", "", "2021-03-02", "2021-03-30", "临财评〔2021〕2号", ""},
	}
)

func (h *harness) importAll() []importer.Report {
	return []importer.Report{
		h.mustImport(importer.Organizations, book(h.t, "单位", orgRows...)),
		h.mustImport(importer.Firms, book(h.t, "中介机构", firmRows...)),
		h.mustImport(importer.Projects, book(h.t, "项目", projectRows...)),
		h.mustImport(importer.Reviews, book(h.t, "评审", reviewRows...)),
	}
}

func TestImportAddsRowsAndReimportChangesNothing(t *testing.T) {
	h := newHarness(t)
	reps := h.importAll()
	for i, want := range []int{2, 1, 2, 2} {
		if reps[i].New != want || reps[i].ImportID == 0 || !reps[i].OK() {
			t.Fatalf("import %d: %+v, want %d new", i, reps[i], want)
		}
	}
	if reps[0].Existing != 1 {
		t.Errorf("the demo's 临河区民政局 should count as existing: %+v", reps[0])
	}
	if n := h.count("SELECT COUNT(*) FROM reviews WHERE import_id = ? AND state = 'archived' AND concluded_at IS NOT NULL", reps[3].ImportID); n != 2 {
		t.Fatalf("imported reviews = %d, want 2", n)
	}
	var audited string
	if err := h.s.DB.QueryRowContext(h.ctx, "SELECT audited_amount FROM reviews r JOIN projects p ON p.id = r.project_id WHERE p.code = 'LH-2021-001'").Scan(&audited); err != nil || audited != "6123456.78" {
		t.Fatalf("audited amount = %q (%v)", audited, err)
	}
	if n := h.count("SELECT COUNT(*) FROM papers WHERE imported AND doc_number IN ('临财评〔2021〕1号','临财评〔2021〕2号')"); n != 2 {
		t.Fatalf("imported papers = %d", n)
	}
	if n := h.count("SELECT COUNT(*) FROM fee_statements s JOIN reviews r ON r.id = s.review_id WHERE r.import_id = ? AND s.total_fee = 31500", reps[3].ImportID); n != 1 {
		t.Fatalf("fee statements = %d", n)
	}
	if n := h.count("SELECT COUNT(*) FROM delegations g JOIN reviews r ON r.id = g.review_id WHERE r.import_id = ? AND g.reason LIKE '上线前导入%'", reps[3].ImportID); n != 1 {
		t.Fatalf("imported delegations = %d, want the firm's one", n)
	}
	if n := h.count("SELECT COUNT(*) FROM audit_events WHERE action = 'import'"); n != 4 {
		t.Fatalf("import audit events = %d, want 4", n)
	}
	var key, sum string
	if err := h.s.DB.QueryRowContext(h.ctx, "SELECT object_key, sha256 FROM imports WHERE id = ?", reps[3].ImportID).Scan(&key, &sum); err != nil {
		t.Fatal(err)
	}
	if sum != reps[3].SHA256 || len(sum) != 64 {
		t.Fatalf("sha256 %q vs report %q", sum, reps[3].SHA256)
	}
	obj, err := h.objects.Get(h.ctx, key)
	if err != nil {
		t.Fatalf("import file not kept: %v", err)
	}
	hash := sha256.New()
	if _, err := io.Copy(hash, obj); err != nil {
		t.Fatal(err)
	}
	obj.Close()
	if hex.EncodeToString(hash.Sum(nil)) != sum {
		t.Fatalf("the kept file does not hash to the recorded SHA-256")
	}

	before := h.count("SELECT COUNT(*) FROM imports") + h.count("SELECT COUNT(*) FROM reviews") + h.count("SELECT COUNT(*) FROM organizations") +
		h.count("SELECT COUNT(*) FROM projects") + h.count("SELECT COUNT(*) FROM audit_events")
	again := h.importAll()
	for i, rep := range again {
		if rep.New != 0 || rep.ImportID != 0 || !rep.OK() {
			t.Fatalf("re-import %d changed something: %+v", i, rep)
		}
	}
	after := h.count("SELECT COUNT(*) FROM imports") + h.count("SELECT COUNT(*) FROM reviews") + h.count("SELECT COUNT(*) FROM organizations") +
		h.count("SELECT COUNT(*) FROM projects") + h.count("SELECT COUNT(*) FROM audit_events")
	if before != after {
		t.Fatalf("re-import wrote rows: %d → %d", before, after)
	}
}

func TestImportRefusesBadRowsAndWritesNothing(t *testing.T) {
	h := newHarness(t)
	f := book(t, "中介机构",
		[]any{"名称", "统一社会信用代码", "资质", "评分", "入库日期", "所属区划"},
		[]any{"甲咨询公司", "91330100716105852F", "甲级", 90, "2022-01-01", "临河区"},     // row 2: fine
		[]any{"乙咨询公司", "91330100716105852G", "甲级", 90, "2022-01-01", "临河区"},     // row 3: check character
		[]any{"丙咨询公司", "91440300708461136T", "甲级", 90.125, "2022-01-01", "火星区"}, // row 4: score places, jurisdiction
		[]any{"甲咨询公司", "91110000MA01ABCD1X", "", 90, "2022-13-01", "临河区"},       // row 5: duplicate name, bad code, qualification, date
		[]any{"丁咨询公司", "91440300708461136T", "甲级", "95", "2022-01-01", "临河区"},   // row 6: code repeats row 4
	)
	rep, err := h.importFile(importer.Firms, f)
	if !errors.Is(err, importer.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	want := map[string]bool{
		"3 统一社会信用代码": true, "4 评分": true, "4 所属区划": true, "5 名称": true, "5 统一社会信用代码": true,
		"5 资质": true, "5 入库日期": true, "6 统一社会信用代码": true,
	}
	got := map[string]bool{}
	for _, p := range rep.Problems {
		got[fmt.Sprintf("%d %s", p.Row, p.Column)] = true
		if p.Message == "" {
			t.Errorf("problem without a message: %+v", p)
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing problem %q in %v", k, rep.Problems)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("unexpected problem %q in %v", k, rep.Problems)
		}
	}
	if n := h.count("SELECT COUNT(*) FROM organizations WHERE name = '甲咨询公司'"); n != 0 {
		t.Fatalf("a valid row was written although others failed")
	}
	if n := h.count("SELECT COUNT(*) FROM imports"); n != 0 {
		t.Fatalf("imports = %d, want 0", n)
	}
}

func TestImportRefusesAmountsBeyondCentsAndFormulas(t *testing.T) {
	h := newHarness(t)
	h.mustImport(importer.Organizations, book(t, "单位", orgRows...))
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "项目")
	for i, r := range projectRows {
		x.SetSheetRow("项目", fmt.Sprintf("A%d", i+1), &r)
	}
	x.SetCellValue("项目", "G2", 12345.678)
	x.SetCellFormula("项目", "G3", "=1+1")
	var b bytes.Buffer
	x.WriteTo(&b)
	rep, err := h.importFile(importer.Projects, bytes.NewReader(b.Bytes()))
	if !errors.Is(err, importer.ErrInvalid) || len(rep.Problems) != 2 {
		t.Fatalf("err = %v, problems %v", err, rep.Problems)
	}
	if p := rep.Problems[0]; p.Row != 2 || p.Column != "批复概算" || !strings.Contains(p.Message, "两位小数") {
		t.Errorf("amount problem = %+v", p)
	}
	if p := rep.Problems[1]; p.Row != 3 || p.Column != "批复概算" || !strings.Contains(p.Message, "公式") {
		t.Errorf("formula problem = %+v", p)
	}
	if n := h.count("SELECT COUNT(*) FROM projects WHERE import_id IS NOT NULL"); n != 0 {
		t.Fatalf("projects written: %d", n)
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	h := newHarness(t)
	enc := func() *bytes.Reader {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "单位")
		var b bytes.Buffer
		if err := f.Write(&b, excelize.Options{Password: "secret"}); err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(b.Bytes())
	}
	merged := func() *bytes.Reader {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "单位")
		for i, r := range orgRows {
			f.SetSheetRow("单位", fmt.Sprintf("A%d", i+1), &r)
		}
		f.SetCellValue("单位", "F1", "备注")
		if err := f.MergeCell("单位", "F1", "G1"); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		f.WriteTo(&b)
		return bytes.NewReader(b.Bytes())
	}
	for _, c := range []struct {
		name string
		file *bytes.Reader
		want string
	}{
		{"not an xlsx", bytes.NewReader([]byte("名称,代码\n甲,乙\n")), "不是 .xlsx"},
		{"password protected", enc(), "密码"},
		{"missing sheet", book(t, "Sheet", orgRows...), "缺少工作表“单位”"},
		{"missing header", book(t, "单位", []any{"单位名称", "所属区划"}, []any{"甲", "临河区"}), "缺少列 “单位类型”"},
		{"merged header cells", merged(), "合并单元格"},
		{"empty sheet", book(t, "单位"), "空的"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.importFile(importer.Organizations, c.file)
			var fe *importer.FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, c.want) {
				t.Fatalf("err = %v, want a file error with %q", err, c.want)
			}
			if n := h.count("SELECT COUNT(*) FROM organizations WHERE import_id IS NOT NULL") + h.count("SELECT COUNT(*) FROM imports"); n != 0 {
				t.Fatalf("rows written: %d", n)
			}
		})
	}
}

func TestImportedConclusionNumbersAreSkipped(t *testing.T) {
	h := newHarness(t)
	h.importAll() // 临财评〔2021〕1号 and 2号
	j, err := h.s.JurisdictionByName(h.ctx, "临河区")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	err = h.s.InTx(h.ctx, func(q *store.Queries) error {
		for i := 0; i < 2; i++ {
			n, err := q.NextPaperNumber(h.ctx, j.ID, "conclusion", 2021)
			if err != nil {
				return err
			}
			got = append(got, n)
		}
		return nil
	})
	if err != nil || len(got) != 2 || got[0] != 3 || got[1] != 4 {
		t.Fatalf("next numbers = %v (%v), want [3 4]", got, err)
	}
}

func TestCheckWritesNothing(t *testing.T) {
	h := newHarness(t)
	f := book(t, "单位", orgRows...)
	rep, err := h.svc.Check(h.ctx, importer.Actor{Name: "测试"}, importer.Organizations, f, f.Size(), nil)
	if err != nil || !rep.OK() || rep.New != 2 || rep.Existing != 1 || rep.Rows != 3 {
		t.Fatalf("check = %+v, %v", rep, err)
	}
	if n := h.count("SELECT COUNT(*) FROM organizations WHERE name = '临河区教育局'") + h.count("SELECT COUNT(*) FROM imports"); n != 0 {
		t.Fatalf("check wrote %d rows", n)
	}
}

func TestUndoImport(t *testing.T) {
	h := newHarness(t)
	reps := h.importAll()
	orgs, projects, reviews := reps[0].ImportID, reps[2].ImportID, reps[3].ImportID
	var inUse *importer.InUseError
	if err := h.svc.Undo(h.ctx, importer.Actor{Name: "测试"}, orgs); !errors.As(err, &inUse) {
		t.Fatalf("undo of organizations the projects use: %v, want InUseError", err)
	}
	if err := h.svc.Undo(h.ctx, importer.Actor{Name: "测试"}, projects); !errors.As(err, &inUse) {
		t.Fatalf("undo of projects the reviews use: %v, want InUseError", err)
	}
	for _, id := range []int64{reviews, projects, orgs} {
		if err := h.svc.Undo(h.ctx, importer.Actor{Name: "测试"}, id); err != nil {
			t.Fatalf("undo %d: %v", id, err)
		}
	}
	if n := h.count("SELECT COUNT(*) FROM reviews WHERE import_id IS NOT NULL") + h.count("SELECT COUNT(*) FROM projects WHERE import_id IS NOT NULL") +
		h.count("SELECT COUNT(*) FROM papers WHERE imported") + h.count("SELECT COUNT(*) FROM organizations WHERE import_id = ?", orgs) +
		h.count("SELECT COUNT(*) FROM delegations WHERE reason LIKE '上线前导入%'"); n != 0 {
		t.Fatalf("%d imported rows left after undo", n)
	}
	if n := h.count("SELECT COUNT(*) FROM audit_events WHERE action = 'import_undo'"); n != 3 {
		t.Fatalf("undo audit events = %d", n)
	}
	if err := h.svc.Undo(h.ctx, importer.Actor{Name: "测试"}, reviews); !errors.As(err, &inUse) {
		t.Fatalf("second undo: %v", err)
	}
}

func TestImportedReviewsAreReadOnlyAndCounted(t *testing.T) {
	h := newHarness(t)
	h.importAll()
	log := slog.New(slog.DiscardHandler)
	firms := firm.NewService(h.s, time.Now)
	reviews := review.NewService(review.Options{Store: h.s, Firms: firms, Billing: billing.NewService(h.s, time.Now),
		Docs: docs.NewService(h.s, testenv.Objects(t), time.Now, log), Now: time.Now, Log: log, ReportWorkdays: 20, IntakeWorkdays: 5})
	u, err := h.s.UserByUsername(h.ctx, "pingshen")
	if err != nil {
		t.Fatal(err)
	}
	p := auth.FromUser(u)
	var id, firmID int64
	if err := h.s.DB.QueryRowContext(h.ctx, "SELECT id, firm_id FROM reviews WHERE import_ref = '临财评〔2021〕1号'").Scan(&id, &firmID); err != nil {
		t.Fatal(err)
	}
	v, err := reviews.Get(h.ctx, p, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Review.ImportID == 0 || len(v.Permitted) != 0 {
		t.Fatalf("imported review: import %d, permitted %v; want marked and no triggers", v.Review.ImportID, v.Permitted)
	}
	_, err = reviews.Fire(h.ctx, p, id, review.FireInput{Trigger: workflow.SampleRecheck, Params: map[string]string{"rechecked_amount": "6123456.78"}})
	var te *workflow.TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("fire on an imported review: %v, want a refusal", err)
	}
	st, err := firms.Stats(h.ctx, p.Scope(), firmID)
	if err != nil {
		t.Fatal(err)
	}
	if st.ReviewsDone != 1 || st.ImportedDone != 1 || !st.Audited.Equal(decimal.RequireFromString("6123456.78")) {
		t.Fatalf("firm statistics = %+v, want the imported review counted and marked", st)
	}
	from := time.Date(2021, 1, 1, 0, 0, 0, 0, time.Local)
	rows, err := h.s.ConcludedTotals(h.ctx, store.Scope{All: true}, from, from.AddDate(1, 0, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		n += r.Count
	}
	if n != 2 {
		t.Fatalf("concluded in 2021 = %d, want the 2 imported reviews", n)
	}
	metrics, err := h.s.PeriodMetrics(h.ctx, from, from.AddDate(1, 0, 0), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if metrics[firmID].Delegations != 1 {
		t.Fatalf("assessment delegations of the firm in 2021 = %d, want the imported one", metrics[firmID].Delegations)
	}
	d, err := report.LoadDashboard(h.ctx, &h.s.Queries, p.Scope(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if d.Imported != 2 {
		t.Fatalf("dashboard imported = %d, want 2", d.Imported)
	}
	js, err := h.s.Jurisdictions(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := report.Load(h.ctx, &h.s.Queries, p.Scope(), js, time.Date(2021, 7, 1, 0, 0, 0, 0, time.Local), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// July 2021: 1号 concluded in the month, both in the year to date.
	if b.Imported != [3]int{1, 2, 0} || b.Total.Figures[1].Count != 2 {
		t.Fatalf("bulletin imported = %v, year-to-date count %d", b.Imported, b.Total.Figures[1].Count)
	}
}
