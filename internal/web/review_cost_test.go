package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"finreview/internal/auth"
	"finreview/internal/deadline"
	"finreview/internal/demo"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
	"finreview/workflow"
)

// What the review page must not send again: each pattern with how many
// times a page may send it, given the review shown.
var reviewPageLimits = []struct {
	what string
	re   *regexp.Regexp
	max  func(r store.Review) int
}{
	{"the review", regexp.MustCompile(`\bFROM reviews r JOIN projects p\b.* WHERE r\.id = \?`), func(store.Review) int { return 1 }},
	{"its deadlines", regexp.MustCompile(`\bFROM deadlines d\b`), func(store.Review) int { return 1 }},
	{"the documents' count of a page with room left", regexp.MustCompile(`^SELECT COUNT\(\*\) FROM documents d\b`), func(store.Review) int { return 0 }},
	{"the expert draws, drawn experts and scores (the draw page's)", regexp.MustCompile(`\bFROM (expert_draws|review_experts|expert_scores)\b`),
		func(store.Review) int { return 0 }},
	{"a user by id (the supervisor comes with the review)", regexp.MustCompile(`\bFROM users WHERE id = \?`), func(store.Review) int { return 0 }},
	{"the delegation of a review no firm holds", regexp.MustCompile(`\bFROM delegations g\b`), func(r store.Review) int {
		if r.FirmID != 0 {
			return 1
		}
		return 0
	}},
	{"the fee statement of a review not priced", regexp.MustCompile(`\bFROM fee_statements s\b`), func(r store.Review) int {
		if r.FeeScheduleID != 0 || r.ConcludedAt.Valid {
			return 1
		}
		return 0
	}},
	{"the archive record of a review not archived", regexp.MustCompile(`\bFROM archive_records\b`), func(r store.Review) int {
		if r.State == workflow.Archived {
			return 1
		}
		return 0
	}},
}

var calendarVersionRead = regexp.MustCompile(`\bFROM calendar_version\b`)

// reviewPageMost is the most statements the review page of any demo
// review sends to any viewer within the trust (the review center's page
// of an accepted review, whose delegation form lists the candidate firms
// and the supervisors); reviewPageInReview is that of a review in
// progress (in_review, held by a firm, with a supervisor), for the unit
// and the review center alike.
const (
	reviewPageMost      = 10
	reviewPageInReview  = 7
	reviewPageCountWhat = "the review, its deadlines, papers, suspensions, delegation, timeline and documents"
)

