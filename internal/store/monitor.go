package store

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// Monitor holds the store methods for monitoring surfaces: messages, attempts, calls, rollups, retention.
// Every read takes the caller's app id: another app's webhook, message or attempt is not found.
type Monitor interface {
	// ListMessages returns one webhook's deliveries, newest first, that match f.
	ListMessages(ctx context.Context, appID, webhookID string, f MessageFilter) ([]webhook.Delivery, error)
	// GetMessage returns the delivery of event eventID to webhookID, and the event with its payload.
	GetMessage(ctx context.Context, appID, webhookID, eventID string) (*webhook.Delivery, *webhook.Event, error)
	// ListAttempts returns the attempts made to deliver eventID to webhookID, newest first, ids below
	// before (when set), without headers or response bodies.
	ListAttempts(ctx context.Context, appID, webhookID, eventID, before string, limit int) ([]webhook.Attempt, error)
	// GetAttempt returns one attempt of eventID to webhookID, with response body and headers.
	GetAttempt(ctx context.Context, appID, webhookID, eventID, attemptID string) (*webhook.Attempt, error)
	// ListCalls returns one webhook's attempts (without request headers) selected, sorted and paged by q; total is counted
	// only when q.Count (it is the one read that may count the log, because the caller asked).
	ListCalls(ctx context.Context, appID, webhookID string, q CallQuery) (calls []webhook.Attempt, total int64, err error)
	// GetCall returns one of webhookID's attempts by id.
	GetCall(ctx context.Context, appID, webhookID, attemptID string) (*webhook.Attempt, error)
	// RecentAttempts returns the webhook's last n attempts, newest first, without headers or response bodies.
	RecentAttempts(ctx context.Context, appID, webhookID string, n int) ([]webhook.Attempt, error)
	// Rollups returns webhookID's hourly rollups with since <= hour < until, oldest first.
	Rollups(ctx context.Context, webhookID string, since, until time.Time) ([]Rollup, error)
	// Purge deletes at most batch rows of each kind older than before: attempts, final deliveries
	// (last attempt before the cutoff), events no delivery refers to and idempotency keys.
	// It reads at most batch rows of each kind, going on where the last call with the same
	// cutoff stopped (Purged.More). Counters and rollups stay.
	Purge(ctx context.Context, before time.Time, batch int) (Purged, error)
	// PrepareLog makes the log ready to take the rows of the days ahead of now (PostgreSQL:
	// their partitions). LogDays calls it every hour.
	PrepareLog(ctx context.Context, now time.Time) error
}

// Not-found errors of the monitoring reads.
var (
	ErrMessageNotFound = webhook.Errorf(webhook.ENotFound, "Message not found")
	ErrAttemptNotFound = webhook.Errorf(webhook.ENotFound, "Attempt not found")
	ErrCallNotFound    = webhook.Errorf(webhook.ENotFound, "Call not found")
)

// MessageFilter selects a page of one webhook's deliveries.
type MessageFilter struct {
	Before     string     // delivery id cursor: only deliveries with a smaller id
	Limit      int        // rows to return
	Statuses   []string   // any of; empty = all
	EventTypes []string   // any of; empty = all
	Since      *time.Time // created strictly after
	Until      *time.Time // created strictly before
}

// Call fields that /api/v3 may filter and sort on.
const (
	CallID        = "id"
	CallHTTPCode  = "http_code"
	CallCreatedAt = "created_at"
	CallHeaders   = "headers"
	CallBody      = "body"
)

// Filter operators on calls.
const (
	OpEq  = "eq" // any of Values
	OpLt  = "lt"
	OpLte = "lte"
	OpGt  = "gt"
	OpGte = "gte"
)

// CallFilter is one condition; conditions are ANDed. Values are string (id, headers, body),
// int64 (http_code) or time.Time (created_at); comparisons take exactly one value.
type CallFilter struct {
	Field  string
	Op     string
	Values []any
}

// CallSort is one sort key.
type CallSort struct {
	Field string // id, http_code or created_at
	Desc  bool
}

// CallQuery selects a page of calls. Sort falls back to id ascending; id always breaks ties.
type CallQuery struct {
	Filters []CallFilter
	Sort    []CallSort
	Offset  int
	Limit   int
	Count   bool
}

