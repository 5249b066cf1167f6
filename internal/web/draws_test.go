package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"finreview/internal/store"
	"finreview/workflow"
)

var digits = regexp.MustCompile(`^[0-9]+$`)

func TestDrawAPI(t *testing.T) {
	e := newE2E(t)
	for i := range 10 {
		if _, err := e.s.InsertExpert(context.Background(), store.Expert{Name: fmt.Sprintf("隧道专家%d", i+1), Specialty: "隧道工程",
			Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	id := e.toInReview("LH-2026-001")
	e.fire("firm", id, "submit_draft", map[string]any{"audited_amount": "950000.00"})
	e.fire("pingshen", id, "send_opinion", nil)
	e.fire("jianshe", id, "sign", map[string]any{"agree": false, "reasons": "单价偏低"})
	path := "/api/v1/reviews/" + id + "/draws"

	t.Run("only the review center draws", func(t *testing.T) {
		status, v := e.as("jianshe", "POST", path, map[string]any{"purpose": "dispute", "specialty": "隧道工程", "main": 2, "reserve": 1})
		if status != 403 {
			t.Fatalf("unit: %d %v", status, v)
		}
	})
	t.Run("a bad purpose is a 422 on its field", func(t *testing.T) {
		status, v := e.as("pingshen", "POST", path, map[string]any{"purpose": "x", "specialty": "隧道工程", "main": 2})
		if status != 422 || v["field"] != "purpose" {
			t.Fatalf("%d %v", status, v)
		}
	})
	t.Run("too few experts is a 409", func(t *testing.T) {
		status, v := e.as("pingshen", "POST", path, map[string]any{"purpose": "dispute", "specialty": "隧道工程", "main": 9, "reserve": 5})
		if status != 409 || v["code"] != "not_enough_experts" {
			t.Fatalf("%d %v", status, v)
		}
	})
	var drawID string
	t.Run("a draw answers 201 with the seed as a string", func(t *testing.T) {
		status, v := e.as("pingshen", "POST", path, map[string]any{"purpose": "dispute", "specialty": "隧道工程", "main": "2", "reserve": 1})
		if status != 201 {
			t.Fatalf("%d %v", status, v)
		}
		seed, _ := v["seed"].(string)
		main, _ := v["main"].([]any)
		reserve, _ := v["reserve"].([]any)
		if !digits.MatchString(seed) || len(main) != 2 || len(reserve) != 1 || v["purpose"] != "dispute" {
			t.Fatalf("draw %v", v)
		}
		drawID, _ = v["id"].(string)
		if _, ok := main[0].(map[string]any)["id"].(string); !ok {
			t.Errorf("expert id is not a string: %v", main[0])
		}
	})
	t.Run("verify recomputes the draw", func(t *testing.T) {
		status, v := e.as("jianshe", "GET", "/api/v1/draws/"+drawID+"/verify", nil)
		if status != 200 || v["ok"] != true || !digits.MatchString(fmt.Sprint(v["seed"])) {
			t.Fatalf("%d %v", status, v)
		}
	})
	t.Run("the third re-draw is refused with 409", func(t *testing.T) {
		for range 2 {
			if status, v := e.as("pingshen", "POST", path, map[string]any{"purpose": "dispute", "specialty": "隧道工程", "main": 2, "reserve": 0}); status != 201 {
				t.Fatalf("re-draw: %d %v", status, v)
			}
		}
		status, v := e.as("pingshen", "POST", path, map[string]any{"purpose": "dispute", "specialty": "隧道工程", "main": 1})
		if status != 409 || v["code"] != "redraw_limit" {
			t.Fatalf("%d %v", status, v)
		}
		status, b := e.call("GET", path, e.token("pingshen"), nil)
		if status != 200 || strings.Count(string(b), `"seed"`) != 3 {
			t.Fatalf("list: %d %s", status, b)
		}
	})
}

func TestDrawPage(t *testing.T) {
	e := newPagesEnv(t, true)
	rs, _, err := e.s.Reviews(context.Background(), store.Scope{All: true}, store.ReviewFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, r := range rs {
		if r.State == workflow.Disputed {
			id = r.ID
		}
	}
	if id == 0 {
		t.Fatal("no disputed demo review")
	}
	center := e.as("pingshen")
	page := "/reviews/" + itoa(id) + "/draws"
	resp, body := e.post(center, page, url.Values{"purpose": {"dispute"}, "specialty": {"工程造价"}, "main": {"1"}, "reserve": {"1"}})
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), page) {
		t.Fatalf("draw form: %d %s", resp.StatusCode, body)
	}
	resp, body = e.get(center, page)
	html := string(body)
	if resp.StatusCode != 200 || !strings.Contains(html, "随机种子") || !strings.Contains(html, "主选") || !strings.Contains(html, "复核") {
		t.Fatalf("draw page: %d %s", resp.StatusCode, html)
	}
	m := regexp.MustCompile(`action="/draws/([0-9]+)/verify"`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no verify form")
	}
	resp, _ = e.post(center, "/draws/"+m[1]+"/verify", url.Values{})
	loc, _ := url.QueryUnescape(resp.Header.Get("Location"))
	if resp.StatusCode != 303 || !strings.Contains(loc, "复核一致") {
		t.Fatalf("verify: %d %s", resp.StatusCode, loc)
	}
	resp, body = e.post(center, page, url.Values{"purpose": {"dispute"}, "specialty": {"工程造价"}, "main": {"1"}, "reserve": {"1"}})
	if resp.StatusCode != 409 || !strings.Contains(string(body), "专家不足") {
		t.Fatalf("second draw without candidates: %d", resp.StatusCode)
	}
	unit := e.as("jianshe")
	if _, body = e.get(unit, page); strings.Contains(string(body), `action="`+page+`"`) {
		t.Error("the unit sees the draw form")
	}
}