// TestReviewPageStatements counts the statements of the review page
// (GET /reviews/:id) within auth.TokenTrust and store.CalendarTrust of
// the viewer's previous page, for the review center and the unit, on
// every review of the demo city: the review is read once (it was read
// again to list the documents), the documents are not counted when the
// first page has room left, the calendar's version is not asked again,
// the expert draws are not read (no part of the page shows them), the
// running deadline is described from the deadlines read with the review
// (they were read again), the supervisor's name comes with the review,
// and the delegation, the fee statement and the archive record are read
// only when the review can have them. A review in progress cost the
// review center 19 statements (its banner asked the calendar's version
// too) and the unit 18; it costs either 7. Another unit's request is
// answered 404 after the review's read alone.
func TestReviewPageStatements(t *testing.T) {
	s := testenv.DB(t)
	seeded := testenv.Demo(t, s)
	objects := testenv.Objects(t)
	ctx := context.Background()
	if _, err := demo.SeedReviews(ctx, s, servedServices(s, objects).Reviews, objects, seeded); err != nil {
		t.Fatal(err)
	}
	cs, sent := countingStore(t, s)
	base := time.Now()
	now := func() time.Time { return base } // auth's trust never runs out
	svc := web.FillServices(cs, now, servedServices(cs, objects))
	// The banner of the review center's and the administrator's pages, as
	// serve wires it: it reads the calendar too.
	svc.Banners = func(ctx context.Context, p auth.Principal) []string {
		if p.Role != auth.Admin && p.Role != auth.ReviewCenter {
			return nil
		}
		cal, err := deadline.LoadCalendar(ctx, &cs.Queries)
		if err != nil {
			return nil
		}
		if b := deadline.MissingYearBanner(cal, time.Now()); b != "" {
			return []string{b}
		}
		return nil
	}
	app, err := web.New(web.Deps{Log: slog.New(slog.DiscardHandler), Auth: auth.NewService(cs, now), Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	cookies := map[string]*http.Cookie{}
	for _, name := range []string{"pingshen", "jianshe", "jianshe2"} {
		if cookies[name], _ = login(t, app, name, demo.Password); cookies[name] == nil {
			t.Fatalf("sign-in of %s failed", name)
		}
	}
	get := func(who, path string) (int, []string) {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(cookies[who])
		sent.take()
		resp, _ := do(t, app, req)
		return resp.StatusCode, sent.take()
	}

	ids := testenv.IDs(t, s, "SELECT id FROM reviews ORDER BY id")
	inReview := 0
	for _, id := range ids {
		r, err := s.Review(ctx, store.Scope{All: true}, id)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/reviews/%d", id)
		for _, who := range []string{"pingshen", "jianshe"} {
			start := time.Now()
			status, _ := get(who, path) // the previous page: the trusts start
			if status == http.StatusNotFound && who == "jianshe" {
				continue // another unit's review
			}
			if status != http.StatusOK {
				t.Fatalf("%s %s: %d", who, path, status)
			}
			_, stmts := get(who, path)
			within := time.Since(start) < store.CalendarTrust
			name := fmt.Sprintf("%s, review %d (%s)", who, id, r.State)
			t.Logf("%s: %d statements", name, len(stmts))
			if len(stmts) > reviewPageMost {
				t.Errorf("%s: %d statements, want at most %d:\n%s", name, len(stmts), reviewPageMost, strings.Join(stmts, "\n"))
			}
			if r.State == workflow.InReview && r.FirmID != 0 && r.SupervisorID != 0 {
				inReview++
				if len(stmts) > reviewPageInReview {
					t.Errorf("%s: %d statements, want at most %d (%s):\n%s", name, len(stmts), reviewPageInReview,
						reviewPageCountWhat, strings.Join(stmts, "\n"))
				}
			}
			for _, l := range reviewPageLimits {
				if n, most := countMatching(stmts, l.re), l.max(r); n > most {
					t.Errorf("%s: %s read %d times, want at most %d", name, l.what, n, most)
				}
			}
			if n := countMatching(stmts, calendarVersionRead); within && n > 0 {
				t.Errorf("%s: the calendar's version asked %d times within store.CalendarTrust", name, n)
			}
			if h := perRequestOf(stmts); len(h) > 0 {
				t.Errorf("%s: the session or the header read again:\n%s", name, strings.Join(h, "\n"))
			}
		}
	}
	if inReview == 0 {
		t.Fatal("no demo review in progress with a firm and a supervisor")
	}

	// Another unit: not found, after the review's scoped read alone.
	var own int64
	if err := s.DB.QueryRow("SELECT MIN(r.id) FROM reviews r JOIN users u ON u.org_id = r.unit_org_id WHERE u.username = 'jianshe'").Scan(&own); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/reviews/%d", own)
	get("jianshe2", path)
	status, stmts := get("jianshe2", path)
	if status != http.StatusNotFound {
		t.Fatalf("another unit's review page: %d, want 404", status)
	}
	if len(stmts) != 1 || countMatching(stmts, reviewPageLimits[0].re) != 1 {
		t.Errorf("another unit's 404 sent %d statements, want the review's read alone:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
}

func countMatching(stmts []string, re *regexp.Regexp) int {
	n := 0
	for _, q := range stmts {
		if re.MatchString(q) {
			n++
		}
	}
	return n
}
