// Package store is hookd's storage contract. Two implementations share one SQL core
// (sqlstore): SQLite (the embedded default) and PostgreSQL. storetest holds the one
// conformance suite both must pass.
package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// Store is everything hookd keeps. Methods take now where time matters, so tests control it.
type Store interface {
	Monitor  // monitoring reads (monitor.go)
	Security // keys, limits and secrets (security.go)
	Control  // delivery control actions (control.go)
	Catalog  // the event type catalog (catalog.go)
	Replies  // answers kept under idempotency keys (replies.go)

	CreateApp(ctx context.Context, app *webhook.App) error
	GetApp(ctx context.Context, id string) (*webhook.App, error)
	// AppByUID finds an app by the uid its sender gave it.
	AppByUID(ctx context.Context, uid string) (*webhook.App, error)
	// UpdateApp saves an app's name, uid, metadata and rate limit; a uid another app has is a conflict.
	UpdateApp(ctx context.Context, app *webhook.App) error
	CreateKey(ctx context.Context, key *webhook.Key) error
	KeyByClientKey(ctx context.Context, clientKey string) (*webhook.Key, error)
	SetKeyActive(ctx context.Context, id string, active bool) error
	TouchKey(ctx context.Context, id string, now time.Time) error
	CountKeys(ctx context.Context) (int, error)

	CreateWebhook(ctx context.Context, w *webhook.Webhook) error
	// CountWebhooks counts appID's webhooks.
	CountWebhooks(ctx context.Context, appID string) (int, error)
	// GetWebhook finds one of appID's webhooks by its wh_ id, with its stats at now.
	GetWebhook(ctx context.Context, appID, id string, now time.Time) (*webhook.Webhook, error)
	// WebhookByUID finds one of appID's webhooks by the uid its sender gave it.
	WebhookByUID(ctx context.Context, appID, uid string, now time.Time) (*webhook.Webhook, error)
	GetWebhookByNumericID(ctx context.Context, appID string, id int64, now time.Time) (*webhook.Webhook, error)
	// ListWebhooks returns up to limit webhooks with ids after the cursor, oldest first, with their stats at now.
	ListWebhooks(ctx context.Context, appID, after string, limit int, now time.Time) ([]webhook.Webhook, error)
	// UpdateWebhook saves w's settings. Deactivating pauses its queued deliveries; activating resumes them.
	UpdateWebhook(ctx context.Context, w *webhook.Webhook, now time.Time) error
	// DeleteWebhook removes the webhook and every delivery of it not yet sent.
	DeleteWebhook(ctx context.Context, appID, id string) error

	// CreateEvents commits events and one delivery per matching active webhook, in one
	// transaction. With handoff, fresh deliveries may go straight to a worker (see Handoff).
	CreateEvents(ctx context.Context, events []NewEvent, now time.Time, handoff Handoff) ([]Created, error)
	GetEvent(ctx context.Context, appID, id string) (*webhook.Event, error)
	// ExpungeEvent deletes one of appID's events' payload (it reads {} from then on) once none
	// of its deliveries is open; it is never sent again (retry and recover skip it).
	ExpungeEvent(ctx context.Context, appID, id string) error
	// ExpungeAttempt deletes the response body of an attempt of one of appID's events.
	ExpungeAttempt(ctx context.Context, appID, eventID, id string) error
	// ListEvents returns a page of appID's event log selected by f, newest first, each event
	// with its deliveries (and its payload if f.Payload).
	ListEvents(ctx context.Context, appID string, f EventFilter) ([]webhook.Event, error)

	// Claim leases up to limit due deliveries until now+lease. A lease that expires makes the
	// delivery due again, so a crashed worker's deliveries are retried by someone else.
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Job, error)
	// Complete records attempts, the deliveries' next states and the counters in one transaction.
	Complete(ctx context.Context, outcomes []Outcome) error
	// Release makes claimed deliveries due at now again, without an attempt (graceful shutdown).
	Release(ctx context.Context, jobs []Job, now time.Time) error
	// NextDue returns when the earliest queued delivery is due; ok=false when the queue is empty.
	NextDue(ctx context.Context) (due time.Time, ok bool, err error)
	// QueueDepth counts deliveries not yet final.
	QueueDepth(ctx context.Context) (int64, error)

	// FoldCounts moves the counts event and attempt commits recorded into the webhooks'
	// counters and rollups (reads add those not folded yet, so statistics are exact either way); it
	// returns how many count rows it moved. Call it about once a second.
	FoldCounts(ctx context.Context) (int64, error)

	// Register records this process as a live instance: its claims' leases name it. Beat
	// renews its heartbeat. ReleaseLeases makes due at now the deliveries held by other
	// instances whose heartbeat is older than staleBefore, and forgets them: a dead instance's
	// work comes back at once instead of when its leases end.
	Register(ctx context.Context, now time.Time) (int64, error)
	Beat(ctx context.Context, now time.Time) error
	ReleaseLeases(ctx context.Context, staleBefore, now time.Time) (released int64, err error)

	// Unavailable reports whether err means the store cannot be reached or cannot write now
	// (worth a 503 and a retry), rather than a fault of the request or of hookd.
	Unavailable(err error) bool

	Ping(ctx context.Context) error
	Close() error
}

