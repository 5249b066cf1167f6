package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The working day of docs/performance.md ("Load model"): virtual users of
// five roles drive the HTML pages and the JSON API as a browser and a
// client would, each waiting an exponential think time (mean 10 s)
// between actions. The load is stepped up against one serve instance with
// 100,000 reviews loaded; capacity is the largest step whose pages and
// actions answer with p95 ≤ 300 ms, p99 ≤ 1 s and no errors.

const (
	loadReviews = 100000
	thinkMean   = 10 * time.Second
	capP95      = 300 * time.Millisecond
	capP99      = time.Second
)

// Request kinds. Exports and sign-ins are timed but kept out of the
// page-and-action percentiles: an export is a report that takes seconds
// by nature, a sign-in happens once a day per person.
const (
	kTodo       = "todo"
	kReviews    = "reviews"
	kReview     = "review"
	kDashboard  = "dashboard"
	kBulletin   = "bulletin"
	kAudit      = "audit"
	kUpload     = "upload"
	kTransition = "transition"
	kExport     = "export"
	kLogin      = "login"
)

func interactive(kind string) bool { return kind != kExport && kind != kLogin }

// role is one kind of virtual user: its share of the users, its sign-in
// and its mix of actions (weights).
type role struct {
	name     string
	username string
	share    float64
	mix      []weighted
}

type weighted struct {
	kind   string
	weight int
}

// The auditor is 等保's security auditor (安全审计员), one of the three
// separated administrative roles: a deployment has one or a few, a city
// at most one, so 1 % of the users at work (20 at 2,000) is generous. The
// auditor reviews the trail by period, and exports a week of it
// (auditExportPath).
var dayRoles = []role{
	{"construction unit", "jianshe", 0.44, []weighted{{kTodo, 35}, {kReviews, 25}, {kReview, 30}, {kUpload, 10}}},
	{"finance section", "caizheng", 0.10, []weighted{{kTodo, 25}, {kReviews, 25}, {kReview, 20}, {kDashboard, 15}, {kBulletin, 15}}},
	{"review center", "pingshen", 0.25, []weighted{{kTodo, 20}, {kReviews, 30}, {kReview, 25}, {kDashboard, 10}, {kTransition, 15}}},
	{"firm", "", 0.20, []weighted{{kTodo, 40}, {kReviews, 30}, {kReview, 30}}},
	{"auditor", "shenji", 0.01, []weighted{{kAudit, 90}, {kExport, 10}}},
}

// withoutKinds drops the comma-separated kinds from the roles' mixes (a
// diagnostic: how far the rest of the day would carry). The figures of
// such a run are not the table's.
func withoutKinds(roles []role, kinds string) []role {
	if kinds == "" {
		return roles
	}
	var out []role
	for _, r := range roles {
		var mix []weighted
		for _, w := range r.mix {
			if !strings.Contains(","+kinds+",", ","+w.kind+",") {
				mix = append(mix, w)
			}
		}
		if len(mix) > 0 {
			r.mix = mix
		}
		out = append(out, r)
	}
	return out
}

// pick draws a kind from the mix.
func (r role) pick(rnd *rand.Rand) string {
	total := 0
	for _, w := range r.mix {
		total += w.weight
	}
	n := rnd.Intn(total)
	for _, w := range r.mix {
		if n < w.weight {
			return w.kind
		}
		n -= w.weight
	}
	return r.mix[0].kind
}

// browser is one signed-in page session: its cookie and CSRF token.
type browser struct {
	cookie string
	csrf   string
	token  string // API token of the same user, for API actions
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// noRedirect answers redirects to the caller, as a browser's first hop.
func (h *harness) noRedirect() *http.Client {
	c := *h.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// signIn signs in through the sign-in form as a browser does: the form's
// pre-session CSRF token and cookie, then the session cookie and the
// token of the pages' forms.
func (h *harness) signIn(s *server, username string) (browser, error) {
	cl := h.noRedirect()
	resp, err := cl.Get(s.base + "/login")
	if err != nil {
		return browser{}, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		return browser{}, fmt.Errorf("sign-in form without _csrf")
	}
	var pre string
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_csrf" {
			pre = c.Value
		}
	}
	form := url.Values{"username": {username}, "password": {"Demo@2026"}, "_csrf": {string(m[1])}}
	req, _ := http.NewRequest("POST", s.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "finreview_csrf", Value: pre})
	resp, err = cl.Do(req)
	if err != nil {
		return browser{}, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return browser{}, fmt.Errorf("sign-in of %s: status %d", username, resp.StatusCode)
	}
	var b browser
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_session" {
			b.cookie = c.Value
		}
	}
	status, page, err := h.page(s, b, "/")
	if err != nil || status != 200 {
		return b, fmt.Errorf("home of %s: %d %v", username, status, err)
	}
	m = csrfInput.FindSubmatch(page)
	if m == nil {
		return b, fmt.Errorf("home page without _csrf")
	}
	b.csrf = string(m[1])
	b.token, err = h.token(s, username)
	return b, err
}

