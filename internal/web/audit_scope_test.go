package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
)

// TestAuditLogAndFirmPageFollowScope: a county review center's staff read
// nothing of another county's reviews on the audit log, even by asking for
// the review, and a firm's page sums only their county's reviews; the
// city's review center sees both.
func TestAuditLogAndFirmPageFollowScope(t *testing.T) {
	app, s := firmsApp(t)
	ctx := context.Background()
	var jurisdiction, firmID int64
	var projectID, unitID int64
	if err := s.DB.QueryRowContext(ctx, "SELECT id, jurisdiction_id, unit_org_id FROM projects ORDER BY id LIMIT 1").
		Scan(&projectID, &jurisdiction, &unitID); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.QueryRowContext(ctx, "SELECT id FROM organizations WHERE kind = 'firm' ORDER BY id LIMIT 1").Scan(&firmID); err != nil {
		t.Fatal(err)
	}
	reviewID, err := s.InsertReview(ctx, store.Review{ProjectID: projectID, Kind: "settlement", JurisdictionID: jurisdiction,
		UnitOrgID: unitID, SubmittedAmount: decimal.RequireFromString("2000000.00")})
	if err != nil {
		t.Fatal(err)
	}
	// Delegated to the firm and concluded.
	if _, err := s.DB.ExecContext(ctx, `UPDATE reviews SET firm_id = ?, delegated_at = ?, concluded_at = ?, audited_amount = 1800000
		WHERE id = ?`, firmID, time.Now().AddDate(0, 0, -10), time.Now(), reviewID); err != nil {
		t.Fatal(err)
	}
	const marker = "scope-marker-7731"
	if err := s.InTx(ctx, func(q *store.Queries) error {
		_, err := audit.Append(ctx, q, time.Now(), audit.Entry{ActorName: "测试", Action: "document_download", ReviewID: reviewID,
			ObjectType: "document", ObjectID: marker, Detail: map[string]string{"name": "结算审核报告.pdf", "ip": "10.9.8.7"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var other int64
	if err := s.DB.QueryRowContext(ctx, "SELECT id FROM jurisdictions WHERE id <> ? AND name <> '市本级' ORDER BY id LIMIT 1", jurisdiction).
		Scan(&other); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("Demo@2026")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertUser(ctx, store.User{Username: "county_center", DisplayName: "外县评审中心", PasswordHash: hash,
		Role: string(auth.ReviewCenter), JurisdictionID: other, Active: true}); err != nil {
		t.Fatal(err)
	}

	get := func(t *testing.T, c *http.Cookie, path string) string {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(c)
		resp, body := do(t, app, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return body
	}
	done := func(t *testing.T, body string) string {
		i := strings.Index(body, `data-testid="reviews-done">`)
		if i < 0 {
			t.Fatalf("firm page has no reviews-done figure")
		}
		rest := body[i+len(`data-testid="reviews-done">`):]
		return rest[:strings.Index(rest, "<")]
	}
	for _, tt := range []struct {
		user string
		sees bool
	}{{"county_center", false}, {"pingshen", true}} {
		t.Run(tt.user, func(t *testing.T) {
			c, status := login(t, app, tt.user, "Demo@2026")
			if c == nil {
				t.Fatalf("sign-in: %d", status)
			}
			for _, path := range []string{"/audit?per_page=200", fmt.Sprintf("/audit?review=%d", reviewID)} {
				if got := strings.Contains(get(t, c, path), marker); got != tt.sees {
					t.Errorf("%s shows the other county's event: %v, want %v", path, got, tt.sees)
				}
			}
			if n := done(t, get(t, c, fmt.Sprintf("/firms/%d", firmID))); (n != "0 个") != tt.sees {
				t.Errorf("firm page counts %s concluded reviews; sees the review: %v", n, tt.sees)
			}
		})
	}
}
