package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
)

const uploadSize = 1 << 30

// pattern is a cheap endless reader of pseudo-random bytes (not all zero,
// so nothing on the way can compress it away).
type pattern struct {
	block []byte
	off   int
	left  int64
}

func newPattern(n int64) *pattern {
	b := make([]byte, 1<<20)
	rand.Read(b)
	return &pattern{block: b, left: n}
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := copy(b, p.block[p.off:])
	if int64(n) > p.left {
		n = int(p.left)
	}
	p.off = (p.off + n) % len(p.block)
	p.left -= int64(n)
	return n, nil
}

// reviewFixture inserts n reviews of the demo project in a state, with the
// fields a transition needs, straight into the bench database. They were
// created and submitted over the last 700 days; a concluded or archived
// one was concluded 45 days after (today at the latest), so the
// dashboard's and the bulletin's sums find them in their periods.
func (h *harness) reviewFixture(ctx context.Context, n int, state, kind string, firm bool) ([]int64, error) {
	var maxID int64
	if err := h.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id),0) FROM reviews").Scan(&maxID); err != nil {
		return nil, err
	}
	firmExpr := "NULL"
	if firm {
		firmExpr = "(SELECT MIN(org_id) FROM firms)"
	}
	// Times come from here, in the driver's zone (Asia/Shanghai): the
	// database's NOW() is in its own zone, which need not be the same.
	now := time.Now()
	const created = "? - INTERVAL (s.seq % 700) DAY"
	concluded, args := "NULL", []any{now, now}
	if state == "concluded" || state == "archived" {
		concluded, args = "LEAST("+created+" + INTERVAL 45 DAY, ?)", append(args, now, now)
	}
	args = append(args, now, now)
	q := fmt.Sprintf(`INSERT INTO reviews (project_id, kind, state, version, round, jurisdiction_id, unit_org_id, submitted_amount,
		audited_amount, firm_id, outcome, delegated_at, submitted_at, concluded_at, created_at, updated_at)
		SELECT p.id, '%s', '%s', 1, 1, p.jurisdiction_id, p.unit_org_id, 1000000 + s.seq * 37.25, 950000 + s.seq * 31.5,
		  %s, 'normal', ?, %s, %s, %s, ?
		FROM seq_1_to_%d s JOIN projects p ON p.code = 'LH-2026-001'`, kind, state, firmExpr, created, concluded, created, n)
	if _, err := h.db.ExecContext(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	return h.ids(ctx, "SELECT id FROM reviews WHERE id > ? ORDER BY id", maxID)
}

// benchUpload sends 1 GiB through the API and the same through minio-go
// directly, and reads the server's peak RSS during the upload.
func (h *harness) benchUpload(ctx context.Context) ([]result, error) {
	srv, err := h.start(ctx, "upload")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ids, err := h.reviewFixture(ctx, 1, "draft", "settlement", false)
	if err != nil {
		return nil, err
	}
	tok, err := h.token(srv, "jianshe")
	if err != nil {
		return nil, err
	}

	// Baseline: minio-go straight to MinIO, known size.
	start := time.Now()
	if _, err := h.objects.Client.PutObject(ctx, h.objects.Bucket, "bench/direct", newPattern(uploadSize), uploadSize,
		minio.PutObjectOptions{ContentType: "application/pdf", PartSize: 16 << 20}); err != nil {
		return nil, err
	}
	direct := time.Since(start)
	h.objects.Delete(ctx, "bench/direct")

	idle, err := srv.peakRSSMiB()
	if err != nil {
		return nil, err
	}
	form, contentType := submissionForm("", "bench-1GiB.pdf", uploadSize)
	req, err := http.NewRequestWithContext(ctx, "POST", srv.base+"/api/v1/reviews/"+strconv.FormatInt(ids[0], 10)+"/documents", form)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+tok)
	start = time.Now()
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	viaAPI := time.Since(start)
	if resp.StatusCode != 201 {
		return nil, fmt.Errorf("upload: %d %s", resp.StatusCode, body)
	}
	rss, err := srv.peakRSSMiB()
	if err != nil {
		return nil, err
	}
	ratio := direct.Seconds() / viaAPI.Seconds()
	return []result{
		{"upload_throughput_ratio", fmt.Sprintf("%.2f", ratio), "ratio", fmt.Sprintf("(api %.1f MiB/s, minio-go %.1f MiB/s)", 1024/viaAPI.Seconds(), 1024/direct.Seconds())},
		{"upload_peak_rss_mib", fmt.Sprintf("%.1f", rss), "MiB", fmt.Sprintf("(idle before upload %.1f MiB)", idle)},
	}, nil
}

