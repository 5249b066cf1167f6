package web_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"finreview/internal/auth"
	"finreview/internal/demo"
	"finreview/internal/review/importer"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

func newImportEnv(t *testing.T) *pagesEnv {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	app := testApp(t, s, web.Services{Imports: importer.New(importer.Options{Store: s, Objects: testenv.Objects(t), Log: slog.New(slog.DiscardHandler)})})
	ctx := context.Background()
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	wuyuan, err := s.JurisdictionByName(ctx, "五原县")
	if err != nil {
		t.Fatal(err)
	}
	// A review center user of 五原县 without the city grant.
	if _, err := s.InsertUser(ctx, store.User{Username: "pingshen_wuyuan", DisplayName: "五原评审", PasswordHash: hash,
		Role: string(auth.ReviewCenter), JurisdictionID: wuyuan.ID, Active: true, Demo: true}); err != nil {
		t.Fatal(err)
	}
	return &pagesEnv{t: t, app: app, s: s}
}

func xlsxBytes(t *testing.T, sheet string, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", sheet)
	for i, r := range rows {
		f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &r)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (e *pagesEnv) upload(s pagesSession, kind, action string, file []byte) (int, string) {
	e.t.Helper()
	return e.uploadWithProgress(s, kind, action, "", file)
}

func TestImportPage(t *testing.T) {
	e := newImportEnv(t)
	good := xlsxBytes(t, "单位",
		[]any{"所属区划", "单位名称", "单位类型"}, // any column order
		[]any{"临河区", "临河区教育局", "建设单位"},
		[]any{"临河区", "临河区城建集团", "施工单位"})
	bad := xlsxBytes(t, "单位",
		[]any{"单位名称", "单位类型", "所属区划", "统一社会信用代码"},
		[]any{"临河区教育局", "建设单位", "临河区", "91440300708461136X"},
		[]any{"临河区城建集团", "设计院", "月球区", ""})
	count := func(name string) int {
		var n int
		if err := e.s.DB.QueryRow("SELECT COUNT(*) FROM organizations WHERE name = ?", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("a construction unit may not import", func(t *testing.T) {
		s := e.as("jianshe")
		if resp, _ := e.get(s, "/imports"); resp.StatusCode != 403 {
			t.Fatalf("GET /imports as jianshe = %d, want 403", resp.StatusCode)
		}
		if code, _ := e.upload(s, "organizations", "import", good); code != 403 {
			t.Fatalf("upload as jianshe = %d, want 403", code)
		}
		if count("临河区教育局") != 0 {
			t.Fatal("rows written by a forbidden upload")
		}
	})

	t.Run("a user of another jurisdiction may not import its rows", func(t *testing.T) {
		s := e.as("pingshen_wuyuan")
		code, body := e.upload(s, "organizations", "import", good)
		if code != 422 || !strings.Contains(body, "只能导入本区划的数据") {
			t.Fatalf("upload of 临河区 rows by 五原县 = %d", code)
		}
		if count("临河区教育局") != 0 {
			t.Fatal("rows of another jurisdiction written")
		}
		experts := xlsxBytes(t, "专家", []any{"姓名", "专业"}, []any{"李华", "土建"})
		if code, _ := e.upload(s, "experts", "import", experts); code != 403 {
			t.Fatalf("expert import by a county user = %d, want 403", code)
		}
	})

	t.Run("the review center checks, fixes and imports", func(t *testing.T) {
		s := e.as("pingshen")
		resp, body := e.get(s, "/imports")
		if resp.StatusCode != 200 || !strings.Contains(string(body), "/imports/template/reviews") {
			t.Fatalf("GET /imports = %d", resp.StatusCode)
		}
		resp, body = e.get(s, "/imports/template/firms")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("template = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("template: %v", err)
		}
		if i, err := f.GetSheetIndex("中介机构"); err != nil || i < 0 {
			t.Fatalf("template is not the firm workbook: %v", err)
		}
		code, page := e.upload(s, "organizations", "import", bad)
		if code != 422 {
			t.Fatalf("bad file = %d, want 422", code)
		}
		for _, want := range []string{"<td>2</td><td>统一社会信用代码</td>", "<td>3</td><td>单位类型</td>", "<td>3</td><td>所属区划</td>", "未写入任何数据"} {
			if !strings.Contains(page, want) {
				t.Errorf("problem page lacks %q", want)
			}
		}
		if count("临河区教育局") != 0 {
			t.Fatal("rows of a bad file written")
		}
		if code, page := e.upload(s, "organizations", "check", good); code != 200 || !strings.Contains(page, "检查通过") || count("临河区教育局") != 0 {
			t.Fatalf("check = %d, rows %d", code, count("临河区教育局"))
		}
		if code, page := e.upload(s, "organizations", "import", good); code != 200 || !strings.Contains(page, "导入完成") || count("临河区教育局") != 1 {
			t.Fatalf("import = %d, rows %d", code, count("临河区教育局"))
		}
		if code, page := e.upload(s, "organizations", "import", good); code != 200 || !strings.Contains(page, "均已存在") || count("临河区教育局") != 1 {
			t.Fatalf("second import = %d, rows %d", code, count("临河区教育局"))
		}
		var id int64
		if err := e.s.DB.QueryRow("SELECT id FROM imports").Scan(&id); err != nil {
			t.Fatal(err)
		}
		resp, _ = e.post(s, fmt.Sprintf("/imports/%d/undo", id), map[string][]string{})
		if resp.StatusCode != 303 || count("临河区教育局") != 0 {
			t.Fatalf("undo = %d, rows %d", resp.StatusCode, count("临河区教育局"))
		}
	})
}

func (e *pagesEnv) uploadWithProgress(s pagesSession, kind, action, token string, file []byte) (int, string) {
	e.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("_csrf", s.csrf)
	w.WriteField("kind", kind)
	w.WriteField("action", action)
	w.WriteField("progress", token)
	fw, _ := w.CreateFormFile("file", "台账.xlsx")
	fw.Write(file)
	w.Close()
	req := httptest.NewRequest("POST", "/imports/upload", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if s.cookie != nil {
		req.AddCookie(s.cookie)
	}
	resp, body := e.send(req)
	return resp.StatusCode, string(body)
}

var regexpCommitChecked = regexp.MustCompile(`action="/imports/checked/(\d+)/commit"`)

// TestImportProgressAndCommitOfTheCheckedFile: a check and a commit report
// their rows under the page's token (to that person only); after a check
// the person commits the file already uploaded without choosing it again,
// once; a file with problems offers no commit.
func TestImportProgressAndCommitOfTheCheckedFile(t *testing.T) {
	e := newImportEnv(t)
	const n = 1200 // more than one batch
	rows := [][]any{{"所属区划", "单位名称", "单位类型"}}
	for i := range n {
		rows = append(rows, []any{"临河区", fmt.Sprintf("测试单位%04d", i), "建设单位"})
	}
	file := xlsxBytes(t, "单位", rows...)
	count := func() int {
		var c int
		if err := e.s.DB.QueryRow("SELECT COUNT(*) FROM organizations WHERE name LIKE '测试单位%'").Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	progress := func(s pagesSession, token string) (int, string) {
		resp, body := e.get(s, "/imports/progress/"+token)
		return resp.StatusCode, string(body)
	}
	s, other := e.as("pingshen"), e.as("caizheng")

	bad := xlsxBytes(t, "单位", []any{"所属区划", "单位名称", "单位类型"}, []any{"月球区", "某单位", "建设单位"})
	if code, page := e.upload(s, "organizations", "check", bad); code != 422 || regexpCommitChecked.MatchString(page) {
		t.Fatalf("a file with problems: %d, commit offered %v", code, regexpCommitChecked.MatchString(page))
	}

	const checkToken = "00112233445566778899aabbccddeeff"
	code, page := e.uploadWithProgress(s, "organizations", "check", checkToken, file)
	m := regexpCommitChecked.FindStringSubmatch(page)
	if code != 200 || m == nil || count() != 0 {
		t.Fatalf("check: %d, commit form %v, rows written %d", code, m != nil, count())
	}
	if st, body := progress(s, checkToken); st != 200 || !strings.Contains(body, `"phase":"done"`) || !strings.Contains(body, fmt.Sprintf(`"rows":%d`, n)) {
		t.Fatalf("progress of the check: %d %s", st, body)
	}
	if st, _ := progress(other, checkToken); st != 404 {
		t.Fatalf("another person's progress: %d, want 404", st)
	}
	if st, _ := progress(s, "not-a-token"); st != 404 {
		t.Fatalf("a malformed token: %d, want 404", st)
	}

	commit := "/imports/checked/" + m[1] + "/commit"
	if resp, _ := e.post(other, commit, url.Values{}); resp.StatusCode != 404 || count() != 0 {
		t.Fatalf("another person commits the file: %d, rows %d", resp.StatusCode, count())
	}
	const commitToken = "ffeeddccbbaa99887766554433221100"
	resp, body := e.post(s, commit, url.Values{"progress": {commitToken}})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "导入完成") || count() != n {
		t.Fatalf("commit of the checked file: %d, rows %d", resp.StatusCode, count())
	}
	if st, body := progress(s, commitToken); st != 200 || !strings.Contains(body, `"phase":"done"`) || !strings.Contains(body, fmt.Sprintf(`"rows":%d`, n)) {
		t.Fatalf("progress of the commit: %d %s", st, body)
	}
	if resp, _ := e.post(s, commit, url.Values{}); resp.StatusCode != 409 || count() != n {
		t.Fatalf("a second commit: %d, rows %d", resp.StatusCode, count())
	}
}
