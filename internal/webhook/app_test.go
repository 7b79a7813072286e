package webhook

import (
	"strings"
	"testing"
)

// TestAdminIsTheOperators: admin counts, and holds every scope, only on an operator key.
func TestAdminIsTheOperators(t *testing.T) {
	tests := []struct {
		name     string
		key      Key
		scope    string
		want     bool
		checkErr bool // CheckOperatorScopes refuses the key's scopes
	}{
		{"operator with admin: admin", Key{Operator: true, Scopes: []string{ScopeAdmin}}, ScopeAdmin, true, false},
		{"operator with admin: any scope", Key{Operator: true, Scopes: []string{ScopeAdmin}}, ScopeWebhookSecret, true, false},
		{"operator without admin", Key{Operator: true, Scopes: []string{ScopeWebhookRead}}, ScopeAdmin, false, false},
		{"operator without admin: its own scope", Key{Operator: true, Scopes: []string{ScopeWebhookRead}}, ScopeWebhookRead, true, false},
		{"tenant holding admin: admin", Key{Scopes: []string{ScopeAdmin}}, ScopeAdmin, false, true},
		{"tenant holding admin: another scope", Key{Scopes: []string{ScopeAdmin}}, ScopeWebhookRead, false, true},
		{"tenant holding admin and read: read", Key{Scopes: []string{ScopeWebhookRead, ScopeAdmin}}, ScopeWebhookRead, true, true},
		{"tenant: its own scope", Key{Scopes: []string{ScopeEventWrite}}, ScopeEventWrite, true, false},
		{"tenant: another scope", Key{Scopes: []string{ScopeEventWrite}}, ScopeEventRead, false, false},
	}
	for _, tt := range tests {
		if got := tt.key.HasScope(tt.scope); got != tt.want {
			t.Errorf("%s: HasScope(%q) = %v, want %v", tt.name, tt.scope, got, tt.want)
		}
		err := CheckOperatorScopes(tt.key.Scopes, tt.key.Operator, "add --operator")
		if (err != nil) != tt.checkErr {
			t.Errorf("%s: CheckOperatorScopes = %v, want an error: %v", tt.name, err, tt.checkErr)
		}
		if err != nil && (ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), "admin is the operator's scope") || !strings.HasSuffix(err.Error(), "add --operator")) {
			t.Errorf("%s: CheckOperatorScopes = %q (%s), want an invalid-input error saying why and how", tt.name, err, ErrorCode(err))
		}
	}
}
