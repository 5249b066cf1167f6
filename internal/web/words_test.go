package web_test

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// contractorFigures reads name → share from a page's marked cells.
func contractorFigures(t *testing.T, body []byte, row, name, share string) map[string]string {
	t.Helper()
	re := regexp.MustCompile(row + name + share)
	out := map[string]string{}
	for _, m := range re.FindAllSubmatch(body, -1) {
		out[strings.TrimSpace(string(m[1]))] = string(m[2])
	}
	return out
}

// TestContractorShareIsOneFigure: what each contractor bears is the same on
// the dashboard, on the deduction list it links to and in that list's
// Excel file — one computation, so a contractor the dashboard shows as
// owing is never missing from the list.
func TestContractorShareIsOneFigure(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := t.Context()
	// A statement whose review has not concluded is not yet a deduction;
	// once the review concludes it is. Check both.
	var id int64
	if err := e.s.DB.QueryRowContext(ctx, `SELECT review_id FROM fee_statements WHERE contractor_share > 0
		ORDER BY review_id LIMIT 1`).Scan(&id); err != nil {
		t.Fatalf("the demo has no contractor share: %v", err)
	}
	s := e.as("pingshen")
	for _, state := range []string{"opinion_sent", "concluded"} {
		if _, err := e.s.DB.ExecContext(ctx, "UPDATE reviews SET state = ? WHERE id = ?", state, id); err != nil {
			t.Fatal(err)
		}
		e.figuresLater() // the dashboard's figures are shared for a while
		_, dash := e.get(s, "/dashboard")
		onDashboard := contractorFigures(t, dash, `<tr data-testid="contractor-fee"><td>\d+</td>`, `<td>([^<]+)</td><td class="num">\d+</td>`,
			`<td class="num" data-testid="contractor-share">([0-9,.]+)</td>`)
		_, list := e.get(s, "/fees/deductions")
		names := regexp.MustCompile(`<h2 data-testid="deductions-contractor">([^<]+?)(?: <small|</h2>)`).FindAllSubmatch(list, -1)
		subtotals := regexp.MustCompile(`data-testid="deductions-subtotal">([0-9,.]+)<`).FindAllSubmatch(list, -1)
		if len(names) != len(subtotals) {
			t.Fatalf("deduction list: %d contractors, %d subtotals", len(names), len(subtotals))
		}
		onList := map[string]string{}
		for i := range names {
			onList[strings.TrimSpace(string(names[i][1]))] = string(subtotals[i][1])
		}
		if fmt.Sprint(onDashboard) != fmt.Sprint(onList) {
			t.Fatalf("%s: dashboard shows %v, deduction list %v", state, onDashboard, onList)
		}
		if state == "concluded" && len(onList) == 0 {
			t.Fatal("a concluded review's contractor share is on neither page")
		}
		resp, file := e.get(s, "/fees/deductions.xlsx")
		if resp.StatusCode != 200 {
			t.Fatalf("deductions.xlsx: %d", resp.StatusCode)
		}
		x, err := excelize.OpenReader(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		sheet, err := x.GetRows("施工单位扣减清单")
		if err != nil {
			t.Fatal(err)
		}
		inExcel := map[string]string{}
		for _, r := range sheet {
			if len(r) >= 10 && strings.HasSuffix(r[1], " 小计") {
				inExcel[strings.TrimSuffix(r[1], " 小计")] = r[9]
			}
		}
		if fmt.Sprint(inExcel) != fmt.Sprint(onList) {
			t.Fatalf("%s: Excel shows %v, deduction list %v", state, inExcel, onList)
		}
	}
}

// TestExportsFreezeTheHeader: every Excel export keeps its header row in
// view, writes amounts as numbers and the 审减率 as a percentage number.
func TestExportsFreezeTheHeader(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := t.Context()
	var reviewID int64
	if err := e.s.DB.QueryRowContext(ctx, "SELECT review_id FROM fee_statements ORDER BY review_id LIMIT 1").Scan(&reviewID); err != nil {
		t.Fatal(err)
	}
	exports := map[string]string{
		"pingshen": "/reviews.xlsx /fees/deductions.xlsx /bulletin.xlsx /overdue.xlsx /firms/export.xlsx " +
			fmt.Sprintf("/reviews/%d/fee-statement.xlsx", reviewID),
	}
	var period int64
	if err := e.s.DB.QueryRowContext(ctx, "SELECT id FROM assessment_periods ORDER BY id LIMIT 1").Scan(&period); err == nil {
		exports["pingshen"] += fmt.Sprintf(" /firms/assessment/%d/export.xlsx", period)
	}
	for user, paths := range exports {
		s := e.as(user)
		for _, path := range strings.Fields(paths) {
			t.Run(path, func(t *testing.T) {
				resp, body := e.get(s, path)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d %.300s", path, resp.StatusCode, body)
				}
				// Saved under its Chinese name, written in RFC 5987's characters.
				if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); !strings.HasPrefix(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") ||
					!workbookDisposition.MatchString(cd) {
					t.Fatalf("%s: Content-Type %q, Content-Disposition %q", path, ct, cd)
				}
				x, err := excelize.OpenReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				sheet := x.GetSheetName(0)
				panes, err := x.GetPanes(sheet)
				if err != nil || !panes.Freeze || panes.YSplit < 1 {
					t.Fatalf("%s: header not frozen (%+v, %v)", path, panes, err)
				}
			})
		}
	}
	t.Run("review list amounts and rates are numbers", func(t *testing.T) {
		_, body := e.get(e.as("pingshen"), "/reviews.xlsx")
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows("评审任务", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		rates := 0
		for _, r := range rows[1:] {
			if len(r) < 13 || r[12] == "—" || r[12] == "" {
				continue
			}
			rate, err := decimal.NewFromString(r[12])
			if err != nil || rate.Abs().GreaterThan(decimal.NewFromInt(1)) {
				t.Fatalf("审减率 cell %q is not a fraction", r[12])
			}
			if _, err := decimal.NewFromString(r[9]); err != nil {
				t.Fatalf("送审金额 cell %q is not a number", r[9])
			}
			rates++
		}
		if rates == 0 {
			t.Fatal("no review with a rate in the export")
		}
	})
}

// TestAuditLogSpeaksChinese: the audit log names people with their role,
// objects and details in Chinese; no sign-in name as an object, no JSON,
// no chain codes.
func TestAuditLogSpeaksChinese(t *testing.T) {
	e := newPagesEnv(t, true)
	e.as("pingshen")
	if _, ok := e.login("pingshen", "wrong-password"); ok {
		t.Fatal("a wrong password signed in")
	}
	s := e.as("shenji")
	resp, body := e.get(s, "/audit?size=100")
	if resp.StatusCode != 200 {
		t.Fatalf("/audit: %d", resp.StatusCode)
	}
	page := string(body)
	table := page[strings.Index(page, `<table class="list audit">`):]
	for _, bad := range []string{"user pingshen", "{&#34;", `{"`, "review:", "day:", "&#34;ip&#34;"} {
		if strings.Contains(table, bad) {
			t.Errorf("the audit log shows %q", bad)
		}
	}
	if !regexp.MustCompile(`data-testid="audit-actor">[^<(]+\(评审中心\)<`).MatchString(table) {
		t.Error("the audit log does not name the review center's person with the role")
	}
	if !regexp.MustCompile(`data-testid="audit-object">用户 [^<(]+\(评审中心\)<`).MatchString(table) {
		t.Error("a failed sign-in does not name the user it concerns")
	}
	if !strings.Contains(table, "<span>地址:") {
		t.Error("details are not labelled in Chinese")
	}
}

// TestTimelineNamesExperts: a transition that recorded experts by id shows
// their names on the review page, never "专家:1,4".
func TestTimelineNamesExperts(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := t.Context()
	var reviewID, eventID int64
	if err := e.s.DB.QueryRowContext(ctx, "SELECT review_id, id FROM review_events ORDER BY id DESC LIMIT 1").Scan(&reviewID, &eventID); err != nil {
		t.Fatal(err)
	}
	var a, b int64
	var nameA, nameB string
	if err := e.s.DB.QueryRowContext(ctx, "SELECT e1.id, e1.name, e2.id, e2.name FROM experts e1 JOIN experts e2 ON e2.id > e1.id ORDER BY e1.id, e2.id LIMIT 1").
		Scan(&a, &nameA, &b, &nameB); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.DB.ExecContext(ctx, "UPDATE review_events SET params = ? WHERE id = ?", fmt.Sprintf(`{"experts":"%d,%d"}`, a, b), eventID); err != nil {
		t.Fatal(err)
	}
	_, body := e.get(e.as("pingshen"), fmt.Sprintf("/reviews/%d", reviewID))
	page := string(body)
	if strings.Contains(page, fmt.Sprintf("专家:%d,%d", a, b)) {
		t.Fatal("the timeline shows experts by database id")
	}
	if !strings.Contains(page, "专家:"+nameA+"、"+nameB) {
		t.Fatalf("the timeline does not name the experts %s and %s", nameA, nameB)
	}
}

// TestFormsFlagEveryField: an empty project form flags every empty field at
// once, and a submitted amount of 0 is refused with the field named.
func TestFormsFlagEveryField(t *testing.T) {
	e := newPagesEnv(t, false)
	s := e.as("jianshe")
	resp, body := e.post(s, "/projects", url.Values{"code": {""}, "name": {""}, "approved_estimate": {""}})
	if resp.StatusCode != 422 {
		t.Fatalf("empty project form: %d", resp.StatusCode)
	}
	invalid := regexp.MustCompile(`name="(\w+)"[^>]*aria-invalid="true"`).FindAllSubmatch(body, -1)
	flagged := map[string]bool{}
	for _, m := range invalid {
		flagged[string(m[1])] = true
	}
	for _, field := range []string{"code", "name", "approved_estimate"} {
		if !flagged[field] {
			t.Errorf("field %s is not flagged (flagged: %v)", field, flagged)
		}
	}
	for _, msg := range []string{"请填写项目编号", "请填写项目名称", "批复概算金额格式不正确"} {
		if !strings.Contains(string(body), msg) {
			t.Errorf("the form does not say %q", msg)
		}
	}

	var projectID int64
	if err := e.s.DB.QueryRowContext(t.Context(), `SELECT p.id FROM projects p JOIN users u ON u.org_id = p.unit_org_id
		WHERE u.username = 'jianshe' ORDER BY p.id LIMIT 1`).Scan(&projectID); err != nil {
		t.Fatal(err)
	}
	resp, body = e.post(s, fmt.Sprintf("/projects/%d/reviews", projectID), url.Values{"kind": {"settlement"}, "submitted_amount": {"0"}})
	if resp.StatusCode != 422 || !strings.Contains(string(body), "送审金额须大于 0 元") {
		t.Fatalf("amount 0: %d, want 422 naming 送审金额 (%.300s)", resp.StatusCode, body)
	}
	resp, body = e.post(s, fmt.Sprintf("/projects/%d/reviews", projectID), url.Values{"kind": {""}, "submitted_amount": {""}})
	if resp.StatusCode != 422 || !strings.Contains(string(body), "送审金额格式不正确") || !regexp.MustCompile(`name="kind"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="kind"`).Match(body) {
		t.Fatalf("empty review form: %d, want both fields flagged", resp.StatusCode)
	}
}

// TestFeeScheduleForm: the schedule is edited as a form of figures and
// bands with Chinese labels, never as JSON; the preview computes a sample
// amount's fee; every empty figure is flagged at once; a valid form saves.
func TestFeeScheduleForm(t *testing.T) {
	e := newPagesEnv(t, false)
	s := e.as("admin")
	_, body := e.get(s, "/fees/schedules?show=1")
	page := string(body)
	// Keys may appear as input names, never as text people read.
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " ")
	for _, bad := range []string{"JSON", "effective_from", "reduction_rate", "up_to", "bands", "discount"} {
		if strings.Contains(text, bad) {
			t.Errorf("the schedules page shows %q", bad)
		}
	}
	if strings.Contains(page, "<textarea") {
		t.Error("the schedule is edited in a textarea")
	}
	if strings.Contains(page, "<pre") || !strings.Contains(page, "核减追加付费率") || !strings.Contains(page, "第 1 段") {
		t.Fatal("the schedules page is not a form of labelled figures and bands")
	}
	valid := url.Values{"name": {"2027 年费率表"}, "effective_from": {"2027-01-01"}, "discount": {"0.8"}, "reduction_rate": {"0.05"},
		"penalty_threshold": {"0.05"}, "unilateral_first_ratio": {"0.5"}, "band_up_to_0": {"1000000"}, "band_rate_0": {"0.005"},
		"band_rate_1": {"0.004"}, "sample": {"2000000"}, "sample_audited": {"1800000"}}
	preview := url.Values{"preview": {"1"}}
	for k, v := range valid {
		preview[k] = v
	}
	resp, body := e.post(s, "/fees/schedules", preview)
	// 1,000,000 × 0.005 + 1,000,000 × 0.004 = 9,000; × 0.8 = 7,200 基本付费额.
	if resp.StatusCode != 200 || !strings.Contains(string(body), `data-testid="schedule-preview-result"`) || !strings.Contains(string(body), "基本付费额 7,200.00 元") {
		t.Fatalf("preview: %d %s", resp.StatusCode, regexp.MustCompile(`(?s)schedule-preview-result.{0,300}`).Find(body))
	}
	resp, body = e.post(s, "/fees/schedules", url.Values{"name": {""}, "discount": {""}, "reduction_rate": {""}})
	flagged := regexp.MustCompile(`name="(\w+)" value="[^"]*" size="\d+"[^>]*aria-invalid="true"`).FindAllSubmatch(body, -1)
	if resp.StatusCode != 422 || len(flagged) < 3 || !strings.Contains(string(body), "请填写折扣") || !strings.Contains(string(body), "请填写名称") {
		t.Fatalf("empty form: %d, %d fields flagged", resp.StatusCode, len(flagged))
	}
	resp, _ = e.post(s, "/fees/schedules", valid)
	if resp.StatusCode != 303 {
		t.Fatalf("valid schedule: %d", resp.StatusCode)
	}
}

// workbookDisposition is an export's Content-Disposition: an ASCII name,
// then the UTF-8 name as RFC 5987 attr-chars and %XX, with a Chinese
// character at least.
var workbookDisposition = regexp.MustCompile("^attachment; filename=\"[ -!#-~]+\\.xlsx\"; filename\\*=UTF-8''[A-Za-z0-9!#$&+.^_`|~-]*(%E[4-9A-F]%[89AB][0-9A-F]%[89AB][0-9A-F])[A-Za-z0-9!#$&+.^_`|~%-]*\\.xlsx$")
