package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"finreview/internal/store"
)

// TestStepsWithoutScripts: the shortcuts work as plain HTML too, and the
// answers the page's script asks for are JSON.
func TestStepsWithoutScripts(t *testing.T) {
	e := newPagesEnv(t, true)
	unit := e.as("jianshe")

	_, body := e.get(unit, "/projects/new")
	if !strings.Contains(string(body), `data-testid="code-suggested"`) || strings.Contains(string(body), `name="code" value=""`) {
		t.Fatal("the project form does not offer the next project number")
	}

	// A review made by the script: JSON with where to upload; a refusal
	// names the field.
	base := e.reviewOf(t, "LH-2026-001", "change")
	create := func(amount string) (*http.Response, map[string]any) {
		form := url.Values{"kind": {"change"}, "submitted_amount": {amount}, "_csrf": {unit.csrf}}
		req := httptest.NewRequest("POST", fmt.Sprintf("/projects/%d/reviews", base.ProjectID), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.AddCookie(unit.cookie)
		resp, b := e.send(req)
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return resp, out
	}
	resp, out := create("abc")
	if resp.StatusCode != 422 || out["field"] != "submitted_amount" {
		t.Fatalf("bad amount: %d %v", resp.StatusCode, out)
	}
	resp, out = create("52000")
	uploadURL, _ := out["upload_url"].(string)
	next, _ := out["next"].(string)
	if resp.StatusCode != 201 || !strings.HasSuffix(uploadURL, "/upload") || !strings.Contains(next, "msg_sig=") {
		t.Fatalf("create: %d %v", resp.StatusCode, out)
	}
	var id int64
	if _, err := fmt.Sscanf(uploadURL, "/reviews/%d/upload", &id); err != nil {
		t.Fatal(err)
	}

	// The review page: the still-missing box links the upload panel, whose
	// plain form sends one file and comes back to the review.
	_, body = e.get(unit, fmt.Sprintf("/reviews/%d", id))
	page := string(body)
	if !strings.Contains(page, `data-testid="missing-upload"`) || !strings.Contains(page, `id="upload"`) {
		t.Fatal("no upload link in the still-missing box or no upload panel")
	}
	mb, ct := multipartBody([][2]string{{"_csrf", unit.csrf}, {"category", "submission"}}, "结算书.pdf", pdfContent("结算书"))
	req := httptest.NewRequest("POST", fmt.Sprintf("/reviews/%d/upload?back=review", id), mb)
	req.Header.Set("Content-Type", ct)
	req.AddCookie(unit.cookie)
	resp, _ = e.send(req)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, fmt.Sprintf("/reviews/%d?", id)) ||
		!strings.HasSuffix(loc, "#upload") {
		t.Fatalf("plain upload: %d %s", resp.StatusCode, loc)
	}
	if code := scriptUpload(t, e, unit, id, "submission", "竣工图.pdf"); code != http.StatusCreated {
		t.Fatalf("script upload: %d", code)
	}
	if code := scriptUpload(t, e, unit, id, "conclusion", "结论.pdf"); code != http.StatusForbidden {
		t.Fatalf("script upload of a category the unit may not: %d", code)
	}

	// The expert's opinion without text and without a signed copy is
	// refused next to the field.
	expert := e.as("zhuanjia")
	expertReview := e.reviewOf(t, "LH-2026-010", "change")
	resp, body = e.post(expert, fmt.Sprintf("/reviews/%d/expert-opinion", expertReview.ID), url.Values{"opinion": {" "}, "suggested_amount": {"12,3x"}})
	if resp.StatusCode != 422 || !strings.Contains(string(body), `data-testid="err-suggested_amount"`) || !strings.Contains(string(body), `value="12,3x"`) {
		t.Fatalf("bad amount: %d", resp.StatusCode)
	}
	resp, body = e.post(expert, fmt.Sprintf("/reviews/%d/expert-opinion", expertReview.ID), url.Values{"opinion": {""}})
	if resp.StatusCode != 422 || !strings.Contains(string(body), `data-testid="err-opinion"`) {
		t.Fatalf("empty opinion: %d", resp.StatusCode)
	}
	// Other roles see no expert task.
	_, body = e.get(e.as("pingshen"), fmt.Sprintf("/reviews/%d", expertReview.ID))
	if strings.Contains(string(body), `data-testid="expert-task"`) {
		t.Fatal("the review center sees the expert's task")
	}
}

func (e *pagesEnv) reviewOf(t *testing.T, code, kind string) store.Review {
	t.Helper()
	rows, _, err := e.s.Reviews(context.Background(), store.Scope{All: true}, store.ReviewFilter{Search: code, Kind: kind, Limit: 5})
	if err != nil || len(rows) == 0 {
		t.Fatalf("review %s %s: %v", code, kind, err)
	}
	return rows[0]
}
