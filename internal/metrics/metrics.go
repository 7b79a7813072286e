// Package metrics holds hookd's Prometheus instruments, in a registry of its own.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the instruments hookd updates as it works.
type Metrics struct {
	Registry       *prometheus.Registry
	EventsAccepted prometheus.Counter
	Deliveries     *prometheus.CounterVec // by outcome: delivered, retrying, failed
	Attempts       *prometheus.CounterVec // by cause: ok, http, timeout, connection, tls, blocked
	AttemptLatency prometheus.Histogram
	InFlight       prometheus.Gauge
	APIRequests    *prometheus.CounterVec // by route pattern and status code
}

// New registers every instrument. queueDepth is read at scrape time.
func New(queueDepth func(context.Context) (int64, error)) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		EventsAccepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookd_events_accepted_total", Help: "Events committed and acknowledged with 202.",
		}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_deliveries_total", Help: "Delivery attempts by the state they left the delivery in.",
		}, []string{"outcome"}),
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_attempts_total", Help: "Delivery attempts by cause (ok for a 2xx).",
		}, []string{"cause"}),
		AttemptLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hookd_attempt_duration_seconds", Help: "Time from request to response of delivery attempts.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30},
		}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hookd_deliveries_in_flight", Help: "Delivery requests being sent now.",
		}),
		APIRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_api_requests_total", Help: "API requests by route and status code.",
		}, []string{"route", "code"}),
	}
	reg.MustRegister(m.EventsAccepted, m.Deliveries, m.Attempts, m.AttemptLatency, m.InFlight, m.APIRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if queueDepth != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hookd_queue_depth", Help: "Deliveries not yet delivered or failed.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := queueDepth(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
