package sqlstore

import (
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// tallied is what a batch of outcomes changes, decided in Go before anything is written.
type tallied struct {
	counts    counts             // per webhook and hour: attempts in the hour they were made, deliveries in their event's
	health    map[string]*health // per webhook, its attempts in order
	lines     map[string]lineEnd // ordered webhooks whose head ended
	exhausted []store.Outcome    // deliveries that failed for good (for the delivery.exhausted notice)
}

// tally sums up a Complete batch. moved says which outcomes still held their lease; the
// others move nothing. A delivery counts by its latest attempt: it moves from how it counted
// (Job.Counted) to delivered or failed, in the rollup of the hour its event was made.
func tally(outcomes []store.Outcome, moved []bool) tallied {
	t := tallied{counts: counts{}, health: map[string]*health{}, lines: map[string]lineEnd{}}
	for i, o := range outcomes {
		if !moved[i] {
			continue // the lease was lost: the attempt is kept, the delivery is someone else's now
		}
		a := o.Attempt
		d := t.counts.at(a.WebhookID, hourOf(a.CreatedAt))
		d.Attempts++
		standing := webhook.StatusFailed
		if a.Succeeded() {
			d.Successes++
			standing = webhook.StatusDelivered
		} else {
			d.Failures++
		}
		if a.StatusCode > 0 {
			d.RTSumMS += a.DurationMS
			d.RTCount++
		}
		d.last = max(d.last, ms(a.CreatedAt))
		if o.NextAt == nil {
			d.finished++
			if !a.Succeeded() && !webhook.IsOperational(o.Job.Event.Type) {
				t.exhausted = append(t.exhausted, o)
			}
		}
		if o.Job.Counted != standing {
			e := t.counts.at(a.WebhookID, hourOf(o.Job.Event.CreatedAt))
			for _, move := range []struct {
				status string
				by     int64
			}{{o.Job.Counted, -1}, {standing, 1}} {
				switch move.status {
				case webhook.StatusDelivered:
					e.Delivered += move.by
				case webhook.StatusFailed:
					e.Failed += move.by
				}
			}
		}
		h := t.health[a.WebhookID]
		if h == nil {
			h = &health{}
			t.health[a.WebhookID] = h
		}
		h.add(a)
		if o.NextAt == nil && o.Job.Webhook != nil && o.Job.Webhook.Ordered {
			end, ok := t.lines[a.WebhookID]
			if !ok || o.Job.DeliveryID < end.after {
				end.after = o.Job.DeliveryID
			}
			end.at = max(end.at, ms(a.CreatedAt))
			t.lines[a.WebhookID] = end
		}
	}
	return t
}
