package webhook

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Limits on webhook settings.
const (
	MaxNameLen        = 200
	MaxURLLen         = 2048
	MaxEventTypes     = 100
	MaxHeaders        = 20
	MaxRetries        = 20
	MaxTimeout        = 60 * time.Second
	DefaultTimeout    = 15 * time.Second
	MaxRetryDelay     = 7 * 24 * time.Hour
	maxDescriptionLen = 2000
)

// Webhook is a URL that receives an app's events, with its settings and signing secret.
type Webhook struct {
	ID            string
	NumericID     int64
	AppID         string
	Name          string
	URL           string
	Description   string
	EventTypes    []string
	Active        bool
	Encrypted     bool
	Headers       map[string]string
	RateLimit     int
	Ordered       bool
	RetrySchedule []time.Duration // delays before each retry; nil = DefaultRetrySchedule
	Timeout       time.Duration   // 0 = DefaultTimeout
	Secret        string          // whsec_…; never serialised by the API except at creation
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Stats         Stats

	// During a rotation the previous secret keeps signing beside Secret until PreviousUntil.
	PreviousSecret string
	PreviousUntil  *time.Time
	EncryptionKey  []byte // 32 bytes when Encrypted: deliveries are JWE (dir, A256GCM) under it

	// Delivery control state, kept by the store (see internal/delivery/breaker.go).
	Circuit             string     // CircuitClosed, CircuitOpen or CircuitHalfOpen
	CircuitUntil        *time.Time // open: end of the cool-down; half_open: end of the probe's lease
	ConsecutiveFailures int64      // failed attempts since the last success
	DisabledReason      string     // why hookd deactivated the webhook by itself; empty otherwise
	DisabledAt          *time.Time // when it did
}

// Circuit breaker states.
const (
	CircuitClosed   = "closed"    // deliveries flow
	CircuitOpen     = "open"      // attempts paused after repeated failures, retries not spent
	CircuitHalfOpen = "half_open" // one probe delivery decides whether to close or reopen
)

// Stats are a webhook's counters, kept exact in the same transaction as every state change.
// A delivery counts as pending until its first attempt, then as delivered or failed by its
// latest attempt: failed while that attempt was not a 2xx (whether a retry is scheduled or
// not), delivered once one was. So Sent = Delivered + Failed, always.
type Stats struct {
	Created        int64      // deliveries created for this webhook
	Delivered      int64      // deliveries whose latest attempt got a 2xx
	Failed         int64      // deliveries whose latest attempt did not
	LastDeliveryAt *time.Time // last attempt of any outcome
	ResponseTimeMS float64    // sum of attempt durations
	Responses      int64      // number of timed attempts
	Last24hEvents  int64      // deliveries created in the last 24 hours and sent, from hourly rollups
	Last24hFails   int64      // of those, the ones whose latest attempt failed
}

// Sent is how many deliveries have been attempted at least once: the seeds' total_events.
func (s Stats) Sent() int64 { return s.Delivered + s.Failed }

// Pending is how many deliveries have not been attempted yet.
func (s Stats) Pending() int64 { return s.Created - s.Delivered - s.Failed }

// SuccessRate is Delivered / Sent in percent; ok is false before the first attempt.
func (s Stats) SuccessRate() (rate float64, ok bool) {
	if s.Sent() == 0 {
		return 0, false
	}
	return float64(s.Delivered) / float64(s.Sent()) * 100, true
}

// AverageResponseMS is the mean duration of the attempts that got an answer.
func (s Stats) AverageResponseMS() (ms float64, ok bool) {
	if s.Responses == 0 {
		return 0, false
	}
	return s.ResponseTimeMS / float64(s.Responses), true
}

// Validate checks a webhook's settings and returns an EInvalid error naming the field.
func (w *Webhook) Validate() error {
	if strings.TrimSpace(w.Name) == "" {
		return Errorf(EInvalid, "name is required")
	}
	if len(w.Name) > MaxNameLen {
		return Errorf(EInvalid, "name is longer than %d characters", MaxNameLen)
	}
	if len(w.Description) > maxDescriptionLen {
		return Errorf(EInvalid, "description is longer than %d characters", maxDescriptionLen)
	}
	if err := ValidateURL(w.URL); err != nil {
		return err
	}
	if len(w.EventTypes) > MaxEventTypes {
		return Errorf(EInvalid, "event_types has more than %d entries", MaxEventTypes)
	}
	for _, t := range w.EventTypes {
		if err := validatePattern(t); err != nil {
			return err
		}
	}
	if len(w.Headers) > MaxHeaders {
		return Errorf(EInvalid, "headers has more than %d entries", MaxHeaders)
	}
	for k, v := range w.Headers {
		if err := validateHeader(k, v); err != nil {
			return err
		}
	}
	if w.RateLimit < 0 {
		return Errorf(EInvalid, "rate_limit must be 0 (none) or a positive number of deliveries per second")
	}
	if len(w.RetrySchedule) > MaxRetries {
		return Errorf(EInvalid, "retry_schedule has more than %d entries", MaxRetries)
	}
	for _, d := range w.RetrySchedule {
		if d < 0 || d > MaxRetryDelay {
			return Errorf(EInvalid, "retry_schedule entries must be between 0 and %d seconds", int(MaxRetryDelay/time.Second))
		}
	}
	if w.Timeout < 0 || w.Timeout > MaxTimeout {
		return Errorf(EInvalid, "timeout must be between 1 and %d seconds", int(MaxTimeout/time.Second))
	}
	return nil
}

// ValidateURL accepts absolute http and https URLs with a host.
func ValidateURL(raw string) error {
	if raw == "" {
		return Errorf(EInvalid, "url is required")
	}
	if len(raw) > MaxURLLen {
		return Errorf(EInvalid, "url is longer than %d characters", MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Errorf(EInvalid, "url is not a valid URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Errorf(EInvalid, "url must be an absolute http or https URL, got %q", raw)
	}
	if u.Hostname() == "" {
		return Errorf(EInvalid, "url must include a host, got %q", raw)
	}
	if u.User != nil {
		return Errorf(EInvalid, "url must not contain credentials; use headers instead")
	}
	return nil
}

// reservedHeaders are set by hookd on every delivery and cannot be overridden.
var reservedHeaders = []string{"Content-Type", "Content-Length", "Host", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "User-Agent", "Transfer-Encoding", "Connection"}

func validateHeader(k, v string) error {
	ck := http.CanonicalHeaderKey(k)
	if k == "" || strings.ContainsAny(k, " :\r\n\t") {
		return Errorf(EInvalid, "headers: %q is not a valid header name", k)
	}
	if slices.Contains(reservedHeaders, ck) {
		return Errorf(EInvalid, "headers: %q is set by hookd and cannot be overridden", k)
	}
	if strings.ContainsAny(v, "\r\n") || len(v) > 4096 {
		return Errorf(EInvalid, "headers: value of %q must be one line of at most 4096 bytes", k)
	}
	return nil
}

// EffectiveTimeout is the request timeout for deliveries to w.
func (w *Webhook) EffectiveTimeout() time.Duration {
	if w.Timeout <= 0 {
		return DefaultTimeout
	}
	return w.Timeout
}

// Schedule is the retry schedule deliveries to w follow.
func (w *Webhook) Schedule() []time.Duration {
	if w.RetrySchedule == nil {
		return DefaultRetrySchedule
	}
	return w.RetrySchedule
}
