package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/deadline"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
	"finreview/workflow"
)

// calendarApp is the web app over a fresh demo database at a fixed clock.
func calendarApp(t *testing.T, now time.Time) (*web.App, *store.Store) {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	app, err := web.New(web.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: auth.NewService(s, time.Now), Now: func() time.Time { return now }, Services: web.FillServices(s, func() time.Time { return now }, web.Services{})})
	if err != nil {
		t.Fatal(err)
	}
	return app, s
}

// deadlineReview inserts a review of a demo project in state st with a
// deadline of kind k received at from.
func deadlineReview(t *testing.T, s *store.Store, st workflow.State, k deadline.Kind, from time.Time, n int) int64 {
	t.Helper()
	res, err := s.DB.Exec(`INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id, submitted_amount, firm_id, created_at, updated_at)
		SELECT p.id, 'settlement', ?, p.jurisdiction_id, p.unit_org_id, 1000000.00,
		  (SELECT org_id FROM firms ORDER BY org_id LIMIT 1), NOW(6), NOW(6) FROM projects p ORDER BY p.id LIMIT 1`, string(st))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	if err := s.InTx(context.Background(), func(q *store.Queries) error {
		_, err := deadline.Schedule(context.Background(), q, calendar.Default(), id, k, from, n)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func sessionGet(t *testing.T, app *web.App, cookie *http.Cookie, path string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(cookie)
	return do(t, app, req)
}

func TestCalendarPageImportPreviewAndConfirm(t *testing.T) {
	now := time.Date(2026, time.December, 30, 15, 0, 0, 0, calendar.Location())
	app, s := calendarApp(t, now)
	rid := deadlineReview(t, s, workflow.OpinionSent, deadline.KindOpinion, time.Date(2026, time.December, 30, 9, 0, 0, 0, calendar.Location()), 3)
	admin, _ := login(t, app, "admin", "Demo@2026")
	if admin == nil {
		t.Fatal("admin cannot sign in")
	}

	resp, body := sessionGet(t, app, admin, "/admin/calendar?year=2027")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /admin/calendar = %d: %s", resp.StatusCode, body)
	}
	for _, want := range []string{"2027", "无数据", `data-testid="year-overview"`, "国庆节"} {
		if want == "国庆节" {
			_, body = sessionGet(t, app, admin, "/admin/calendar?year=2025")
		}
		if !strings.Contains(body, want) {
			t.Errorf("calendar page lacks %q", want)
		}
	}
	csrf := csrfField.FindStringSubmatch(body)[1]

	// Upload: the preview lists the changed day and the moved deadline, writes nothing.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", csrf)
	fw, _ := mw.CreateFormFile("file", "2027.csv")
	_, _ = fw.Write([]byte("# 2027\ndate,kind,name\n2027-01-01,holiday,元旦\n"))
	mw.Close()
	req := httptest.NewRequest("POST", "/admin/calendar/import/preview", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(admin)
	resp, body = do(t, app, req)
	if resp.StatusCode != 200 {
		t.Fatalf("preview = %d: %s", resp.StatusCode, body)
	}
	for _, want := range []string{`data-testid="import-preview"`, "2027-01-01", "放假(元旦)", `data-testid="moved-deadlines"`,
		"2027-01-04", "2027-01-05", "/reviews/" + strconv.FormatInt(rid, 10), "2027 年数据已补录"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	var n int
	_ = s.DB.QueryRow("SELECT COUNT(*) FROM calendar_days").Scan(&n)
	if n != 0 {
		t.Fatalf("the preview stored %d rows", n)
	}

	// An invalid file is refused with its lines named.
	buf.Reset()
	mw = multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", csrf)
	fw, _ = mw.CreateFormFile("file", "bad.csv")
	_, _ = fw.Write([]byte("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-08,workday,x\n"))
	mw.Close()
	req = httptest.NewRequest("POST", "/admin/calendar/import/preview", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(admin)
	resp, body = do(t, app, req)
	if resp.StatusCode != 422 || !strings.Contains(body, "第 3 行") {
		t.Errorf("invalid file: %d, body names line 3: %v", resp.StatusCode, strings.Contains(body, "第 3 行"))
	}

	// Confirm: stored, deadline moved, audited.
	form := url.Values{"_csrf": {csrf}, "csv": {"date,kind,name\n2027-01-01,holiday,元旦\n"}, "file_name": {"2027.csv"}}
	req = httptest.NewRequest("POST", "/admin/calendar/import", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(admin)
	resp, body = do(t, app, req)
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "year=2027") {
		t.Fatalf("confirm = %d %s: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if msg := loc.Query().Get("msg"); !strings.Contains(msg, "1 个未到期期限已重新计算") || !strings.Contains(msg, "2027-01-05") {
		t.Errorf("flash = %q", msg)
	}
	d, err := deadline.Current(context.Background(), &s.Queries, rid)
	if err != nil || d.DueAt.Format("2006-01-02") != "2027-01-05" || d.FlaggedYear.Valid {
		t.Errorf("deadline after import: %+v, %v", d, err)
	}
	_ = s.DB.QueryRow("SELECT COUNT(*) FROM audit_events WHERE action = 'calendar_import'").Scan(&n)
	if n != 1 {
		t.Errorf("%d calendar_import audit events", n)
	}

	// Single day: a make-up working day on a weekday is refused with the field named.
	form = url.Values{"_csrf": {csrf}, "date": {"2027-01-06"}, "kind": {"workday"}, "name": {"x"}}
	req = httptest.NewRequest("POST", "/admin/calendar/days", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(admin)
	resp, body = do(t, app, req)
	if resp.StatusCode != 422 || !strings.Contains(body, "调休上班只能用于周末") || !strings.Contains(body, `value="2027-01-06"`) {
		t.Errorf("bad single day: %d", resp.StatusCode)
	}
	// Remove the imported day: the deadline goes back.
	form = url.Values{"_csrf": {csrf}, "date": {"2027-01-01"}}
	req = httptest.NewRequest("POST", "/admin/calendar/days/delete", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(admin)
	if resp, _ = do(t, app, req); resp.StatusCode != 303 {
		t.Fatalf("delete day = %d", resp.StatusCode)
	}
	if d, _ := deadline.Current(context.Background(), &s.Queries, rid); d.DueAt.Format("2006-01-02") != "2027-01-04" || d.FlaggedYear.Int64 != 2027 {
		t.Errorf("after deleting the day: due %s flagged %v", d.DueAt.Format("2006-01-02"), d.FlaggedYear)
	}

	// Only administrators.
	center, _ := login(t, app, "pingshen", "Demo@2026")
	if resp, _ := sessionGet(t, app, center, "/admin/calendar"); resp.StatusCode != 403 {
		t.Errorf("review center on /admin/calendar = %d, want 403", resp.StatusCode)
	}
}

func TestOverduePageAndExport(t *testing.T) {
	now := time.Date(2025, time.October, 13, 10, 0, 0, 0, calendar.Location())
	app, s := calendarApp(t, now)
	late := deadlineReview(t, s, workflow.InReview, deadline.KindReport, time.Date(2025, time.September, 1, 10, 0, 0, 0, calendar.Location()), 10)
	deadlineReview(t, s, workflow.OpinionSent, deadline.KindOpinion, time.Date(2025, time.September, 30, 10, 0, 0, 0, calendar.Location()), 5)

	center, _ := login(t, app, "pingshen", "Demo@2026")
	resp, body := sessionGet(t, app, center, "/overdue")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /overdue = %d", resp.StatusCode)
	}
	if !strings.Contains(body, "逾期16个工作日") || !strings.Contains(body, "/reviews/"+strconv.FormatInt(late, 10)) || strings.Count(body, "<td><a href=\"/reviews/") != 1 {
		t.Errorf("overdue list does not show exactly the late report: %s", body)
	}
	if _, body := sessionGet(t, app, center, "/overdue?kind=opinion"); !strings.Contains(body, "暂无逾期事项") {
		t.Error("filter by kind keeps the report row")
	}

	resp, body = sessionGet(t, app, center, "/overdue.xlsx")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("export = %d %s", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("逾期清单")
	if err != nil || len(rows) != 3 {
		t.Fatalf("sheet rows = %d, %v", len(rows), err)
	}
	var code string
	_ = s.DB.QueryRow("SELECT p.code FROM reviews r JOIN projects p ON p.id = r.project_id WHERE r.id = ?", late).Scan(&code)
	if rows[2][1] != code || rows[2][6] != "16" || rows[2][4] != "提交审核报告" {
		t.Errorf("export row = %q", rows[2])
	}

	unit, _ := login(t, app, "jianshe", "Demo@2026")
	if resp, _ := sessionGet(t, app, unit, "/overdue"); resp.StatusCode != 403 {
		t.Errorf("construction unit on /overdue = %d, want 403", resp.StatusCode)
	}
}
