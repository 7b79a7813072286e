package server

import (
	"context"
	"net/http"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Seed 002's events_limit: 1–50, default 10.
const (
	defaultEventsLimit = 10
	maxEventsLimit     = 50
)

// recentEventsParams reads include_events and events_limit; 0 means recent_events was not asked for.
func recentEventsParams(r *http.Request) (int, error) {
	q := r.URL.Query()
	include := false
	switch v := q.Get("include_events"); v {
	case "", "false":
	case "true":
		include = true
	default:
		return 0, webhook.Errorf(webhook.EInvalid, "include_events must be true or false, got %q", v)
	}
	limit, err := intParam(r, "events_limit", defaultEventsLimit, 1, maxEventsLimit)
	if err != nil || !include {
		return 0, err
	}
	return limit, nil
}

// recentEventJSON is seed 002's Recent Event Object: one delivery of an event to the webhook.
// Fields without a value yet (no attempt made) are null.
type recentEventJSON struct {
	ID             string    `json:"id"`
	EventID        string    `json:"event_id"`
	EventType      string    `json:"event_type"`
	DeliveryStatus string    `json:"delivery_status"`
	ResponseCode   *int      `json:"response_code"`
	ResponseTime   *float64  `json:"response_time"`
	ErrorMessage   *string   `json:"error_message"`
	CreatedAt      jsonTime  `json:"created_at"`
	DeliveredAt    *jsonTime `json:"delivered_at"`
	RetryCount     int       `json:"retry_count"`
	NextAttemptAt  *jsonTime `json:"next_attempt_at"`
}

func toRecentEvent(d *webhook.Delivery) recentEventJSON {
	// delivered, failed or pending, as the webhook's counters count it: a delivery retrying
	// after a failed attempt is failed, with its next attempt beside it.
	out := recentEventJSON{ID: d.ID, EventID: d.EventID, EventType: d.EventType, DeliveryStatus: d.Outcome(),
		CreatedAt: jsonTime(d.CreatedAt), DeliveredAt: optTime(d.LastAt), RetryCount: max(d.Attempts-1, 0)}
	if d.Status == webhook.StatusPending || d.Status == webhook.StatusRetrying {
		out.NextAttemptAt = optTime(d.NextAt)
	}
	if d.Attempts > 0 {
		if d.ResponseCode > 0 {
			code := d.ResponseCode
			out.ResponseCode = &code
		}
		rt := round2(d.ResponseMS)
		out.ResponseTime = &rt
	}
	if d.LastError != "" {
		msg := d.LastError
		out.ErrorMessage = &msg
	}
	return out
}

// recentEvents returns the webhook's last n deliveries, newest first.
func (s *Server) recentEvents(ctx context.Context, hook *webhook.Webhook, n int) ([]recentEventJSON, error) {
	ds, err := s.store.ListMessages(ctx, hook.AppID, hook.ID, store.MessageFilter{Limit: n})
	if err != nil {
		return nil, err
	}
	out := make([]recentEventJSON, len(ds))
	for i := range ds {
		out[i] = toRecentEvent(&ds[i])
	}
	return out, nil
}

// Stats series limits: hourly buckets for spans up to 7 days, daily beyond, at most a year.
const (
	maxHourlySpan = 7 * 24 * time.Hour
	maxStatsSpan  = 366 * 24 * time.Hour
	defaultSpan   = 24 * time.Hour
)

type statsPointJSON struct {
	Timestamp            jsonTime `json:"timestamp"`
	Events               int64    `json:"events"`
	SuccessfulDeliveries int64    `json:"successful_deliveries"`
	FailedDeliveries     int64    `json:"failed_deliveries"`
	Attempts             int64    `json:"attempts"`
	FailedAttempts       int64    `json:"failed_attempts"`
	SuccessRate          *float64 `json:"success_rate"`
	AverageResponseTime  *float64 `json:"average_response_time"`
}

type statsSeriesJSON struct {
	WebhookID   string           `json:"webhook_id"`
	Granularity string           `json:"granularity"`
	Since       jsonTime         `json:"since"`
	Until       jsonTime         `json:"until"`
	Totals      statsPointJSON   `json:"totals"`
	Series      []statsPointJSON `json:"series"`
}

// statsWindow reads since, until and granularity.
func statsWindow(r *http.Request, now time.Time) (since, until time.Time, step time.Duration, err error) {
	q := r.URL.Query()
	until = now
	if v := q.Get("until"); v != "" {
		if until, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return since, until, 0, webhook.Errorf(webhook.EInvalid, "until must be an ISO 8601 time such as 2024-03-20T12:00:00Z, got %q", v)
		}
	}
	since = until.Add(-defaultSpan)
	if v := q.Get("since"); v != "" {
		if since, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return since, until, 0, webhook.Errorf(webhook.EInvalid, "since must be an ISO 8601 time such as 2024-03-20T12:00:00Z, got %q", v)
		}
	}
	since, until = since.UTC(), until.UTC()
	span := until.Sub(since)
	if span <= 0 {
		return since, until, 0, webhook.Errorf(webhook.EInvalid, "since must be before until")
	}
	if span > maxStatsSpan {
		return since, until, 0, webhook.Errorf(webhook.EInvalid, "since and until may be at most 366 days apart")
	}
	switch g := q.Get("granularity"); g {
	case "":
		step = time.Hour
		if span.Truncate(time.Hour) > maxHourlySpan {
			step = 24 * time.Hour
		}
	case "hour":
		// Whole hours: "the last 7 days" asked a few milliseconds after its since was taken is 7 days.
		if span.Truncate(time.Hour) > maxHourlySpan {
			return since, until, 0, webhook.Errorf(webhook.EInvalid, "granularity hour covers at most 7 days; use day")
		}
		step = time.Hour
	case "day":
		step = 24 * time.Hour
	default:
		return since, until, 0, webhook.Errorf(webhook.EInvalid, "granularity must be hour or day, got %q", g)
	}
	// Whole buckets: since rounds down, until rounds up.
	since = since.Truncate(step)
	if t := until.Truncate(step); t.Before(until) {
		until = t.Add(step)
	}
	return since, until, step, nil
}

