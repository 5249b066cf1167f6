package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/billing"
	"finreview/internal/fee"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
	"finreview/workflow"
)

type feeFixture struct {
	t        *testing.T
	app      *web.App
	st       *store.Store
	svc      *billing.Service
	projects map[string]int64
}

func newFeeFixture(t *testing.T) *feeFixture {
	t.Helper()
	s := testenv.DB(t)
	seeded := testenv.Demo(t, s)
	now := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) }
	svc := billing.NewService(s, now)
	app, err := web.New(web.Deps{
		Log:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth: auth.NewService(s, time.Now), Now: now,
		Services: web.FillServices(s, now, web.Services{Billing: svc}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &feeFixture{t: t, app: app, st: s, svc: svc, projects: seeded.Projects}
}

func (f *feeFixture) send(req *http.Request) (*http.Response, string) {
	f.t.Helper()
	resp, b := sendTo(f.t, f.app, req)
	return resp, string(b)
}

func (f *feeFixture) token(username string) string {
	f.t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`{"username":"`+username+`","password":"Demo@2026"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, body := f.send(req)
	if resp.StatusCode != 201 {
		f.t.Fatalf("token for %s: %d %s", username, resp.StatusCode, body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		f.t.Fatal(err)
	}
	return out.Token
}

func (f *feeFixture) api(method, path, tok, body string) (int, map[string]any, string) {
	f.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, text := f.send(req)
	var out map[string]any
	_ = json.Unmarshal([]byte(text), &out)
	return resp.StatusCode, out, text
}

var feeCSRF = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// session signs in through the login form and returns the session cookie.
func (f *feeFixture) session(username string) *http.Cookie {
	f.t.Helper()
	resp, body := f.send(httptest.NewRequest("GET", "/login", nil))
	m := feeCSRF.FindStringSubmatch(body)
	if m == nil {
		f.t.Fatal("login page has no CSRF field")
	}
	form := url.Values{"username": {username}, "password": {"Demo@2026"}, "_csrf": {m[1]}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, _ = f.send(req)
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_session" && c.Value != "" {
			return c
		}
	}
	f.t.Fatalf("login %s failed: %d", username, resp.StatusCode)
	return nil
}

func (f *feeFixture) page(path string, cookie *http.Cookie) (*http.Response, string) {
	f.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(cookie)
	return f.send(req)
}

// concluded creates a concluded settlement review of a demo project with
// its fee statement.
func (f *feeFixture) concluded(code string) int64 {
	f.t.Helper()
	ctx := context.Background()
	p, err := f.st.Project(ctx, store.Scope{All: true}, f.projects[code])
	if err != nil {
		f.t.Fatal(err)
	}
	id, err := f.st.InsertReview(ctx, store.Review{ProjectID: p.ID, Kind: "settlement", JurisdictionID: p.JurisdictionID,
		UnitOrgID: p.UnitOrgID, SubmittedAmount: decimal.RequireFromString("12345678.90")})
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := f.st.Review(ctx, store.Scope{All: true}, id)
	if err != nil {
		f.t.Fatal(err)
	}
	c := r.Change()
	c.State = workflow.Concluded
	c.AuditedAmount = decimal.NewNullDecimal(decimal.RequireFromString("11000000.00"))
	c.DelegatedAt = sql.NullTime{Time: time.Date(2026, 1, 5, 9, 0, 0, 0, time.Local), Valid: true}
	if err := f.st.UpdateReview(ctx, id, r.Version, c, time.Now()); err != nil {
		f.t.Fatal(err)
	}
	r, _ = f.st.Review(ctx, store.Scope{All: true}, id)
	err = f.st.InTx(ctx, func(q *store.Queries) error {
		_, err := f.svc.Conclude(ctx, q, r, fee.Normal, time.Date(2026, 2, 10, 9, 0, 0, 0, time.Local))
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func TestAPIFeeCalculate(t *testing.T) {
	f := newFeeFixture(t)
	finance := f.token("caizheng")

	t.Run("worked example", func(t *testing.T) {
		code, out, body := f.api("POST", "/api/v1/fees/calculate", finance,
			`{"kind":"settlement","outcome":"normal","submitted":"12345678.90","audited":11000000}`)
		if code != 200 {
			t.Fatalf("status %d: %s", code, body)
		}
		want := map[string]string{"basic_fee": "17345.68", "reduction_fee": "33641.97", "total_fee": "50987.65",
			"contractor_share": "18209.87", "finance_share": "32777.78", "payable_now": "50987.65", "payable_later": "0.00"}
		for k, v := range want {
			if out[k] != v {
				t.Errorf("%s = %v, want %s", k, out[k], v)
			}
		}
		lines, _ := out["lines"].([]any)
		if len(lines) != 2 {
			t.Errorf("lines = %v, want 2 bands", out["lines"])
		}
		sc, _ := out["schedule"].(map[string]any)
		if sc["example"] != true || sc["version"] != float64(1) || sc["name"] == "" {
			t.Errorf("schedule = %v, want the example as version 1", sc)
		}
	})

	bad := []struct {
		name, body, field string
	}{
		{"negative submitted", `{"kind":"settlement","submitted":"-1","audited":"1"}`, "submitted"},
		{"three decimals", `{"kind":"settlement","submitted":"1","audited":"1.005"}`, "audited"},
		{"exponent number", `{"kind":"settlement","submitted":1e3,"audited":"1"}`, "submitted"},
		{"unknown kind", `{"kind":"villa","submitted":"1","audited":"1"}`, "kind"},
		{"unknown outcome", `{"kind":"budget","outcome":"maybe","submitted":"1","audited":"1"}`, "outcome"},
		{"missing audited", `{"kind":"budget","submitted":"1"}`, "audited"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			code, out, body := f.api("POST", "/api/v1/fees/calculate", finance, tc.body)
			if code != 422 || out["field"] != tc.field || out["error"] == "" || out["code"] == "" {
				t.Fatalf("status %d %s, want 422 naming %s", code, body, tc.field)
			}
		})
	}

	for _, who := range []string{"jianshe", "shigong", "zhongjie1"} {
		t.Run(who+" may not calculate", func(t *testing.T) {
			code, _, body := f.api("POST", "/api/v1/fees/calculate", f.token(who), `{"kind":"budget","submitted":"1","audited":"1"}`)
			if code != 403 {
				t.Fatalf("status %d %s, want 403", code, body)
			}
		})
	}
	t.Run("review center may calculate", func(t *testing.T) {
		code, _, body := f.api("POST", "/api/v1/fees/calculate", f.token("pingshen"), `{"kind":"budget","submitted":"1","audited":"1"}`)
		if code != 200 {
			t.Fatalf("status %d %s", code, body)
		}
	})
}

func TestAPIFeeSchedules(t *testing.T) {
	f := newFeeFixture(t)
	admin := f.token("admin")
	badBands := `{"name":"x","effective_from":"2026-01-01","discount":"0.5","reduction_rate":"0.05","penalty_threshold":"0.05",
		"unilateral_first_ratio":"0.8","bands":[{"up_to":"100","rate":"0.1"},{"up_to":"200","rate":"0.1"},{"up_to":"50","rate":"0.1"},{"up_to":null,"rate":"0.1"}]}`
	good := `{"name":"2026 年费率表","effective_from":"2026-01-01","discount":"0.5","reduction_rate":"0.05","penalty_threshold":"0.05",
		"unilateral_first_ratio":"0.8","bands":[{"up_to":"10000000","rate":"0.004"},{"up_to":null,"rate":"0.002"}]}`

	tests := []struct {
		name, who, body string
		status          int
		field           string
	}{
		{"bad band names the field", "admin", badBands, 422, "bands[2].up_to"},
		{"review center may not create", "pingshen", good, 403, ""},
		{"admin creates a version", "admin", good, 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := admin
			if tc.who != "admin" {
				tok = f.token(tc.who)
			}
			code, out, body := f.api("POST", "/api/v1/fee-schedules", tok, tc.body)
			if code != tc.status {
				t.Fatalf("status %d %s, want %d", code, body, tc.status)
			}
			if tc.field != "" && out["field"] != tc.field {
				t.Fatalf("field = %v, want %s", out["field"], tc.field)
			}
			if code == 201 && (out["version"] != float64(1) || out["example"] != false || out["used"] != false) {
				t.Fatalf("created = %s, want version 1 (nothing stored before), not example, unused", body)
			}
		})
	}
	t.Run("finance section lists the versions", func(t *testing.T) {
		code, out, body := f.api("GET", "/api/v1/fee-schedules", f.token("caizheng"), "")
		if code != 200 {
			t.Fatalf("status %d %s", code, body)
		}
		items, _ := out["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("items = %s, want the one created version", body)
		}
		item := items[0].(map[string]any)
		if _, ok := item["id"].(string); !ok {
			t.Fatalf("id = %#v, want a string", item["id"])
		}
	})
	t.Run("construction unit may not list", func(t *testing.T) {
		if code, _, _ := f.api("GET", "/api/v1/fee-schedules", f.token("jianshe"), ""); code != 403 {
			t.Fatalf("status %d, want 403", code)
		}
	})
}

func TestFeeStatementAPIAndPages(t *testing.T) {
	f := newFeeFixture(t)
	id := f.concluded("LH-2026-001")
	path := "/api/v1/reviews/" + decimal.NewFromInt(id).String() + "/fee-statement"

	t.Run("visible to the review's unit", func(t *testing.T) {
		code, out, body := f.api("GET", path, f.token("jianshe"), "")
		if code != 200 {
			t.Fatalf("status %d %s", code, body)
		}
		if out["total_fee"] != "50987.65" || out["contractor_share"] != "18209.87" || out["verified"] != true {
			t.Fatalf("statement = %s", body)
		}
		sc, _ := out["schedule"].(map[string]any)
		if sc["example"] != true || sc["version"] != float64(1) {
			t.Fatalf("schedule = %v", sc)
		}
	})
	t.Run("invisible to another unit", func(t *testing.T) {
		if code, _, body := f.api("GET", path, f.token("jianshe2"), ""); code != 404 {
			t.Fatalf("status %d %s, want 404", code, body)
		}
	})

	admin := f.session("admin")
	t.Run("print page shows the figures and the example label", func(t *testing.T) {
		resp, body := f.page("/reviews/"+decimal.NewFromInt(id).String()+"/fee-statement", admin)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, want := range []string{"评审费用结算单", "50,987.65", "18,209.87", "32,777.78", "示例费率表", "@media print", "第 1 版"} {
			if !strings.Contains(body, want) {
				t.Errorf("statement page lacks %q", want)
			}
		}
		if strings.Contains(body, `class="sidenav`) {
			t.Error("statement page carries the app frame")
		}
	})
	t.Run("excel download", func(t *testing.T) {
		resp, body := f.page("/reviews/"+decimal.NewFromInt(id).String()+"/fee-statement.xlsx", admin)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(body, "PK") {
			t.Fatalf("status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
	t.Run("calculator keeps the values and shows the error", func(t *testing.T) {
		resp, body := f.page("/fees/calculator?kind=settlement&outcome=normal&submitted=12a&audited=5", admin)
		if resp.StatusCode != 422 || !strings.Contains(body, `value="12a"`) || !strings.Contains(body, `id="submitted-err"`) {
			t.Fatalf("status %d; body lacks the kept value or the error", resp.StatusCode)
		}
		resp, body = f.page("/fees/calculator?kind=settlement&outcome=normal&submitted=12%2C345%2C678.90&audited=11000000", admin)
		if resp.StatusCode != 200 || !strings.Contains(body, "50,987.65") || !strings.Contains(body, "示例费率表") {
			t.Fatalf("status %d; result missing", resp.StatusCode)
		}
	})
	t.Run("schedules page labels the example", func(t *testing.T) {
		resp, body := f.page("/fees/schedules", admin)
		if resp.StatusCode != 200 || !strings.Contains(body, "示例费率表") || !strings.Contains(body, "已使用") {
			t.Fatalf("status %d; example or used flag missing", resp.StatusCode)
		}
	})
	t.Run("schedule form refuses a bad band and keeps the text", func(t *testing.T) {
		_, page := f.page("/fees/schedules", admin)
		m := feeCSRF.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("schedules page has no CSRF field")
		}
		form := url.Values{"name": {"坏表"}, "effective_from": {"2026-01-01"}, "discount": {"0.5"}, "reduction_rate": {"0.05"},
			"penalty_threshold": {"0.05"}, "unilateral_first_ratio": {"0.8"}, "band_up_to_0": {"9"}, "band_rate_0": {"0.1"},
			"band_up_to_1": {"8"}, "band_rate_1": {"0.1"}, "band_rate_2": {"0.1"}, "_csrf": {m[1]}}
		req := httptest.NewRequest("POST", "/fees/schedules", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(admin)
		resp, body := f.send(req)
		if resp.StatusCode != 422 || !strings.Contains(body, "第 2 段上限") || !strings.Contains(body, `value="坏表"`) ||
			!strings.Contains(body, `name="band_up_to_1" value="8" size="14" inputmode="decimal" class="num" aria-label="第 2 段上限" aria-invalid="true"`) {
			t.Fatalf("status %d; the error or the kept text is missing", resp.StatusCode)
		}
		n, err := f.st.CountFeeSchedules(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("stored schedules = %d, %v; want only the example", n, err)
		}
	})
	t.Run("deductions page and export", func(t *testing.T) {
		resp, body := f.page("/fees/deductions", admin)
		if resp.StatusCode != 200 || !strings.Contains(body, "18,209.87") || !strings.Contains(body, "内蒙古河套建设工程有限公司") {
			t.Fatalf("status %d; deduction missing", resp.StatusCode)
		}
		resp, _ = f.page("/fees/deductions.xlsx", admin)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export status %d", resp.StatusCode)
		}
		resp, _ = f.page("/fees/deductions", f.session("jianshe"))
		if resp.StatusCode != 403 {
			t.Fatalf("construction unit sees deductions: %d", resp.StatusCode)
		}
	})
}
