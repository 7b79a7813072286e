package store

import (
	"context"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// Control holds the store methods for delivery control: manual retry, test events, recover
// jobs and the circuit breaker. The breaker, throttle and ordered line themselves are applied
// inside Claim and Complete, on state kept in the webhook row, so several instances agree.
type Control interface {
	// RetryDelivery makes the delivery of event eventID to webhook webhookID due at now, as a
	// manual attempt that skips the breaker and the ordered line. A delivered or failed
	// delivery re-enters pending, and its counter and rollup move back with it.
	RetryDelivery(ctx context.Context, appID, webhookID, eventID string, now time.Time) (*webhook.Delivery, error)
	// CreateTestEvent commits ev (of type webhook.test if it has none) with one delivery, to w
	// only, due at now: a test, or an example of a type. ev's AppID is w's.
	CreateTestEvent(ctx context.Context, w *webhook.Webhook, ev NewEvent, now time.Time) (*webhook.Event, error)

	// CreateRecover records a queued recover job and counts the failed deliveries it covers;
	// the webhook must be the app's.
	CreateRecover(ctx context.Context, j *RecoverJob) error
	// GetRecover returns one of appID's recover jobs on webhookID.
	GetRecover(ctx context.Context, appID, webhookID, id string) (*RecoverJob, error)
	// ClaimRecover leases the oldest recover job that is queued, or running with an expired
	// lease (its instance died); nil when there is none.
	ClaimRecover(ctx context.Context, now time.Time, lease time.Duration) (*RecoverJob, error)
	// RecoverStep requeues up to limit more of the job's failed deliveries, records progress
	// and extends the lease; done once the window is exhausted (the job is then completed).
	RecoverStep(ctx context.Context, j *RecoverJob, limit int, now time.Time, lease time.Duration) (done bool, err error)

	// Trip applies p to webhooks that just had failed attempts: it opens the breaker of those
	// with p.BreakerThreshold consecutive failures, and deactivates those failing without a
	// success for p.DisableAfter. A deactivated webhook's pending deliveries wait. The app gets
	// webhook.failing (a breaker opened) and webhook.disabled events on its webhooks that
	// subscribe to those types by name or by webhook.* (catch-all webhooks are not sent
	// hookd's own events).
	//
	// Complete keeps the rest of the story: it closes a breaker on a success and lets the
	// webhook's held and retry-scheduled deliveries go at once; it sends webhook.failing after
	// webhook.FailingStreak failed attempts in a row, webhook.recovered on the next success and
	// delivery.exhausted when a delivery fails for good.
	Trip(ctx context.Context, webhookIDs []string, p Policy, now time.Time) (Tripped, error)
	// CircuitCounts returns how many webhooks are in each breaker state.
	CircuitCounts(ctx context.Context) (map[string]int64, error)
}

// Tripped is what Trip changed.
type Tripped struct {
	Opened   []string // webhooks whose breaker opened
	Disabled []string // webhooks deactivated
}

// Policy is when the breaker opens and when a failing webhook is disabled.
type Policy struct {
	BreakerThreshold int           // consecutive failed attempts that open the breaker; 0 disables it
	BreakerCooldown  time.Duration // how long an open breaker waits before its half-open probe
	DisableAfter     time.Duration // failing without one success this long deactivates; 0 never
}

// Recover job statuses.
const (
	RecoverQueued    = "queued"
	RecoverRunning   = "running"
	RecoverCompleted = "completed"
)

// RecoverJob requeues a webhook's failed deliveries created in [Since, Until).
type RecoverJob struct {
	ID         string
	AppID      string
	WebhookID  string
	Since      time.Time
	Until      time.Time
	Status     string
	Total      int64  // failed deliveries in the window when the job was created
	Requeued   int64  // requeued so far
	Cursor     string // last delivery id examined
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// ErrRecoverNotFound answers a recover job id that is not the caller's.
var ErrRecoverNotFound = webhook.Errorf(webhook.ENotFound, "Recover job not found")

// ErrDeliveryNotFound answers an event that has no delivery to the webhook.
var ErrDeliveryNotFound = webhook.Errorf(webhook.ENotFound, "Message not found")