// Rollup is one hour of one webhook's counters.
type Rollup struct {
	Hour      time.Time
	Events    int64 // deliveries created
	Attempts  int64
	Successes int64 // attempts answered 2xx
	Failures  int64 // attempts that did not
	Delivered int64 // deliveries that ended delivered
	Failed    int64 // deliveries that ended failed
	RTSumMS   float64
	RTCount   int64
}

// Add adds o's counts to r (its Hour stays).
func (r *Rollup) Add(o Rollup) {
	r.Events += o.Events
	r.Attempts += o.Attempts
	r.Successes += o.Successes
	r.Failures += o.Failures
	r.Delivered += o.Delivered
	r.Failed += o.Failed
	r.RTSumMS += o.RTSumMS
	r.RTCount += o.RTCount
}

// Purged counts what one Purge call deleted.
type Purged struct {
	Attempts, Deliveries, Events, IdempotencyKeys int64
	Partitions                                    int64 // whole days of the log dropped (PostgreSQL)
	// More says that some kind of row has not been read up to the cutoff yet: a call with
	// the same cutoff goes on where this one stopped, even if this one deleted nothing (it
	// read a window of rows to keep). Add leaves it out.
	More bool
}

// Add adds o's counts to p.
func (p *Purged) Add(o Purged) {
	p.Attempts += o.Attempts
	p.Deliveries += o.Deliveries
	p.Events += o.Events
	p.IdempotencyKeys += o.IdempotencyKeys
	p.Partitions += o.Partitions
}

// Total is every row deleted, and every partition dropped.
func (p Purged) Total() int64 {
	return p.Attempts + p.Deliveries + p.Events + p.IdempotencyKeys + p.Partitions
}

// Retention defaults: seed 003 keeps calls 60 days.
const (
	DefaultRetention      = 60 * 24 * time.Hour
	DefaultPurgeInterval  = 10 * time.Minute
	DefaultPurgeBatch     = 500
	DefaultPurgeBatchWait = 20 * time.Millisecond
)

// Retention deletes log rows (attempts, final deliveries, unreferenced events) older than Age,
// in batches of Batch with a pause between them, every Interval. Counters and rollups stay.
type Retention struct {
	Store    Monitor
	Age      time.Duration    // default DefaultRetention
	Interval time.Duration    // default DefaultPurgeInterval
	Batch    int              // default DefaultPurgeBatch
	Wait     time.Duration    // pause between batches, default DefaultPurgeBatchWait
	Now      func() time.Time // default time.Now
	Log      *slog.Logger     // default slog.Default()
}

// Run purges once at start and then every Interval, until ctx ends.
func (r *Retention) Run(ctx context.Context) error {
	interval := cmp.Or(r.Interval, DefaultPurgeInterval)
	log := cmp.Or(r.Log, slog.Default())
	for {
		if p, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			log.Error("retention", "err", err)
		} else if p.Total() > 0 {
			log.Info("retention", "attempts", p.Attempts, "deliveries", p.Deliveries, "events", p.Events, "idempotency_keys", p.IdempotencyKeys, "partitions", p.Partitions)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// Once purges everything older than Age now, batch by batch, and returns what it deleted.
func (r *Retention) Once(ctx context.Context) (Purged, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	cutoff := now().Add(-cmp.Or(r.Age, DefaultRetention))
	batch, wait := cmp.Or(r.Batch, DefaultPurgeBatch), cmp.Or(r.Wait, DefaultPurgeBatchWait)
	var total Purged
	var firstErr error
	for {
		p, err := r.Store.Purge(ctx, cutoff, batch)
		total.Add(p)
		firstErr = cmp.Or(firstErr, err)
		// A batch that deleted something, or has more of the log to read, goes on even if a
		// part of it failed (partitions that could not be dropped): the rest of the log still goes.
		if (p.Total() == 0 && !p.More) || (err != nil && p.Total() == p.Partitions) {
			return total, firstErr
		}
		select { // let ingestion and delivery have the writer between batches
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// LogDays keeps the log ready for the days ahead (Store.PrepareLog), at start and every hour.
type LogDays struct {
	Store Monitor
	Log   *slog.Logger // default slog.Default()
}

// Run prepares the log at once and then every hour, until ctx ends.
func (l *LogDays) Run(ctx context.Context) error {
	log := cmp.Or(l.Log, slog.Default())
	for {
		if err := l.Store.PrepareLog(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Error("prepare the log for the days ahead", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Hour):
		}
	}
}
