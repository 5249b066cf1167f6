package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// benchCluster measures the transitions per second that two instances on
// the Galera cluster (`make cluster`: SQL through HAProxy on :3310, S3 on
// :9010) sustain, against one instance on the single MariaDB in the same
// run, and reports the failover figures of the cluster failure runs
// (internal/chaos, -tags cluster), which `make bench` runs first and which
// leave their BENCH lines in FINREVIEW_CLUSTER_REPORT.
func (h *harness) benchCluster(ctx context.Context) ([]result, error) {
	single, err := h.start(ctx, "cluster-single")
	if err != nil {
		return nil, err
	}
	rate1, err := transitionRate(ctx, h, []*server{single})
	single.stop()
	if err != nil {
		return nil, err
	}

	c, err := newHarnessOn(ctx, env("FINREVIEW_BENCH_CLUSTER_DSN", "root@tcp(127.0.0.1:3310)/?parseTime=true&loc=Asia%2FShanghai"),
		env("FINREVIEW_BENCH_CLUSTER_S3", "127.0.0.1:9010"))
	if err != nil {
		return nil, fmt.Errorf("the cluster (make cluster): %w", err)
	}
	defer c.close()
	var two []*server
	for i := range 2 {
		s, err := c.start(ctx, "cluster-"+strconv.Itoa(i+1))
		if err != nil {
			return nil, err
		}
		two = append(two, s)
	}
	rate2, err := transitionRate(ctx, c, two)
	if err != nil {
		return nil, err
	}
	out := []result{{name: "cluster_transition_ratio", value: fmt.Sprintf("%.2f", rate2/rate1), unit: "ratio",
		note: fmt.Sprintf("(%.0f/s through two instances on the cluster, %.0f/s through one on the single server)", rate2, rate1)}}

	if f := os.Getenv("FINREVIEW_CLUSTER_REPORT"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("cluster failure report: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 4 && f[0] == "BENCH" {
				out = append(out, result{name: f[1], value: f[2], unit: f[3]})
			}
		}
	}
	return out, nil
}

// transitionRate runs suspend/resume transitions from 32 clients spread
// over servers for six seconds and returns the acknowledged ones per second.
func transitionRate(ctx context.Context, h *harness, servers []*server) (float64, error) {
	const clients, perClient = 32, 8
	ids, err := h.reviewFixture(ctx, clients*perClient, "in_review", "settlement", true)
	if err != nil {
		return 0, err
	}
	var toks []string
	for _, s := range servers {
		tok, err := h.token(s, "pingshen")
		if err != nil {
			return 0, err
		}
		toks = append(toks, tok)
	}
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stopAt := start.Add(6 * time.Second)
	for c := range clients {
		wg.Add(1)
		go func(own []int64) {
			defer wg.Done()
			trig := []string{"suspend", "resume"}
			for i := 0; time.Now().Before(stopAt); i++ {
				id := own[(i/2)%len(own)]
				k := (c + i) % len(servers)
				body := map[string]any{"trigger": trig[i%2], "reason": "基准测试", "expected_workdays": 3}
				status, err := h.call(servers[k], toks[k], "POST", "/api/v1/reviews/"+strconv.FormatInt(id, 10)+"/transitions", body, nil)
				if err != nil || status != 200 {
					failed.Add(1)
					continue
				}
				ok.Add(1)
			}
		}(ids[c*perClient : (c+1)*perClient])
	}
	wg.Wait()
	if ok.Load() == 0 {
		return 0, fmt.Errorf("no transition succeeded (%d failed)", failed.Load())
	}
	return float64(ok.Load()) / time.Since(start).Seconds(), nil
}
