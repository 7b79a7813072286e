package webhook

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEventTypeLen bounds event type names and patterns.
const MaxEventTypeLen = 200

// ValidateEventType checks an event's type: non-empty, no spaces or wildcards.
func ValidateEventType(t string) error {
	if t == "" {
		return Errorf(EInvalid, "event_type is required")
	}
	if len(t) > MaxEventTypeLen {
		return Errorf(EInvalid, "event_type is longer than %d characters", MaxEventTypeLen)
	}
	if strings.ContainsAny(t, " *\t\r\n") {
		return Errorf(EInvalid, "event_type %q must not contain spaces or '*'", t)
	}
	if err := ValidText("event_type", t); err != nil {
		return err
	}
	return nil
}

// ValidText refuses what no store can keep faithfully as text, and what has no place in a
// name: invalid UTF-8 and control characters (NUL among them). field names the input.
func ValidText(field, s string) error {
	if !utf8.ValidString(s) {
		return Errorf(EInvalid, "%s is not valid UTF-8", field)
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return Errorf(EInvalid, "%s must not contain control characters (found %U at byte %d)", field, []rune(s[i:])[0], i)
	}
	return nil
}

func validatePattern(p string) error {
	if p == "*" {
		return nil
	}
	base, wild := strings.CutSuffix(p, ".*")
	if wild && base == "" {
		return Errorf(EInvalid, "event_types: %q has an empty prefix", p)
	}
	if err := ValidateEventType(base); err != nil {
		return Errorf(EInvalid, "event_types: %q is not an event type or a prefix.* pattern", p)
	}
	return nil
}

// Matches reports whether an event of type t goes to a webhook subscribed to patterns.
// An empty list means every type; "invoice.*" matches "invoice.paid" and "invoice.line.added".
func Matches(patterns []string, t string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == "*" || p == t {
			return true
		}
		if base, ok := strings.CutSuffix(p, ".*"); ok && len(t) > len(base)+1 && t[len(base)] == '.' && strings.HasPrefix(t, base) {
			return true
		}
	}
	return false
}

// hookd's own operational events: what it tells an app about the app's webhooks.
const (
	EventWebhookFailing    = "webhook.failing"    // health turned critical or the breaker opened
	EventWebhookRecovered  = "webhook.recovered"  // an attempt succeeded again after webhook.failing
	EventWebhookDisabled   = "webhook.disabled"   // auto-disable deactivated the webhook
	EventDeliveryExhausted = "delivery.exhausted" // a delivery failed for good
)

// IsOperational reports whether t is one of hookd's operational event types.
func IsOperational(t string) bool {
	switch t {
	case EventWebhookFailing, EventWebhookRecovered, EventWebhookDisabled, EventDeliveryExhausted:
		return true
	}
	return false
}

// SubscribesTo reports whether a webhook subscribed to patterns asked for hookd's operational
// event of type t: by its name or a prefix.* pattern, never by subscribing to everything.
func SubscribesTo(patterns []string, t string) bool {
	for _, p := range patterns {
		if p != "*" && Matches([]string{p}, t) {
			return true
		}
	}
	return false
}
