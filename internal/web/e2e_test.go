package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

// e2e drives the JSON API of an app built like serve's, on a real
// database and bucket.
type e2e struct {
	t      *testing.T
	app    *web.App
	s      *store.Store
	tokens map[string]string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	app := testApp(t, s, servedServices(s, testenv.Objects(t)))
	return &e2e{t: t, app: app, s: s, tokens: map[string]string{}}
}

func (e *e2e) do(req *http.Request) (int, []byte) {
	e.t.Helper()
	resp, b := sendTo(e.t, e.app, req)
	return resp.StatusCode, b
}

func (e *e2e) token(user string) string {
	e.t.Helper()
	if tok, ok := e.tokens[user]; ok {
		return tok
	}
	status, b := e.call("POST", "/api/v1/tokens", "", map[string]any{"username": user, "password": "Demo@2026"})
	if status != 201 {
		e.t.Fatalf("token for %s: %d %s", user, status, b)
	}
	var out struct{ Token string }
	_ = json.Unmarshal(b, &out)
	e.tokens[user] = out.Token
	return out.Token
}

func (e *e2e) call(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func (e *e2e) as(user, method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	status, b := e.call(method, path, e.token(user), body)
	var out map[string]any
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &out); err != nil {
			e.t.Fatalf("%s %s: bad JSON %s", method, path, b)
		}
	}
	return status, out
}

// firmLogin is the login of the firm a review is delegated to.
func (e *e2e) firmLogin(id string) string {
	e.t.Helper()
	_, v := e.as("pingshen", "GET", "/api/v1/reviews/"+id, nil)
	f, _ := v["firm"].(map[string]any)
	if f == nil {
		e.t.Fatalf("review %s has no firm: %v", id, v)
	}
	var fid int64
	fmt.Sscan(f["id"].(string), &fid)
	us, err := e.s.UsersByRole(context.Background(), "intermediary", fid)
	if err != nil || len(us) == 0 {
		e.t.Fatalf("no login for firm %d", fid)
	}
	return us[0].Username
}

// fire posts a transition and expects 200; actor "firm" is the delegated firm.
func (e *e2e) fire(user, id, trigger string, params map[string]any) map[string]any {
	e.t.Helper()
	if user == "firm" {
		user = e.firmLogin(id)
	}
	body := map[string]any{"trigger": trigger}
	for k, v := range params {
		body[k] = v
	}
	status, v := e.as(user, "POST", "/api/v1/reviews/"+id+"/transitions", body)
	if status != 200 {
		e.t.Fatalf("%s by %s on %s: %d %v", trigger, user, id, status, v)
	}
	return v
}

// hasRoute reports whether the app registers method path (a fiber pattern prefix).
func (e *e2e) hasRoute(method, prefix, suffix string) bool {
	for _, r := range e.app.Fiber().GetRoutes(true) {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) && strings.HasSuffix(r.Path, suffix) {
			return true
		}
	}
	return false
}

// upload adds a submission document through the documents API; while that
// route is not registered the committed row is written through the store.
func (e *e2e) upload(user, id string) {
	e.t.Helper()
	if !e.hasRoute("POST", "/api/v1/reviews/", "/documents") {
		e.t.Logf("POST /api/v1/reviews/{id}/documents is not registered; inserting the document row directly")
		e.insertDocument(id)
		return
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("category", "submission")
	_ = w.WriteField("signed_sealed", "true")
	fw, _ := w.CreateFormFile("file", "结算送审资料.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"))
	_ = w.Close()
	req := httptest.NewRequest("POST", "/api/v1/reviews/"+id+"/documents", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.token(user))
	status, b := e.do(req)
	if status != 201 {
		e.t.Fatalf("upload: %d %s", status, b)
	}
}

