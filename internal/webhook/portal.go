package webhook

import "time"

// Portal sessions are short-lived keys an app hands to its own customers (the tenant portal):
// that app's webhooks, their monitoring and, unless read-only, their actions; never events,
// admin or new sessions.
const (
	MinPortalTTL     = time.Minute
	MaxPortalTTL     = 24 * time.Hour
	DefaultPortalTTL = time.Hour
)

// PortalScopes are the scopes of a portal session.
func PortalScopes(readOnly bool) []string {
	if readOnly {
		return []string{ScopeWebhookRead}
	}
	return []string{ScopeWebhookRead, ScopeWebhookWrite, ScopeWebhookSecret}
}

// Expired reports whether k is a session whose time is up at now. Keys never expire.
func (k *Key) Expired(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

// ReadOnly reports whether k can only read: a read-only portal session.
func (k *Key) ReadOnly() bool { return !k.HasScope(ScopeWebhookWrite) }