// page GETs a page with the session cookie and reads it whole.
func (h *harness) page(s *server, b browser, path string) (int, []byte, error) {
	req, err := http.NewRequest("GET", s.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.AddCookie(&http.Cookie{Name: "finreview_session", Value: b.cookie})
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// submissionForm streams a multipart upload of a signed and sealed
// submission: the form token first when csrf is given (as the review
// page's form sends it), then a PDF of size bytes named name.
func submissionForm(csrf, name string, size int64) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		if csrf != "" {
			mw.WriteField("_csrf", csrf)
		}
		mw.WriteField("category", "submission")
		mw.WriteField("signed_sealed", "true")
		part, err := mw.CreateFormFile("file", name)
		if err == nil {
			part.Write([]byte("%PDF-1.7\n"))
			_, err = io.Copy(part, newPattern(size-9))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

// uploadPage sends a file through the review page's upload form (the
// token as the form's first field, as the form does), not following the
// 303.
func (h *harness) uploadPage(cl *http.Client, s *server, b browser, reviewID int64, size int64) (int, error) {
	body, contentType := submissionForm(b.csrf, "送审资料.pdf", size)
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/reviews/%d/upload?back=review", s.base, reviewID), body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	req.AddCookie(&http.Cookie{Name: "finreview_session", Value: b.cookie})
	resp, err := cl.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// stepStats collects one step's latencies by kind.
type stepStats struct {
	mu     sync.Mutex
	lat    map[string][]time.Duration
	errors atomic.Int64
	first  atomic.Value // string: the first error, for the log
}

func (st *stepStats) add(kind string, d time.Duration) {
	st.mu.Lock()
	st.lat[kind] = append(st.lat[kind], d)
	st.mu.Unlock()
}

func (st *stepStats) fail(r role, kind string, status int, err error) {
	st.errors.Add(1)
	st.first.CompareAndSwap(nil, fmt.Sprintf("%s of %s: status %d %v", kind, r.name, status, err))
}

func (st *stepStats) interactive() []time.Duration {
	var all []time.Duration
	for k, ds := range st.lat {
		if interactive(k) {
			all = append(all, ds...)
		}
	}
	return all
}

// dayFixture is what the virtual users work on.
type dayFixture struct {
	reviews  []int64 // the demo unit's reviews: review pages
	drafts   []int64 // drafts of the unit: uploads
	inReview []int64 // reviews in review: suspend/resume, two per user
	// suspended says which of inReview are suspended now; it lasts from
	// step to step, as the reviews' states do.
	suspended []atomic.Bool
	firmUser  string
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchCapacity steps the day's load up against one instance on the
// single MariaDB with the province's 100,000 reviews, and reports the
// capacity and the pages' p95 at it.
func (h *harness) benchCapacity(ctx context.Context) ([]result, error) {
	return h.workingDay(ctx, loadReviews, 1, "")
}

// workingDay loads the province's data up to reviews, starts that many
// serve instances (instances) on the harness's database, steps the day's
// load up against them (each virtual user bound to one instance, in
// turn) and reports the capacity and the pages' p95 at it, the figures'
// names starting with prefix.
func (h *harness) workingDay(ctx context.Context, reviews, instances int, prefix string) ([]result, error) {
	if err := h.ensureReviews(ctx, reviews); err != nil {
		return nil, err
	}
	var fx dayFixture
	var err error
	fx.reviews, err = h.ids(ctx, `SELECT r.id FROM reviews r JOIN projects p ON p.unit_org_id = r.unit_org_id
		WHERE p.code = 'LH-2026-001' ORDER BY r.id`)
	if err != nil {
		return nil, err
	}
	steps := []int{50, 100, 250, 500, 1000, 2000, 3000}
	if v := os.Getenv("FINREVIEW_BENCH_LOAD_STEPS"); v != "" {
		steps = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return nil, fmt.Errorf("FINREVIEW_BENCH_LOAD_STEPS: %w", err)
			}
			steps = append(steps, n)
		}
	}
	stepDur := time.Duration(envInt("FINREVIEW_BENCH_LOAD_SECONDS", 40)) * time.Second
	roles := withoutKinds(dayRoles, os.Getenv("FINREVIEW_BENCH_LOAD_WITHOUT"))
	maxUsers := steps[len(steps)-1]
	if fx.drafts, err = h.reviewFixture(ctx, 200, "draft", "settlement", false); err != nil {
		return nil, err
	}
	if fx.inReview, err = h.reviewFixture(ctx, 2*maxUsers, "in_review", "settlement", true); err != nil {
		return nil, err
	}
	fx.suspended = make([]atomic.Bool, len(fx.inReview))
	if err := h.dayHistory(ctx, append(append([]int64(nil), fx.drafts...), fx.inReview...)); err != nil {
		return nil, err
	}
	if err := h.db.QueryRowContext(ctx, `SELECT username FROM users WHERE role = 'intermediary'
		AND org_id = (SELECT MIN(org_id) FROM firms) ORDER BY id LIMIT 1`).Scan(&fx.firmUser); err != nil {
		return nil, fmt.Errorf("firm user: %w", err)
	}
	var srvs []*server
	for i := range instances {
		pprofAddr, err := freePort()
		if err != nil {
			return nil, err
		}
		srv, err := h.start(ctx, "day-"+strconv.Itoa(i+1), "FINREVIEW_PPROF_ADDR="+pprofAddr)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		fmt.Fprintf(os.Stderr, "   serve pid %d on %s, pprof on http://%s/debug/pprof/\n", srv.cmd.Process.Pid, srv.base, pprofAddr)
		srvs = append(srvs, srv)
	}
	// Each role's user signs in once through the sign-in form, timed on
	// its own; each virtual user then gets a session of its own like that
	// one (personalSessions), as one person per browser, so no virtual
	// user rides on another's cached session. Sessions are rows in the
	// database, so a session signed in on one instance is as good on the
	// others.
	browsers := map[string][]browser{}
	var signins []time.Duration
	for _, r := range dayRoles {
		u := r.username
		if u == "" {
			u = fx.firmUser
		}
		t0 := time.Now()
		b, err := h.signIn(srvs[0], u)
		if err != nil {
			return nil, err
		}
		signins = append(signins, time.Since(t0))
		if browsers[r.name], err = h.personalSessions(ctx, b, int(math.Ceil(float64(maxUsers)*r.share))+len(dayRoles)); err != nil {
			return nil, err
		}
	}

	type stepResult struct {
		users int
		st    *stepStats
		ok    bool
		n     int
		p95   time.Duration
		p99   time.Duration
	}
	// A warm-up that is not counted: a fresh instance and a buffer pool
	// that last held the fixture's writes, not the pages' reads, answer
	// the first minute slower than the rest of the day.
	if warm := time.Duration(envInt("FINREVIEW_BENCH_LOAD_WARMUP", 30)) * time.Second; warm > 0 {
		users := min(steps[0], 500)
		st := &stepStats{lat: map[string][]time.Duration{}}
		h.runStep(ctx, srvs, roles, users, warm, fx, browsers, st)
		all := st.interactive()
		fmt.Fprintf(os.Stderr, "   warm-up %d users for %s (not counted): %d requests, p95 %.1f ms\n", users, warm, len(all), ms(percentile(all, 0.95)))
	}
	var done []stepResult
	for _, users := range steps {
		if ctx.Err() != nil {
			break
		}
		st := &stepStats{lat: map[string][]time.Duration{}}
		load1 := loadAvg()
		h.runStep(ctx, srvs, roles, users, stepDur, fx, browsers, st)
		all := st.interactive()
		r := stepResult{users: users, st: st, n: len(all), p95: percentile(all, 0.95), p99: percentile(all, 0.99)}
		r.ok = len(all) > 0 && st.errors.Load() == 0 && r.p95 <= capP95 && r.p99 <= capP99
		first, _ := st.first.Load().(string)
		fmt.Fprintf(os.Stderr, "   step %d users: %d requests (%.1f/s), p95 %.1f ms, p99 %.1f ms, %d errors %s; load average %s; pass %v\n",
			users, r.n, float64(r.n)/stepDur.Seconds(), ms(r.p95), ms(r.p99), st.errors.Load(), first, load1, r.ok)
		kinds := make([]string, 0, len(st.lat))
		for k := range st.lat {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			ds := st.lat[k]
			fmt.Fprintf(os.Stderr, "     %-10s n=%5d p50 %7.1f p95 %7.1f p99 %7.1f ms\n", k, len(ds), ms(percentile(ds, 0.5)), ms(percentile(ds, 0.95)), ms(percentile(ds, 0.99)))
		}
		done = append(done, r)
		if !r.ok {
			break
		}
	}
	if len(done) == 0 {
		return nil, fmt.Errorf("no step ran: %w", ctx.Err())
	}
	// The capacity is the largest passing step; the pages are reported at
	// it, or at the first step when none passed.
	capUsers := 0
	at := done[0]
	for _, r := range done {
		if r.ok {
			capUsers, at = r.users, r
		}
	}
	note := fmt.Sprintf("(%d instance(s), %d reviews, %s each step, steps %v, load average at end %s, sign-in %.0f ms)",
		instances, reviews, stepDur, steps, loadAvg(), ms(percentile(signins, 0.5)))
	out := []result{{prefix + "capacity_users", strconv.Itoa(capUsers), "users", note}}
	for _, k := range dayPages {
		ds := at.st.lat[k]
		out = append(out, result{prefix + "page_p95_ms_" + k, fmt.Sprintf("%.1f", ms(percentile(ds, 0.95))), "ms",
			fmt.Sprintf("(at %d users, %d requests)", at.users, len(ds))})
	}
	return out, nil
}

// dayPages are the pages whose p95 the working day reports.
var dayPages = []string{kTodo, kReviews, kReview, kDashboard, kBulletin}

// runStep runs users virtual users for dur, the i-th bound to server
// i mod len(srvs). Each waits a think time before its first action
// (firstWait), so the arrival rate is steady from the start.
func (h *harness) runStep(ctx context.Context, srvs []*server, roles []role, users int, dur time.Duration, fx dayFixture, browsers map[string][]browser, st *stepStats) {
	stopAt := time.Now().Add(dur)
	cl := h.noRedirect()
	var wg sync.WaitGroup
	assigned := 0
	for i, r := range roles {
		n := int(math.Round(float64(users) * r.share))
		if i == len(roles)-1 {
			n = users - assigned
		}
		for j := 0; j < n; j++ {
			vu := assigned + j
			b := browsers[r.name][j%len(browsers[r.name])]
			wg.Add(1)
			go func(r role, vu int) {
				defer wg.Done()
				rnd := rand.New(rand.NewSource(int64(vu)*7919 + time.Now().UnixNano()))
				h.virtualUser(ctx, cl, srvs[vu%len(srvs)], r, b, vu, rnd, stopAt, fx, st)
			}(r, vu)
		}
		assigned += n
	}
	wg.Wait()
}

func think(rnd *rand.Rand) time.Duration {
	return time.Duration(rnd.ExpFloat64() * float64(thinkMean))
}

// firstWait is how long a virtual user waits before its first action: a
// think time like the others. An exponential wait has no memory (a user
// who has thought for a while still has thinkMean to go on average), so
// users started so arrive at the steady rate, users ÷ thinkMean, from the
// step's first second. A start spread evenly over one thinkMean would add
// the early starters' next actions to the late starters' first ones, and
// the rate would climb to nearly twice the steady rate over the first
// thinkMean (TestFirstWaitKeepsTheRateSteady).
func firstWait(rnd *rand.Rand) time.Duration { return think(rnd) }

func (h *harness) virtualUser(ctx context.Context, cl *http.Client, srv *server, r role, b browser, vu int, rnd *rand.Rand, stopAt time.Time, fx dayFixture, st *stepStats) {
	wait := firstWait(rnd)
	states := []string{"in_review", "concluded", "archived", "delegated", "opinion_sent"}
	const maxActions = 1000
	for i := 0; i < maxActions; i++ {
		if time.Until(stopAt) < wait || ctx.Err() != nil {
			return
		}
		time.Sleep(wait)
		wait = think(rnd)
		kind := r.pick(rnd)
		var status int
		var err error
		want := 200
		t0 := time.Now()
		switch kind {
		case kTodo:
			status, _, err = h.page(srv, b, "/")
		case kReviews:
			path := fmt.Sprintf("/reviews?state=%s&page=%d", states[rnd.Intn(len(states))], 1+rnd.Intn(20))
			if rnd.Intn(3) == 0 {
				path = "/reviews"
			}
			status, _, err = h.page(srv, b, path)
		case kReview:
			id := fx.reviews[rnd.Intn(len(fx.reviews))]
			if r.name == "firm" {
				id = fx.inReview[rnd.Intn(len(fx.inReview))]
			}
			status, _, err = h.page(srv, b, "/reviews/"+strconv.FormatInt(id, 10))
		case kDashboard:
			status, _, err = h.page(srv, b, "/dashboard")
		case kBulletin:
			status, _, err = h.page(srv, b, "/bulletin")
		case kAudit:
			status, _, err = h.page(srv, b, "/audit")
		case kExport:
			status, _, err = h.page(srv, b, auditExportPath(time.Now()))
		case kUpload:
			// 256 KiB to 2 MiB: see docs/performance.md for why not 50 MiB.
			size := int64(256<<10) + rnd.Int63n(int64(2<<20-256<<10))
			want = http.StatusSeeOther
			status, err = h.uploadPage(cl, srv, b, fx.drafts[rnd.Intn(len(fx.drafts))], size)
		case kTransition:
			i := (2*vu + rnd.Intn(2)) % len(fx.inReview)
			id, suspended := fx.inReview[i], &fx.suspended[i]
			trig := "suspend"
			if suspended.Load() {
				trig = "resume"
			}
			body := map[string]any{"trigger": trig, "reason": "补充资料", "expected_workdays": 3}
			status, err = h.call(srv, b.token, "POST", "/api/v1/reviews/"+strconv.FormatInt(id, 10)+"/transitions", body, nil)
			if err == nil && status == 200 {
				suspended.Store(!suspended.Load())
			}
		}
		d := time.Since(t0)
		if err != nil || status != want {
			st.fail(r, kind, status, err)
			continue
		}
		st.add(kind, d)
	}
}

// auditExportPath is the auditor's export of the week to now: the audit
// log filtered to its last seven days, Beijing time. How long an export
// of 100,000 rows takes is the export step's figure.
func auditExportPath(now time.Time) string {
	from := now.In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -6).Format("2006-01-02")
	return "/audit/export.xlsx?from=" + from
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// benchExport exports the 100,000 reviews through the review list's
// export link on a fresh instance, sampling its resident memory.
func (h *harness) benchExport(ctx context.Context) ([]result, error) {
	if err := h.ensureReviews(ctx, loadReviews); err != nil {
		return nil, err
	}
	srv, err := h.start(ctx, "export")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	b, err := h.signIn(srv, "pingshen")
	if err != nil {
		return nil, err
	}
	before, err := srv.rssMiB()
	if err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	peak := make(chan float64)
	go func() {
		top := before
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				peak <- top
				return
			case <-t.C:
				if v, err := srv.rssMiB(); err == nil && v > top {
					top = v
				}
			}
		}
	}()
	load1 := loadAvg()
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.base+"/reviews.xlsx", nil)
	if err != nil {
		return nil, err
	}
	req.AddCookie(&http.Cookie{Name: "finreview_session", Value: b.cookie})
	resp, err := h.client.Do(req)
	var size int64
	if err == nil {
		size, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	elapsed := time.Since(t0)
	close(stop)
	top := <-peak
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("export: status %d", resp.StatusCode)
	}
	hwm, err := srv.peakRSSMiB()
	if err != nil {
		return nil, err
	}
	var rows int
	h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM reviews").Scan(&rows)
	growth := math.Max(top, hwm) - before
	return []result{
		{"excel_export_seconds", fmt.Sprintf("%.1f", elapsed.Seconds()), "s",
			fmt.Sprintf("(%d reviews, %.1f MiB file, load average %s before)", rows, float64(size)/(1<<20), load1)},
		{"excel_export_peak_rss_mib", fmt.Sprintf("%.1f", growth), "MiB",
			fmt.Sprintf("(growth over %.1f MiB before; peak VmRSS sampled %.1f MiB, VmHWM %.1f MiB)", before, top, hwm)},
	}, nil
}