// NewEvent is an event to commit.
type NewEvent struct {
	ID             string // set by the caller to find the event should the commit's outcome be unknown; else made
	AppID          string
	Type           string
	Payload        json.RawMessage
	IdempotencyKey string
	Channels       []string // webhooks with channels get it only if it is on one of them
	UID            string   // the sender's own id for it (Svix's eventId)
	Raw            bool     // deliver the payload itself as the body (Svix's API), not the envelope
}

// EventFilter selects a page of an app's event log; conditions are ANDed.
type EventFilter struct {
	ID         string     // this event only
	UID        string     // the event with this uid only
	Before     string     // event id cursor: only events with a smaller id
	Limit      int        // rows to return
	EventTypes []string   // any of; empty = all
	Since      *time.Time // created strictly after
	Until      *time.Time // created strictly before
	Statuses   []string   // with a delivery in any of these statuses; empty = any
	WebhookID  string     // with a delivery to this webhook (one of the app's); empty = any
	Channel    string     // on this channel; empty = any
	Payload    bool       // read the payloads too
}

// Created is the result of committing one NewEvent.
type Created struct {
	Event      *webhook.Event
	Deliveries int   // deliveries created (or, for a duplicate, created the first time)
	Duplicate  bool  // the idempotency key was seen within the window: nothing was created
	Handed     []Job // deliveries committed already claimed, for the caller to start (see Handoff)
}

// Handoff lets CreateEvents give a fresh delivery straight to a worker, saving the claim
// that would otherwise fetch it back. It is asked once per delivery to a webhook with no
// delivery controls in force (active, circuit closed, no rate limit, not ordered). When it
// reserves a worker (ok), the delivery is committed already claimed, leased until until, and
// returned in Created.Handed for the caller to start after the commit. If the process dies
// first, the lease runs out and the delivery is claimed as usual: nothing is lost.
type Handoff func(w *webhook.Webhook) (until time.Time, ok bool)

// Job is a claimed delivery with what is needed to send it.
type Job struct {
	DeliveryID string
	Lease      int64  // fencing token: Complete only applies if the lease is still ours
	Attempts   int    // attempts made before this one
	Trigger    string // webhook.TriggerManual for a retry, test or recover; else TriggerScheduled
	Counted    string // how the delivery counts before this attempt (webhook.Delivery.Outcome); "" = pending
	Event      *webhook.Event
	Webhook    *webhook.Webhook // shared by the jobs of one claim
}

// Outcome is one finished attempt and what happens to its delivery next.
type Outcome struct {
	Job     Job
	Attempt *webhook.Attempt
	Status  string     // the delivery's new status
	NextAt  *time.Time // nil when Status is final
}
