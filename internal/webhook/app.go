package webhook

import (
	"slices"
	"strings"
	"time"
)

// App is a tenant: it owns webhooks, keys and events.
type App struct {
	ID        string            `json:"id"`
	UID       string            `json:"uid,omitempty"` // the sender's own unique name for it, if any
	Name      string            `json:"name"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	RateLimit int               `json:"rate_limit,omitempty"` // as Svix's API sets it: recorded, not enforced
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Scopes a key may hold.
const (
	ScopeWebhookRead   = "webhook:read"
	ScopeWebhookWrite  = "webhook:write"
	ScopeWebhookSecret = "webhook:secret"
	ScopeEventWrite    = "event:write"
	ScopeEventRead     = "event:read"
	ScopeAdmin         = "admin"
)

// AllScopes lists every scope, in documentation order.
var AllScopes = []string{ScopeWebhookRead, ScopeWebhookWrite, ScopeWebhookSecret, ScopeEventWrite, ScopeEventRead, ScopeAdmin}

// Key environments.
const (
	EnvProduction  = "production"
	EnvDevelopment = "development"
)

// Key is an API key of one app. Its secret is stored only as a hash.
type Key struct {
	ID         string     `json:"id"`
	AppID      string     `json:"app_id"`
	Name       string     `json:"name"`
	ClientKey  string     `json:"client_key"`
	SecretHash []byte     `json:"-"`
	Scopes     []string   `json:"scopes"`
	Env        string     `json:"environment"`
	Active     bool       `json:"is_active"`
	Operator   bool       `json:"operator"` // the operator's key: the only kind that may hold admin
	Portal     bool       `json:"portal"`   // a portal session (ps_ id): its own rate limit, ends at ExpiresAt
	ExpiresAt  *time.Time `json:"expires_at"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// HasScope reports whether the key holds scope. admin holds every scope, and counts only on an
// operator's key: a tenant app's key that holds it anyway (written before the rule, or straight
// into the database) gets nothing from it.
func (k *Key) HasScope(scope string) bool {
	if k.Operator && slices.Contains(k.Scopes, ScopeAdmin) {
		return true
	}
	return scope != ScopeAdmin && slices.Contains(k.Scopes, scope)
}

// CheckOperatorScopes refuses admin for a key that is not the operator's, saying why and, in
// the caller's terms (a CLI flag, an API field), how to make an operator key.
func CheckOperatorScopes(scopes []string, operator bool, howToMakeOne string) error {
	if !operator && slices.Contains(scopes, ScopeAdmin) {
		return Errorf(EInvalid, "scopes: admin is the operator's scope: it manages every app (lists them, makes their keys, deletes them), "+
			"so only an operator key may hold it, never a tenant app's key; to make an operator key, %s", howToMakeOne)
	}
	return nil
}

// ParseScopes splits a comma list and rejects unknown scopes.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(AllScopes, p) {
			return nil, Errorf(EInvalid, "unknown scope %q (known: %s)", p, strings.Join(AllScopes, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EInvalid, "at least one scope is required (known: %s)", strings.Join(AllScopes, ", "))
	}
	return out, nil
}

// ValidateEnv checks a key environment.
func ValidateEnv(env string) error {
	if env != EnvProduction && env != EnvDevelopment {
		return Errorf(EInvalid, "environment must be %q or %q, not %q", EnvProduction, EnvDevelopment, env)
	}
	return nil
}
