package server

import (
	"context"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

func TestKeyCache(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "a", CreatedAt: now}
	if err := st.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	ck, secret := webhook.NewKeyCredentials()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, now), AppID: app.ID, Name: "k", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: []string{webhook.ScopeWebhookRead}, Env: webhook.EnvProduction, Active: true, CreatedAt: now}
	if err := st.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	var c keyCache
	active := func(at time.Time) bool {
		t.Helper()
		got, err := c.lookup(ctx, st, ck, at)
		if err != nil {
			t.Fatal(err)
		}
		return got.Active
	}
	if !active(now) {
		t.Fatal("new key is inactive")
	}
	if err := st.SetKeyActive(ctx, k.ID, false); err != nil { // revoked elsewhere: the CLI, another instance
		t.Fatal(err)
	}
	if !active(now.Add(keyCacheTTL / 2)) {
		t.Error("cached key re-read before its TTL")
	}
	if active(now.Add(keyCacheTTL)) {
		t.Error("revoked key still active after the TTL")
	}
	if err := st.SetKeyActive(ctx, k.ID, true); err != nil {
		t.Fatal(err)
	}
	c.forget() // changed through this server's admin API
	if !active(now.Add(keyCacheTTL + time.Millisecond)) {
		t.Error("forget did not drop the cached key")
	}
	if _, err := c.lookup(ctx, st, "ck_unknown", now); webhook.ErrorCode(err) != webhook.ENotFound {
		t.Errorf("unknown key: err = %v, want not found", err)
	}
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("cache holds %d keys, want 1 (unknown keys are not kept)", n)
	}
}
