package notice

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finreview/internal/store"
)

// Collector reports the outbox per channel to /metrics, read from the
// database at each scrape, so every instance shows the same figures.
type Collector struct {
	st                              *store.Store
	depth, delivered, retried, dead *prometheus.Desc
}

// NewCollector builds the collector.
func NewCollector(st *store.Store) *Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("finreview_notice_"+name, help, []string{"channel"}, nil)
	}
	return &Collector{st: st,
		depth:     d("outbox_depth", "Messages waiting to be sent (pending or being sent)."),
		delivered: d("delivered", "Messages delivered."),
		retried:   d("retried", "Messages that took more than one attempt."),
		dead:      d("dead", "Undeliverable messages in the dead-letter list."),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.delivered
	ch <- c.retried
	ch <- c.dead
}

// Collect implements prometheus.Collector; a database that does not answer
// leaves the figures out of the scrape.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	counts, err := ChannelCounts(ctx, c.st)
	if err != nil {
		return
	}
	for _, x := range counts {
		l := string(x.Channel)
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(x.Depth), l)
		ch <- prometheus.MustNewConstMetric(c.delivered, prometheus.GaugeValue, float64(x.Delivered), l)
		ch <- prometheus.MustNewConstMetric(c.retried, prometheus.GaugeValue, float64(x.Retried), l)
		ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(x.Dead), l)
	}
}
