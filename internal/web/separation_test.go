package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"finreview/internal/store"
)

// TestSeparatedRoles checks 三员分立 with the wrong role at every door:
// the system administrator grants no roles and creates none of the three
// separated ones, the security auditor changes nothing, the security
// administrator acts on no review, and every grant and unlock lands in the
// audit trail the auditor reads.
func TestSeparatedRoles(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := context.Background()
	admin, anquan, shenji := e.as("admin"), e.as("anquan"), e.as("shenji")
	target, err := e.s.UserByUsername(ctx, "caizheng")
	if err != nil {
		t.Fatal(err)
	}
	grant := "/security/users/" + itoa(target.ID) + "/role"

	t.Run("the system administrator cannot grant a role", func(t *testing.T) {
		resp, _ := e.post(admin, grant, url.Values{"role": {"auditor"}})
		if resp.StatusCode != 403 {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("the system administrator cannot create a separated role", func(t *testing.T) {
		city, _ := e.s.JurisdictionByName(ctx, "市本级")
		for _, role := range []string{"admin", "security_admin", "auditor"} {
			resp, body := e.post(admin, "/admin/users", url.Values{"username": {"x" + strings.ReplaceAll(role, "_", "")},
				"display_name": {"某人"}, "password": {"Secret#2026x"}, "role": {role}, "jurisdiction_id": {itoa(city.ID)}})
			if resp.StatusCode != 422 || !strings.Contains(string(body), "只能由安全保密管理员授予") {
				t.Fatalf("%s: status %d", role, resp.StatusCode)
			}
		}
	})
	t.Run("the auditor cannot grant, unlock or create", func(t *testing.T) {
		for _, path := range []string{grant, "/security/users/" + itoa(target.ID) + "/unlock", "/admin/users"} {
			resp, _ := e.post(shenji, path, url.Values{"role": {"auditor"}})
			if resp.StatusCode != 403 {
				t.Fatalf("%s: status %d, want 403", path, resp.StatusCode)
			}
		}
	})
	t.Run("the security administrator cannot act on a review", func(t *testing.T) {
		reviews, _, err := e.s.Reviews(ctx, store.Scope{All: true}, store.ReviewFilter{Limit: 1})
		if err != nil || len(reviews) == 0 {
			t.Fatalf("reviews: %v %v", reviews, err)
		}
		id := reviews[0].ID
		resp, _ := e.get(anquan, "/reviews/"+itoa(id))
		if resp.StatusCode != 403 {
			t.Fatalf("review page: status %d, want 403", resp.StatusCode)
		}
		tok := apiToken(t, e.app, "anquan")
		req := httptest.NewRequest("POST", "/api/v1/reviews/"+itoa(id)+"/transitions",
			strings.NewReader(`{"trigger":"accept","version":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, body := e.send(req)
		if resp.StatusCode != 403 && resp.StatusCode != 404 {
			t.Fatalf("transition: status %d %s", resp.StatusCode, body)
		}
	})
	t.Run("the security administrator grants and unlocks, and the auditor sees it", func(t *testing.T) {
		if resp, body := e.post(anquan, grant, url.Values{"role": {"review_center"}}); resp.StatusCode != 303 {
			t.Fatalf("grant: status %d %.300s", resp.StatusCode, body)
		}
		u, _ := e.s.UserByUsername(ctx, "caizheng")
		if u.Role != "review_center" {
			t.Fatalf("role %q after the grant", u.Role)
		}
		self, _ := e.s.UserByUsername(ctx, "anquan")
		if resp, _ := e.post(anquan, "/security/users/"+itoa(self.ID)+"/role", url.Values{"role": {"auditor"}}); resp.StatusCode != 409 {
			t.Fatalf("self grant: status %d, want 409", resp.StatusCode)
		}
		if resp, _ := e.post(anquan, "/security/users/"+itoa(target.ID)+"/unlock", url.Values{}); resp.StatusCode != 303 {
			t.Fatalf("unlock: status %d", resp.StatusCode)
		}
		for _, action := range []string{"grant_role", "unlock_account"} {
			events, n, err := e.s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: action})
			if err != nil || n != 1 || events[0].ActorName != "安全保密管理员" {
				t.Fatalf("%s audit = %+v (%d), %v", action, events, n, err)
			}
		}
		_, body := e.get(shenji, "/audit?actor=anquan")
		if !strings.Contains(string(body), "授予角色") || !strings.Contains(string(body), "解锁账户") {
			t.Fatalf("the auditor does not see the security administrator's actions")
		}
	})
}