func (e *e2e) insertDocument(id string) {
	e.t.Helper()
	ctx := context.Background()
	var rid int64
	fmt.Sscan(id, &rid)
	err := e.s.InTx(ctx, func(q *store.Queries) error {
		did, err := q.InsertPendingDocument(ctx, store.Document{ReviewID: rid, Category: "submission", Name: "送审资料.pdf",
			ObjectKey: fmt.Sprintf("e2e/%d/%d", rid, time.Now().UnixNano()), ContentType: "application/pdf", CreatedAt: time.Now()})
		if err != nil {
			return err
		}
		_, err = q.CommitDocument(ctx, did, store.DocumentCommit{Size: 8, SHA256: "00", ContentType: "application/pdf", At: time.Now()})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

var moneyRe = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

func (e *e2e) newReview(user, code, kind, amount string) string {
	e.t.Helper()
	p, err := e.s.ProjectByCode(context.Background(), code)
	if err != nil {
		e.t.Fatal(err)
	}
	status, v := e.as(user, "POST", "/api/v1/reviews", map[string]any{"project_id": p.ID, "kind": kind, "submitted_amount": amount})
	if status != 201 {
		e.t.Fatalf("create review: %d %v", status, v)
	}
	if v["state"] != "draft" || v["submitted_amount"] != amount {
		e.t.Fatalf("created review %v", v)
	}
	id, ok := v["id"].(string)
	if !ok {
		e.t.Fatalf("id is not a string: %v", v["id"])
	}
	e.upload(user, id)
	return id
}

func (e *e2e) toInReview(code string) string {
	id := e.newReview("jianshe", code, "settlement", "1000000.00")
	e.fire("jianshe", id, "submit", nil)
	e.fire("caizheng", id, "issue_notice", nil)
	e.fire("pingshen", id, "accept", nil)
	e.fire("pingshen", id, "delegate", nil)
	e.fire("firm", id, "start", nil)
	return id
}

func permits(v map[string]any, trigger string) bool {
	ts, _ := v["permitted_triggers"].([]any)
	for _, t := range ts {
		if t == trigger {
			return true
		}
	}
	return false
}

func TestE2ESettlementToArchived(t *testing.T) {
	e := newE2E(t)
	id := e.newReview("jianshe", "LH-2026-001", "settlement", "1000000.00")
	_, v := e.as("jianshe", "GET", "/api/v1/reviews/"+id, nil)
	if !permits(v, "submit") || v["firm"] != nil || v["deadline"] != nil || v["fee"] != nil || v["suspended"] != false {
		t.Fatalf("draft review %v", v)
	}
	e.fire("jianshe", id, "submit", nil)
	v = e.fire("caizheng", id, "issue_notice", nil)
	if dl, _ := v["deadline"].(map[string]any); dl == nil || dl["kind"] != "intake" {
		t.Fatalf("deadline after notice %v", v["deadline"])
	}
	_, v = e.as("pingshen", "GET", "/api/v1/reviews/"+id, nil)
	if !permits(v, "accept") || !permits(v, "return") || permits(v, "submit") {
		t.Fatalf("center permitted %v", v["permitted_triggers"])
	}
	e.fire("pingshen", id, "accept", map[string]any{"version": v["version"]})
	v = e.fire("pingshen", id, "delegate", nil)
	d, _ := v["delegation"].(map[string]any)
	if d == nil || d["override"] != false || len(d["considered"].([]any)) == 0 {
		t.Fatalf("delegation %v", v["delegation"])
	}
	e.fire("firm", id, "start", nil)
	e.fire("firm", id, "submit_draft", map[string]any{"audited_amount": "950000.50"})
	v = e.fire("pingshen", id, "send_opinion", nil)
	if v["audited_amount"] != "950000.50" {
		t.Fatalf("audited %v", v["audited_amount"])
	}
	e.fire("shigong", id, "cosign", map[string]any{"agree": true})
	e.fire("jianshe", id, "sign", map[string]any{"agree": true})
	v = e.fire("pingshen", id, "conclude", nil)
	fee, _ := v["fee"].(map[string]any)
	for _, k := range []string{"basic_fee", "reduction_fee", "total_fee", "contractor_share", "finance_share", "payable_now", "payable_later"} {
		if s, _ := fee[k].(string); !moneyRe.MatchString(s) {
			t.Errorf("fee.%s = %v, want a two-decimal string", k, fee[k])
		}
	}
	e.fire("caizheng", id, "process", nil)
	v = e.fire("caizheng", id, "archive", map[string]any{"archive_number": "E2E-2026-001", "paper_received_on": "2026-01-05",
		"received_by": "王晓燕"})
	if v["state"] != "archived" {
		t.Fatalf("state %v", v["state"])
	}
	_, v = e.as("caizheng", "GET", "/api/v1/reviews/"+id, nil)
	ar, _ := v["archive"].(map[string]any)
	if ar == nil || ar["archive_number"] != "E2E-2026-001" || ar["paper_received_on"] != "2026-01-05" ||
		ar["received_by"] != "王晓燕" || ar["retention_years"] != float64(30) {
		t.Fatalf("archive %v", v["archive"])
	}
	if sus, ok := v["suspensions"].([]any); !ok || len(sus) != 0 {
		t.Fatalf("suspensions %v", v["suspensions"])
	}
	if _, ok := v["missing"].(map[string]any); !ok {
		t.Fatalf("missing %v", v["missing"])
	}
	papers, _ := v["papers"].([]any)
	kinds := map[string]string{}
	for _, p := range papers {
		pm := p.(map[string]any)
		kinds[pm["kind"].(string)], _ = pm["number"].(string)
	}
	for _, k := range []string{"notice", "opinion_letter", "conclusion", "fee_statement"} {
		if !strings.Contains(kinds[k], "号") {
			t.Errorf("paper %s number %q", k, kinds[k])
		}
	}
	status, b := e.call("GET", "/api/v1/reviews/"+id+"/events", e.token("jianshe"), nil)
	var evs []map[string]any
	if status != 200 || json.Unmarshal(b, &evs) != nil || len(evs) != 12 {
		t.Fatalf("events: %d %s", status, b)
	}
	if evs[0]["trigger"] != "submit" || evs[0]["from"] != "draft" || evs[0]["to"] != "submitted" || evs[0]["actor"] == "" {
		t.Fatalf("first event %v", evs[0])
	}
	status, vv := e.as("pingshen", "GET", "/api/v1/audit/verify", nil)
	if status != 200 || vv["ok"] != true || vv["events"].(float64) < 12 {
		t.Fatalf("verify %d %v", status, vv)
	}
}

func TestE2ESidePaths(t *testing.T) {
	e := newE2E(t)
	t.Run("return and resubmit", func(t *testing.T) {
		id := e.newReview("jianshe", "LH-2026-002", "settlement", "500000.00")
		e.fire("jianshe", id, "submit", nil)
		e.fire("caizheng", id, "issue_notice", nil)
		status, v := e.as("pingshen", "POST", "/api/v1/reviews/"+id+"/transitions", map[string]any{"trigger": "return"})
		if status != 422 || v["field"] != "reason" {
			t.Fatalf("return without reason: %d %v", status, v)
		}
		e.fire("pingshen", id, "return", map[string]any{"reason": "缺少竣工图"})
		v = e.fire("jianshe", id, "resubmit", nil)
		if v["state"] != "submitted" || v["round"].(float64) != 2 {
			t.Fatalf("after resubmit %v", v)
		}
	})
	t.Run("dispute, expert review and resolve", func(t *testing.T) {
		id := e.toInReview("LH-2026-003")
		e.fire("firm", id, "submit_draft", map[string]any{"audited_amount": "900000.00"})
		e.fire("pingshen", id, "send_opinion", nil)
		v := e.fire("jianshe", id, "sign", map[string]any{"agree": false, "reasons": "单价偏低"})
		if v["state"] != "disputed" {
			t.Fatalf("state %v", v["state"])
		}
		// Experts named by hand, without a draw, need a reason.
		status, body := e.as("pingshen", "POST", "/api/v1/reviews/"+id+"/transitions", map[string]any{"trigger": "expert_review", "experts": testenv.FirstExperts(t, e.s, 2)})
		if status != 422 || body["field"] != "reason" {
			t.Fatalf("hand-picked experts without a reason: %d %v", status, body)
		}
		e.fire("pingshen", id, "expert_review", map[string]any{"experts": testenv.FirstExperts(t, e.s, 2), "reason": "本专业专家不足,未抽取"})
		v = e.fire("pingshen", id, "resolve", map[string]any{"fault_party": "firm", "audited_amount": 912345.67})
		if v["state"] != "opinion_sent" || v["audited_amount"] != "912345.67" {
			t.Fatalf("after resolve %v %v", v["state"], v["audited_amount"])
		}
	})
	t.Run("unilateral conclusion", func(t *testing.T) {
		id := e.toInReview("LH-2026-004")
		e.fire("firm", id, "submit_draft", map[string]any{"audited_amount": "900000.00"})
		e.fire("pingshen", id, "send_opinion", nil)
		e.fire("pingshen", id, "unilateral", map[string]any{"reason": "拒不签署"})
		v := e.fire("pingshen", id, "conclude", nil)
		if v["state"] != "concluded" || v["outcome"] != "unilateral" || v["fee"] == nil {
			t.Fatalf("unilateral conclusion %v", v)
		}
	})
	t.Run("appeal, cancel delegation, another firm", func(t *testing.T) {
		id := e.toInReview("LH-2026-005")
		first := e.firmLogin(id)
		e.fire("firm", id, "submit_draft", map[string]any{"audited_amount": "900000.00"})
		e.fire("pingshen", id, "send_opinion", nil)
		e.fire("jianshe", id, "sign", map[string]any{"agree": true})
		e.fire("pingshen", id, "conclude", nil)
		e.fire("jianshe", id, "appeal", map[string]any{"reason": "漏计签证"})
		v := e.fire("pingshen", id, "cancel_delegation", map[string]any{"reason": "原结论有误"})
		if v["state"] != "accepted" || v["firm"] != nil {
			t.Fatalf("after cancel %v", v)
		}
		if status, _ := e.as(first, "GET", "/api/v1/reviews/"+id, nil); status != 404 {
			t.Fatalf("old firm still sees the review: %d", status)
		}
		e.fire("pingshen", id, "delegate", nil)
		if second := e.firmLogin(id); second == first {
			t.Fatalf("re-delegated to the excluded firm %s", first)
		}
		status, v := e.as("jianshe", "GET", "/api/v1/reviews/"+id, nil)
		if status != 200 || v["state"] != "delegated" {
			t.Fatalf("%d %v", status, v)
		}
	})
}

func TestE2ERoleTable(t *testing.T) {
	e := newE2E(t)
	id := e.newReview("jianshe", "LH-2026-006", "settlement", "500000.00")
	cases := []struct {
		name, user, method, path string
		body                     any
		status                   int
	}{
		{"list without token", "", "GET", "/api/v1/reviews", nil, 401},
		{"review without token", "", "GET", "/api/v1/reviews/" + id, nil, 401},
		{"transition without token", "", "POST", "/api/v1/reviews/" + id + "/transitions", map[string]any{"trigger": "submit"}, 401},
		{"unit fires a center trigger", "jianshe", "POST", "/api/v1/reviews/" + id + "/transitions", map[string]any{"trigger": "accept"}, 403},
		{"firm creates a review", "zhongjie1", "POST", "/api/v1/reviews", map[string]any{"project_id": "1", "kind": "settlement", "submitted_amount": "1.00"}, 403},
		{"unit verifies the audit chain", "jianshe", "GET", "/api/v1/audit/verify", nil, 403},
		{"other unit reads the review", "jianshe2", "GET", "/api/v1/reviews/" + id, nil, 404},
		{"other unit reads the events", "jianshe2", "GET", "/api/v1/reviews/" + id + "/events", nil, 404},
		{"other unit fires", "jianshe2", "POST", "/api/v1/reviews/" + id + "/transitions", map[string]any{"trigger": "submit"}, 404},
		{"undelegated firm reads", "zhongjie1", "GET", "/api/v1/reviews/" + id, nil, 404},
		{"wrong state", "caizheng", "POST", "/api/v1/reviews/" + id + "/transitions", map[string]any{"trigger": "issue_notice"}, 409},
		{"stale version", "jianshe", "POST", "/api/v1/reviews/" + id + "/transitions", map[string]any{"trigger": "submit", "version": 99}, 409},
		{"bad amount", "jianshe", "POST", "/api/v1/reviews", map[string]any{"project_id": "1", "kind": "settlement", "submitted_amount": "1e5"}, 422},
		{"unknown trigger", "jianshe", "POST", "/api/v1/reviews/" + id + "/transitions", map[string]any{"trigger": "teleport"}, 422},
		{"center verifies the audit chain", "pingshen", "GET", "/api/v1/audit/verify", nil, 200},
		{"unit lists its reviews", "jianshe", "GET", "/api/v1/reviews?state=draft&kind=settlement&page=1&per_page=5", nil, 200},
		{"openapi", "jianshe", "GET", "/api/v1/openapi.json", nil, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := ""
			if c.user != "" {
				tok = e.token(c.user)
			}
			status, b := e.call(c.method, c.path, tok, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, b)
			}
			if status == 409 {
				// The refusal lists what this caller may fire now, as the
				// review does.
				var refused struct {
					Permitted *[]string `json:"permitted_triggers"`
				}
				var review struct {
					Permitted []string `json:"permitted_triggers"`
				}
				_, rb := e.call("GET", "/api/v1/reviews/"+id, tok, nil)
				if json.Unmarshal(b, &refused) != nil || refused.Permitted == nil {
					t.Fatalf("409 without permitted_triggers: %s", b)
				}
				if json.Unmarshal(rb, &review) != nil || !slices.Equal(*refused.Permitted, review.Permitted) {
					t.Fatalf("409 lists %v; the review permits this caller %v", *refused.Permitted, review.Permitted)
				}
			}
		})
	}
	t.Run("lists show only visible reviews", func(t *testing.T) {
		_, v := e.as("jianshe2", "GET", "/api/v1/reviews", nil)
		if v["total"].(float64) != 0 {
			t.Fatalf("other unit sees %v", v)
		}
		_, v = e.as("jianshe", "GET", "/api/v1/reviews?state=draft", nil)
		items := v["items"].([]any)
		if v["total"].(float64) != 1 || items[0].(map[string]any)["id"] != id {
			t.Fatalf("own list %v", v)
		}
	})
	t.Run("projects", func(t *testing.T) {
		status, v := e.as("jianshe", "POST", "/api/v1/projects", map[string]any{"code": "LH-2026-099", "name": "临河区社区食堂建设项目",
			"jurisdiction": "临河区", "funding_source": "general_budget", "category": "capital", "approved_estimate": "2300000.00"})
		if status != 201 || v["approved_estimate"] != "2300000.00" {
			t.Fatalf("create project: %d %v", status, v)
		}
		if _, ok := v["id"].(string); !ok {
			t.Fatalf("project id %v", v["id"])
		}
		status, v = e.as("jianshe", "POST", "/api/v1/projects", map[string]any{"code": "LH-2026-099", "name": "重复",
			"funding_source": "general_budget", "category": "capital", "approved_estimate": "1.00"})
		if status != 422 || v["field"] != "code" {
			t.Fatalf("duplicate code: %d %v", status, v)
		}
	})
}

// TestOpenAPICoversEveryRoute walks the registered /api/v1 routes and
// requires each method and path in the OpenAPI document, with {id}-style
// parameters declared.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	e := newE2E(t)
	status, b := e.call("GET", "/api/v1/openapi.json", e.token("jianshe"), nil)
	if status != 200 {
		t.Fatalf("openapi status %d", status)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([a-z_]+)(<[a-z]+>)?`)
	seen := map[string]bool{}
	for _, r := range e.app.Fiber().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		path := param.ReplaceAllString(strings.TrimPrefix(r.Path, "/api/v1"), "{$1}")
		key := r.Method + " " + path
		if seen[key] {
			continue
		}
		seen[key] = true
		t.Run(key, func(t *testing.T) {
			ops, ok := doc.Paths[path]
			if !ok {
				t.Fatalf("path %s missing from the OpenAPI document", path)
			}
			op, ok := ops[strings.ToLower(r.Method)]
			if !ok {
				t.Fatalf("%s %s missing from the OpenAPI document", r.Method, path)
			}
			for _, m := range param.FindAllStringSubmatch(r.Path, -1) {
				found := false
				for _, p := range op.Parameters {
					found = found || (p.Name == m[1] && p.In == "path")
				}
				if !found {
					t.Errorf("%s %s does not declare path parameter %s", r.Method, path, m[1])
				}
			}
		})
	}
	for _, want := range []string{"GET /me", "POST /tokens", "POST /fees/calculate", "GET /firms/{id}", "GET /experts",
		"GET /documents/{id}", "GET /papers", "POST /reviews/{id}/draws", "GET /audit/verify", "GET /reviews/{id}/fee-statement"} {
		if !seen[want] {
			t.Errorf("route %s not registered", want)
		}
	}
}