// webhookStats sums the hourly rollups into buckets of step; empty buckets are zeros.
func webhookStats(hook *webhook.Webhook, rollups []store.Rollup, since, until time.Time, step time.Duration) statsSeriesJSON {
	out := statsSeriesJSON{WebhookID: hook.ID, Granularity: "hour", Since: jsonTime(since), Until: jsonTime(until), Series: []statsPointJSON{}}
	if step > time.Hour {
		out.Granularity = "day"
	}
	n := int(until.Sub(since) / step)
	buckets := make([]store.Rollup, n)
	var total store.Rollup
	for _, r := range rollups {
		i := int(r.Hour.Sub(since) / step)
		if i < 0 || i >= n {
			continue
		}
		buckets[i].Add(r)
		total.Add(r)
	}
	point := func(at time.Time, r store.Rollup) statsPointJSON {
		p := statsPointJSON{Timestamp: jsonTime(at), Events: r.Events, SuccessfulDeliveries: r.Delivered, FailedDeliveries: r.Failed,
			Attempts: r.Attempts, FailedAttempts: r.Failures}
		if final := r.Delivered + r.Failed; final > 0 {
			v := round2(float64(r.Delivered) / float64(final) * 100)
			p.SuccessRate = &v
		}
		if r.RTCount > 0 {
			v := round2(r.RTSumMS / float64(r.RTCount))
			p.AverageResponseTime = &v
		}
		return p
	}
	for i, b := range buckets {
		out.Series = append(out.Series, point(since.Add(time.Duration(i)*step), b))
	}
	out.Totals = point(since, total)
	return out
}

func (s *Server) handleWebhookStats(w http.ResponseWriter, r *http.Request) {
	since, until, step, err := statsWindow(r, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rollups, err := s.store.Rollups(r.Context(), hook.ID, since, until)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, webhookStats(hook, rollups, since, until, step))
}