// benchTransitions runs 32 clients, each suspending and resuming reviews
// of its own through the API, and reports the p99 latency. Each client works through 16 reviews in turn, so that a
// review's timeline stays the length of a real one (tens of events, not the
// hundreds one review would collect from a client alone).
func (h *harness) benchTransitions(ctx context.Context) ([]result, error) {
	srv, err := h.start(ctx, "transitions")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	const clients, perClient = 32, 16
	ids, err := h.reviewFixture(ctx, clients*perClient, "in_review", "settlement", true)
	if err != nil {
		return nil, err
	}
	tok, err := h.token(srv, "pingshen")
	if err != nil {
		return nil, err
	}
	dur := 8 * time.Second
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stopAt := start.Add(dur)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(own []int64) {
			defer wg.Done()
			trig := []string{"suspend", "resume"}
			for i := 0; time.Now().Before(stopAt) && i < 5000; i++ {
				id := own[(i/2)%len(own)]
				body := map[string]any{"trigger": trig[i%2], "reason": "基准测试", "expected_workdays": 3}
				t0 := time.Now()
				status, err := h.call(srv, tok, "POST", "/api/v1/reviews/"+strconv.FormatInt(id, 10)+"/transitions", body, nil)
				d := time.Since(t0)
				if err != nil || status != 200 {
					failed.Add(1)
					continue
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}(ids[c*perClient : (c+1)*perClient])
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return nil, fmt.Errorf("no transition succeeded (%d failed); see %s", failed.Load(), srv.log.Name())
	}
	apiRate := float64(len(lat)) / elapsed.Seconds()

	p99 := percentile(lat, 0.99)
	return []result{
		{"transition_p99_ms", fmt.Sprintf("%.1f", ms(p99)), "ms", fmt.Sprintf("(%d transitions, %.0f/s, %d refused; p50 %.1f ms, p90 %.1f ms, max %.1f ms)",
			len(lat), apiRate, failed.Load(), ms(percentile(lat, 0.5)), ms(percentile(lat, 0.9)), ms(percentile(lat, 1)))},
	}, nil
}

// benchReviewList loads 100,000 reviews and measures a filtered, paged list.
func (h *harness) benchReviewList(ctx context.Context) ([]result, error) {
	states := []string{"in_review", "concluded", "archived", "delegated", "opinion_sent"}
	kinds := []string{"settlement", "budget", "final_accounts", "change"}
	for i := 0; i < 20; i++ {
		if _, err := h.reviewFixture(ctx, 5000, states[i%len(states)], kinds[i%len(kinds)], i%2 == 0); err != nil {
			return nil, err
		}
	}
	if _, err := h.db.ExecContext(ctx, "ANALYZE TABLE reviews"); err != nil {
		return nil, err
	}
	srv, err := h.start(ctx, "list")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	tok, err := h.token(srv, "pingshen")
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				path := fmt.Sprintf("/api/v1/reviews?state=%s&kind=%s&page=%d&per_page=20", states[(c+i)%len(states)], kinds[i%len(kinds)], 1+(i*7)%50)
				t0 := time.Now()
				status, err := h.call(srv, tok, "GET", path, nil, nil)
				d := time.Since(t0)
				if err == nil && status == 200 {
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}
		}(c)
	}
	wg.Wait()
	if len(lat) == 0 {
		return nil, fmt.Errorf("no list request succeeded")
	}
	var total int
	h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM reviews").Scan(&total)
	return []result{{"review_list_p95_ms", fmt.Sprintf("%.1f", float64(percentile(lat, 0.95).Microseconds())/1000),
		"ms", fmt.Sprintf("(%d requests, %d reviews loaded)", len(lat), total)}}, nil
}

// benchDeadlines makes 10,000 opinion-letter deadlines due at once and
// times two serve instances firing them; duplicates are reviews that got
// deemed_agreed more than once.
func (h *harness) benchDeadlines(ctx context.Context) ([]result, error) {
	const n = 10000
	ids, err := h.reviewFixture(ctx, n, "opinion_sent", "settlement", true)
	if err != nil {
		return nil, err
	}
	if _, err := h.db.ExecContext(ctx, `INSERT INTO deadlines (review_id, kind, due_at, workdays, state, created_at)
		SELECT id, 'opinion', ?, 5, 'pending', ? FROM reviews WHERE id BETWEEN ? AND ?`, time.Now().AddDate(1, 0, 0), time.Now(), ids[0], ids[len(ids)-1]); err != nil {
		return nil, err
	}
	a, err := h.start(ctx, "deadline-a", "FINREVIEW_DEADLINE_INTERVAL=200ms")
	if err != nil {
		return nil, err
	}
	defer a.stop()
	b, err := h.start(ctx, "deadline-b", "FINREVIEW_DEADLINE_INTERVAL=200ms")
	if err != nil {
		return nil, err
	}
	defer b.stop()
	start := time.Now()
	if _, err := h.db.ExecContext(ctx, "UPDATE deadlines SET due_at = ? WHERE review_id BETWEEN ? AND ? AND state = 'pending'", start.Add(-time.Minute), ids[0], ids[len(ids)-1]); err != nil {
		return nil, err
	}
	var left int
	for time.Since(start) < 5*time.Minute {
		if err := h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deadlines WHERE review_id BETWEEN ? AND ? AND state = 'pending'", ids[0], ids[len(ids)-1]).Scan(&left); err != nil {
			return nil, err
		}
		if left == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if left != 0 {
		return nil, fmt.Errorf("%d deadlines still pending after %s", left, elapsed)
	}
	var dups, fired, byA, byB int
	h.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT review_id FROM review_events WHERE trig = 'deem_agreed' AND review_id BETWEEN ? AND ?
		GROUP BY review_id HAVING COUNT(*) > 1) d`, ids[0], ids[len(ids)-1]).Scan(&dups)
	h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deadlines WHERE review_id BETWEEN ? AND ? AND state = 'fired'", ids[0], ids[len(ids)-1]).Scan(&fired)
	h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deadlines WHERE review_id BETWEEN ? AND ? AND fired_by = 'bench-deadline-a'", ids[0], ids[len(ids)-1]).Scan(&byA)
	h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deadlines WHERE review_id BETWEEN ? AND ? AND fired_by = 'bench-deadline-b'", ids[0], ids[len(ids)-1]).Scan(&byB)
	return []result{
		{"deadlines_fire_seconds", fmt.Sprintf("%.2f", elapsed.Seconds()), "s", fmt.Sprintf("(%d fired: %d by instance a, %d by b)", fired, byA, byB)},
		{"deadlines_duplicates", strconv.Itoa(dups), "deadlines", ""},
	}, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
