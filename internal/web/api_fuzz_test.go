package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"finreview/internal/demo"
	"finreview/internal/testenv"
)

// fuzzRoutes are the API calls that read a JSON body or query
// parameters; {review}, {expert} and {paper} are ids of the demo city.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/api/v1/projects"},
	{"POST", "/api/v1/reviews"},
	{"POST", "/api/v1/reviews/{review}/transitions"},
	{"POST", "/api/v1/reviews/{review}/nudge"},
	{"POST", "/api/v1/fees/calculate"},
	{"POST", "/api/v1/fee-schedules"},
	{"POST", "/api/v1/reviews/{review}/draws"},
	{"POST", "/api/v1/reviews/{review}/experts/{expert}/score"},
	{"POST", "/api/v1/papers/{paper}/void"},
	{"POST", "/api/v1/tokens"},
	{"GET", "/api/v1/reviews"},
	{"GET", "/api/v1/projects"},
	{"GET", "/api/v1/papers"},
	{"GET", "/api/v1/firms"},
	{"GET", "/api/v1/experts"},
	{"GET", "/api/v1/reviews/{review}/documents"},
}

var fuzzUsers = []string{"admin", "pingshen", "caizheng", "jianshe", "zhuguan", "zhongjie1", "shigong", "zhuanjia"}

// FuzzAPIRequests sends arbitrary JSON bodies and query strings to the
// API routes that read them, as each demo role, on the demo city: the
// body is decoded into each request and validated as a real call is.
// No answer is a 5xx, and every 422 names the field at fault.
func FuzzAPIRequests(f *testing.F) {
	s := testenv.DB(f)
	seeded := testenv.Demo(f, s)
	objects := testenv.Objects(f)
	svc := servedServices(s, objects)
	if _, err := demo.SeedReviews(context.Background(), s, svc.Reviews, objects, seeded); err != nil {
		f.Fatal(err)
	}
	app := testApp(f, s, svc)
	ids := map[string]string{}
	for k, q := range map[string]string{"review": "SELECT MIN(id) FROM reviews", "expert": "SELECT MIN(id) FROM experts",
		"paper": "SELECT COALESCE(MIN(id), 1) FROM papers"} {
		var id int64
		if err := s.DB.QueryRow(q).Scan(&id); err != nil {
			f.Fatal(err)
		}
		ids[k] = strconv.FormatInt(id, 10)
	}
	tokens := map[string]string{}
	for _, u := range fuzzUsers {
		resp, err := app.Fiber().Test(jsonRequest("POST", "/api/v1/tokens", "", map[string]any{"username": u, "password": demo.Password}), -1)
		if err != nil {
			f.Fatal(err)
		}
		var out struct{ Token string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		tokens[u] = out.Token
	}

	seeds := []struct {
		route uint8
		query string
		body  string
	}{
		{0, "", `{"code":"FZ-1","name":"临河区养老服务中心𠀀","jurisdiction":"临河区","funding_source":"general_budget","category":"capital","approved_estimate":"1000.00","unit_org_id":"5","contractor_ids":["10"]}`},
		{0, "", `{"code":"FZ-2","name":"a\u0000b","funding_source":"general_budget","category":"capital","approved_estimate":"1","unit_org_id":"5"}`},
		{0, "", `{"code":"FZ-3","name":"x","funding_source":"general_budget","category":"capital","approved_estimate":"1","unit_org_id":"5","dept_org_id":"987654321","contractor_ids":["9223372036854775807"]}`},
		{0, "", `{"code":"FZ-4","name":"` + strings.Repeat("长", 300) + `","approved_estimate":"1e400"}`},
		{1, "", `{"project_id":"987654321","kind":"settlement","submitted_amount":"99999999999999999999"}`},
		{1, "", `{"project_id":1,"kind":"settlement","submitted_amount":"1000.00"}`},
		{2, "", `{"trigger":"delegate","firm_id":"987654321","reason":"\u202e原因","version":"99999999999999999999"}`},
		{2, "", `{"trigger":"suspend","reason":"暂停","expected_workdays":"-9223372036854775808"}`},
		{2, "", `{"trigger":"submit_plan","mode":"x","survey_date":"2026-02-30","key_issues":"` + strings.Repeat("x", 70000) + `"}`},
		{3, "", `{"message":"请尽快\u0085"}`},
		{4, "", `{"kind":"settlement","outcome":"reduction","submitted":"1000000","audited":"900000","date":"10000-01-01"}`},
		{5, "", `{"name":"表","effective_from":"0000-00-00","bands":[{"from":"0","up_to":null,"rate":"NaN"}]}`},
		{6, "", `{"purpose":"expert_review","specialty":"土建工程","main":"99999999999999999999","reserve":"-1"}`},
		{7, "", `{"score":"1e400","comment":"好"}`},
		{8, "", `{"reason":"` + strings.Repeat("作废", 40000) + `"}`},
		{9, "", `{"username":"admin\u0000","password":"x"}`},
		{10, "page=9223372036854775807&per_page=200", ""},
		{10, "state=%00&kind=%E2%80%AE&jurisdiction=99999999999999999999&firm_id=-1&q=%FF", ""},
		{11, "page=-1&q=%25_", ""},
		{12, "page=99999999999999999999&kind=notice", ""},
		{13, "jurisdiction=10000&kind=settlement", ""},
		{14, "specialty=%E2%80%AE&active=maybe", ""},
		{15, "category=%00&latest=2&page=0", ""},
	}
	for i, sd := range seeds {
		f.Add(sd.route, uint8(i), sd.query, []byte(sd.body))
	}
	n := 0
	f.Fuzz(func(t *testing.T, route, user uint8, query string, body []byte) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		who := fuzzUsers[int(user)%len(fuzzUsers)]
		path := r.path
		for k, v := range ids {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		// Unique project codes, so that a taken code does not hide the
		// rest of the body.
		n++
		body = bytes.ReplaceAll(body, []byte(`"FZ-`), []byte(`"FZ-`+strconv.Itoa(n)+`-`))
		// A client cannot send raw white space or controls in a request
		// line; their escaped forms (%00, %E2%80%AE) stay.
		query = strings.Map(func(r rune) rune {
			if r <= ' ' || r == 0x7f || r == '#' {
				return -1
			}
			return r
		}, query)
		req := httptest.NewRequest(r.method, path, bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokens[who])
		resp, err := app.Fiber().Test(req, 10000)
		if err != nil {
			t.Fatalf("%s %s?%q as %s: %v", r.method, path, query, who, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s?%q as %s: %d %s\nbody %.300q", r.method, path, query, who, resp.StatusCode, b, body)
		}
		if resp.StatusCode == 422 {
			var e struct{ Field string }
			if json.Unmarshal(b, &e) != nil || e.Field == "" {
				t.Fatalf("%s %s?%q as %s: 422 names no field: %s\nbody %.300q", r.method, path, query, who, b, body)
			}
		}
	})
}
