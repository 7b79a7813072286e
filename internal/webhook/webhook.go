package webhook

import (
	"net/url"
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
	UID           string            // the sender's own unique name for it within the app, if any
	Channels      []string          // when set, only events on one of these channels come here
	Metadata      map[string]string // free-form, the sender's
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
	if err := ValidText("name", w.Name); err != nil {
		return err
	}
	if len(w.Description) > maxDescriptionLen {
		return Errorf(EInvalid, "description is longer than %d characters", maxDescriptionLen)
	}
	if err := validMultiline("description", w.Description); err != nil {
		return err
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
	if err := validateHeaders(w.Headers); err != nil { // header.go
		return err
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
	if err := checkURLChars(raw); err != nil {
		return err
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

// checkURLChars accepts only what a URL may hold as it is (RFC 3986): anything else (a space,
// quotes, braces, a control character, a non-ASCII letter) would reach the request line as it
// was written, which no receiver can parse, so it must come percent-encoded.
func checkURLChars(raw string) error {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return Errorf(EInvalid, "url has a %% at byte %d that is not followed by two hex digits; write a literal %% as %%25", i)
			}
		case c >= 0x80:
			return Errorf(EInvalid, "url must be ASCII: percent-encode the non-ASCII character at byte %d (and write an international domain name in its xn-- form)", i)
		case !isURLChar(c):
			return Errorf(EInvalid, "url must not contain %q (at byte %d): percent-encode it (a space is %%20)", c, i)
		}
	}
	return nil
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// isURLChar reports whether c may appear unescaped in a URL: unreserved or reserved (RFC 3986).
func isURLChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0
}

// lineBreaks stand in for spaces when multiline text is checked, byte for byte, so the
// positions ValidText reports stay true.
var lineBreaks = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// validMultiline is ValidText (eventtype.go) for text of several lines, such as a description:
// tabs and line breaks are allowed, other control characters and invalid UTF-8 are not.
func validMultiline(field, s string) error { return ValidText(field, lineBreaks.Replace(s)) }

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
