package notice_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finreview/internal/review/notice"
)

// /metrics shows per channel the outbox depth and the delivered, retried
// and dead messages, as the database holds them.
func TestCollectorCountsPerChannel(t *testing.T) {
	f := newFixture(t)
	g := newGateway(t)
	g.set(func(g *gateway) { g.fail = 1 })
	f.exec("UPDATE users SET sms_quiet = '' WHERE id = ?", f.user)
	f.notify(f.user, 2, "delegated")
	d := notice.NewDispatcher(notice.Options{Store: f.s, Now: f.clock(), SMS: smsFor(g), Backoff: time.Minute})
	ctx := context.Background()
	d.RunOnce(ctx)
	reg := prometheus.NewRegistry()
	reg.MustRegister(notice.NewCollector(f.s))
	if got := gather(t, reg)["outbox_depth/sms"]; got != 1 {
		t.Fatalf("depth after a failure = %v, want 1", got)
	}
	f.now = f.now.Add(2 * time.Minute)
	d.RunOnce(ctx)
	g.set(func(g *gateway) { g.refuse = true })
	f.notify(f.user, 1, "returned")
	d.RunOnce(ctx)
	m := gather(t, reg)
	want := map[string]float64{"outbox_depth/sms": 0, "delivered/sms": 2, "retried/sms": 1, "dead/sms": 1, "delivered/in_app": 3, "dead/email": 0}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
}

func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[mf.GetName()[len("finreview_notice_"):]+"/"+m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out
}
