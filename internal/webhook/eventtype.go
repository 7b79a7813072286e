package webhook

import "strings"

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
