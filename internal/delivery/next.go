package delivery

import (
	"net/http"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Next decides what happens to a delivery after an attempt: delivered on a 2xx, failed on
// 410 Gone or once the schedule is spent, otherwise retrying at the next scheduled time.
func Next(j store.Job, r Result, now time.Time) store.Outcome {
	o := store.Outcome{Job: j, Attempt: r.Attempt}
	switch {
	case r.Attempt.Succeeded():
		o.Status = webhook.StatusDelivered
	case r.Attempt.StatusCode == http.StatusGone:
		o.Status = webhook.StatusFailed
	default:
		if at, ok := webhook.NextRetryAt(now, r.Attempt.Number, j.Webhook.Schedule(), r.RetryAfter); ok {
			o.Status, o.NextAt = webhook.StatusRetrying, &at
		} else {
			o.Status = webhook.StatusFailed
		}
	}
	return o
}
