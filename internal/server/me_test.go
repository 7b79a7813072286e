package server

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// TestMeTellsAKeyWhatItIs: /api/v0/me names the key's app, scopes, environment, operator flag
// and the quota this very request left, for a development tenant key and an operator key.
func TestMeTellsAKeyWhatItIs(t *testing.T) {
	f := newAccessFixture(t, Options{})
	ck, secret := webhook.NewKeyCredentials()
	now := time.Now()
	dev := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, now), AppID: f.appA, Name: "dev laptop", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: []string{webhook.ScopeWebhookRead}, Env: webhook.EnvDevelopment, Active: true, CreatedAt: now}
	if err := f.st.CreateKey(context.Background(), dev); err != nil {
		t.Fatal(err)
	}
	operator := f.key(f.ids["spareApp"], []string{webhook.ScopeAdmin}, true)
	for _, c := range []struct {
		name        string
		cred        accessCred
		app, env    string
		scopes      []string
		operator    bool
		limit, left float64
	}{
		{"development tenant key", accessCred{ck, secret}, f.appA, webhook.EnvDevelopment, []string{webhook.ScopeWebhookRead}, false, 100, 99},
		{"operator key", operator, f.ids["spareApp"], webhook.EnvProduction, []string{webhook.ScopeAdmin}, true, 1000, 999},
	} {
		got := f.do("GET", "/api/v0/me", "", c.cred, "bearer")
		if got.status != 200 {
			t.Fatalf("%s: /me = %d %s", c.name, got.status, got.body)
		}
		me := got.json(t)
		var scopes []string
		for _, s := range me["scopes"].([]any) {
			scopes = append(scopes, s.(string))
		}
		rl, _ := me["rate_limit"].(map[string]any)
		if me["app"].(map[string]any)["id"] != c.app || me["environment"] != c.env || !slices.Equal(scopes, c.scopes) ||
			me["operator"] != c.operator || me["portal"] != nil || rl["limit"] != c.limit || rl["remaining"] != c.left {
			t.Errorf("%s: /me = %s, want app %s, %s, scopes %v, operator %v, no portal, %v of %v requests left", c.name, got.body, c.app, c.env, c.scopes, c.operator, c.left, c.limit)
		}
	}
}
