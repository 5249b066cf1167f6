package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
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

	c, err := newClusterHarness(ctx)
	if err != nil {
		return nil, err
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

// newClusterHarness sets up the bench database and bucket on the Galera
// cluster, through HAProxy.
func newClusterHarness(ctx context.Context) (*harness, error) {
	c, err := newHarnessOn(ctx, env("FINREVIEW_BENCH_CLUSTER_DSN", "root@tcp(127.0.0.1:3310)/?parseTime=true&loc=Asia%2FShanghai"),
		env("FINREVIEW_BENCH_CLUSTER_S3", "127.0.0.1:9010"))
	if err != nil {
		return nil, fmt.Errorf("the cluster (make cluster): %w", err)
	}
	return c, nil
}

// clusterReviews is the province's size for the working day on the
// cluster (FINREVIEW_BENCH_CLUSTER_REVIEWS): every row is certified and
// applied on three nodes of this one host, and 50,000 reviews keep the
// step to about eleven minutes of `make bench` at the most
// (docs/performance.md, "The working day on the cluster").
const clusterReviews = 50000

// benchCapacityCluster runs the working day of benchCapacity against two
// instances on the Galera cluster, each virtual user bound to one of
// them in turn. The province is written straight to one node (see
// onNode); the instances and the rest of the step go through HAProxy.
// The single instance's figures of the same run, when the capacity step
// ran, go beside the cluster's in the notes.
func benchCapacityCluster(ctx context.Context, earlier []result) ([]result, error) {
	c, err := newClusterHarness(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	reviews := envInt("FINREVIEW_BENCH_CLUSTER_REVIEWS", clusterReviews)
	node, err := c.onNode(env("FINREVIEW_BENCH_CLUSTER_NODE_DSN", "root@tcp(127.0.0.1:3311)/?parseTime=true&loc=Asia%2FShanghai"))
	if err != nil {
		return nil, err
	}
	err = node.ensureReviews(ctx, reviews)
	node.close()
	if err != nil {
		return nil, fmt.Errorf("the province written to one node (FINREVIEW_BENCH_CLUSTER_NODE_DSN): %w", err)
	}
	// HAProxy takes the nodes back after two good checks in a row.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(500 * time.Millisecond) {
		var one int
		err := c.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("the cluster through HAProxy after the fixture: %w", err)
		}
	}
	out, err := c.workingDay(ctx, reviews, 2, "cluster_")
	if err != nil {
		return nil, err
	}
	return besideSingle(out, earlier), nil
}

// besideSingle adds to the note of each cluster_ figure the same figure
// of the single instance, when an earlier step of the run reported it.
func besideSingle(cluster, earlier []result) []result {
	single := map[string]result{}
	for _, r := range earlier {
		single[r.name] = r
	}
	out := append([]result(nil), cluster...)
	for i, r := range out {
		name, ok := strings.CutPrefix(r.name, "cluster_")
		if s, found := single[name]; ok && found {
			out[i].note += fmt.Sprintf("; one instance on the single server in this run: %s %s %s", s.value, s.unit, s.note)
		}
	}
	return out
}

// onNode is a copy of the harness whose own statements go to the one
// node of nodeDSN rather than through HAProxy. A large fixture drops
// indexes and builds them again; on Galera that DDL runs on every node at
// once (total order) and holds each node's status query past HAProxy's
// health check, so HAProxy marks all three down and cuts every session
// through it, the writer's among them.
func (h *harness) onNode(nodeDSN string) (*harness, error) {
	cfg, err := mysql.ParseDSN(nodeDSN)
	if err != nil {
		return nil, fmt.Errorf("FINREVIEW_BENCH_CLUSTER_NODE_DSN: %w", err)
	}
	via, err := mysql.ParseDSN(h.dsn)
	if err != nil {
		return nil, err
	}
	cfg.DBName = via.DBName
	cfg.InterpolateParams = true
	n := *h
	n.servers = nil
	n.dsn = cfg.FormatDSN()
	if n.db, err = sql.Open("mysql", n.dsn); err != nil {
		return nil, err
	}
	n.db.SetMaxOpenConns(64)
	n.db.SetMaxIdleConns(64)
	return &n, nil
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
