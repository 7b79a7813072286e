package webhook

import (
	"encoding/json"
	"time"
)

// Event limits.
const (
	DefaultMaxPayload = 256 << 10
	MaxBatch          = 500
	IdempotencyWindow = 24 * time.Hour
	MaxIdempotencyLen = 255
)

// Event is one thing the sender posted: a type and a JSON payload.
type Event struct {
	ID             string
	AppID          string
	Type           string
	Payload        json.RawMessage
	IdempotencyKey string
	Channels       []string // webhooks with channels receive only events on one of them
	UID            string   // the sender's own id for it (Svix's eventId), if any
	Raw            bool     // delivered as the payload itself, not in the Standard Webhooks envelope
	Expunged       bool     // its payload was deleted on request: it reads {} and is never sent again
	CreatedAt      time.Time
	Deliveries     []Delivery // filled by reads that ask for them
}

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusRetrying  = "retrying"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// Final reports whether a delivery in status is done: delivered, or failed for good.
func Final(status string) bool { return status == StatusDelivered || status == StatusFailed }

// Delivery is one event bound for one webhook. The deliveries table is the queue.
type Delivery struct {
	ID           string
	AppID        string
	WebhookID    string
	EventID      string
	EventType    string
	Status       string
	Attempts     int        // attempts made so far
	NextAt       *time.Time // when the next attempt is due; nil once final
	CreatedAt    time.Time
	LastAt       *time.Time // time of the last attempt
	ResponseCode int        // of the last attempt; 0 if none answered
	ResponseMS   float64    // of the last attempt
	LastError    string     // of the last attempt, empty after a success
}

// Outcome is how the delivery counts in its webhook's statistics: StatusPending before its
// first attempt, then StatusDelivered or StatusFailed by its latest attempt. A delivery
// retrying after a failed attempt is failed; one sent again by hand after a success stays
// delivered until that attempt says otherwise. The store keeps LastError non-empty after
// every failed attempt, which is what tells the two apart while a delivery is open.
func (d *Delivery) Outcome() string {
	switch {
	case d.Attempts == 0:
		return StatusPending
	case Final(d.Status):
		return d.Status
	case d.LastError == "":
		return StatusDelivered
	default:
		return StatusFailed
	}
}

// Attempt triggers.
const (
	TriggerScheduled = "scheduled"
	TriggerManual    = "manual"
)

// Attempt causes: empty for a 2xx; otherwise why it failed.
const (
	CauseHTTP       = "http"       // the receiver answered non-2xx
	CauseTimeout    = "timeout"    // no answer within the webhook's timeout
	CauseConnection = "connection" // DNS, refused, reset
	CauseTLS        = "tls"        // certificate or handshake
	CauseBlocked    = "blocked"    // the SSRF guard refused the address
)

// Attempt is one HTTP request to a webhook URL and what came back.
type Attempt struct {
	ID              string
	DeliveryID      string
	WebhookID       string
	AppID           string
	EventID         string
	Number          int // 1 for the first attempt
	Trigger         string
	StatusCode      int // 0 when nothing answered
	DurationMS      float64
	Cause           string
	Error           string
	RequestHeaders  map[string]string
	ResponseHeaders map[string]string
	ResponseBody    string
	Truncated       bool // response body cut at MaxResponseBody
	CreatedAt       time.Time
}

// MaxResponseBody is how much of a receiver's answer is kept.
const MaxResponseBody = 64 << 10

// Succeeded reports whether the attempt got a 2xx.
func (a *Attempt) Succeeded() bool { return a.Cause == "" && a.StatusCode >= 200 && a.StatusCode < 300 }
