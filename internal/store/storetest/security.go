package storetest

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/secretbox"
	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// securityTests are the conformance cases for store.Security.
var securityTests = []storeTest{
	{"AdminAppsAndKeys", testAdminAppsAndKeys},
	{"DeleteAppDropsEverything", testDeleteApp},
	{"CountRequests", testCountRequests},
	{"RotateSecret", testRotateSecret},
	{"SecretsSealedAtRest", testSecretsSealed},
	{"SealSecretsWrittenInTheClear", testSealSecrets},
	{"HeaderValuesSealedAtRest", testHeaderValuesSealed},
	{"SealHeaderValuesWrittenInTheClear", testSealHeaderValues},
	{"OperatorKeys", testOperatorKeys},
}

// testHeaderValuesSealed: custom header values are sealed like signing secrets, each bound to
// its webhook and header name; what reads the webhook (settings, claims) gets the values.
func testHeaderValuesSealed(t *testing.T, s store.Store) {
	ctx := context.Background()
	box, _ := secretbox.New(secretbox.NewKey())
	s.UseSecretBox(box)
	app := newApp(t, s)
	headers := map[string]string{"Authorization": "Bearer rcv_sealed", "X-Empty": "", "X-Looks-Sealed": "sb1:not really"}
	w := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Headers = headers })
	got, err := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if err != nil || !maps.Equal(got.Headers, headers) {
		t.Fatalf("read back = %v, %v; want %v", got.Headers, err, headers)
	}
	got.Headers = map[string]string{"Authorization": "Bearer rcv_next"}
	if err := s.UpdateWebhook(ctx, got, t0); err != nil {
		t.Fatal(err)
	}
	send(t, s, app.ID, "invoice.paid")
	jobs, err := s.Claim(ctx, t0.Add(time.Second), time.Minute, 10)
	if err != nil || len(jobs) != 1 || !maps.Equal(jobs[0].Webhook.Headers, map[string]string{"Authorization": "Bearer rcv_next"}) {
		t.Fatalf("claimed job headers = %v (%d jobs, %v), want the updated values", jobs, len(jobs), err)
	}
	if list, err := s.ListWebhooks(ctx, app.ID, "", 10, t0); err != nil || len(list) != 1 || list[0].Headers["Authorization"] != "Bearer rcv_next" {
		t.Errorf("ListWebhooks = %v, %v; want the updated value", list, err)
	}
	// Under another server key, or none, the webhook does not open: the values were sealed.
	other, _ := secretbox.New(secretbox.NewKey())
	for _, b := range []*secretbox.Box{other, nil} {
		s.UseSecretBox(b)
		_, err := s.GetWebhook(ctx, app.ID, w.ID, t0)
		if err == nil {
			t.Errorf("the webhook opened under another server key (%v); its header values are not sealed", b != nil)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "rcv_next") || strings.Contains(msg, "sb1:") {
			t.Errorf("error %q shows secret material", msg)
		}
	}
}

// testSealHeaderValues: header values kept in the clear (written without a server key) are
// sealed by SealSecrets even where the signing secret already is.
func testSealHeaderValues(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	clear := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Headers = map[string]string{"X-Api-Key": "k1", "X-Other": "k2"} })
	box, _ := secretbox.New(secretbox.NewKey())
	s.UseSecretBox(box)
	if _, err := s.SealSecrets(ctx); err != nil {
		t.Fatal(err)
	}
	// A webhook whose secret is sealed but whose headers were then written in the clear.
	got, _ := s.GetWebhook(ctx, app.ID, clear.ID, t0)
	s.UseSecretBox(nil)
	if _, err := s.GetWebhook(ctx, app.ID, clear.ID, t0); err == nil {
		t.Fatal("after SealSecrets the webhook opens without a server key: something is still in the clear")
	}
	got.Headers = map[string]string{"X-Api-Key": "k3"}
	s.UseSecretBox(nil)
	if err := s.UpdateWebhook(ctx, got, t0); err != nil {
		t.Fatal(err)
	}
	s.UseSecretBox(box)
	sealedAlready := newWebhook(t, s, app.ID, nil)
	if n, err := s.SealSecrets(ctx); n != 1 || err != nil {
		t.Fatalf("SealSecrets with only header values in the clear = %d, %v; want 1 (the webhook with sealed ones is left alone)", n, err)
	}
	if n, _ := s.SealSecrets(ctx); n != 0 {
		t.Errorf("second SealSecrets = %d, want 0", n)
	}
	for id, want := range map[string]map[string]string{clear.ID: {"X-Api-Key": "k3"}, sealedAlready.ID: sealedAlready.Headers} {
		if got, err := s.GetWebhook(ctx, app.ID, id, t0); err != nil || !maps.Equal(got.Headers, want) {
			t.Errorf("webhook %s after sealing: %v, %v; want %v", id, got, err, want)
		}
	}
	other, _ := secretbox.New(secretbox.NewKey())
	s.UseSecretBox(other)
	if _, err := s.GetWebhook(ctx, app.ID, clear.ID, t0); err == nil {
		t.Error("after SealSecrets the header values open under another key: they are still in the clear")
	}
}

// testOperatorKeys: a key's operator flag is kept; it is what lets admin count (webhook.Key.HasScope).
func testOperatorKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	ck, secret := webhook.NewKeyCredentials()
	op := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, t0), AppID: app.ID, Name: "operator", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: webhook.AllScopes, Env: webhook.EnvProduction, Active: true, Operator: true, CreatedAt: t0}
	if err := s.CreateKey(ctx, op); err != nil {
		t.Fatal(err)
	}
	tenant := newKey(t, s, app.ID)
	byClient, err := s.KeyByClientKey(ctx, ck)
	if err != nil || !byClient.Operator || !byClient.HasScope(webhook.ScopeAdmin) {
		t.Errorf("KeyByClientKey = %+v, %v; want an operator key holding admin", byClient, err)
	}
	if got, err := s.GetKey(ctx, op.ID); err != nil || !got.Operator {
		t.Errorf("GetKey = %+v, %v; want operator", got, err)
	}
	keys, err := s.ListKeys(ctx, app.ID)
	if err != nil || len(keys) != 2 || !keys[0].Operator || keys[1].Operator || keys[1].ID != tenant.ID {
		t.Errorf("ListKeys = %+v, %v; want the operator key, then the tenant key", keys, err)
	}
}

func testSealSecrets(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	encKey := bytes.Repeat([]byte{3}, 32)
	w := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Encrypted, w.EncryptionKey = true, encKey })
	if err := s.RotateSecret(ctx, app.ID, w.ID, signature.NewSecret(), t0.Add(time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	before, _ := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if n, err := s.SealSecrets(ctx); n != 0 || err != nil {
		t.Errorf("SealSecrets without a box = %d, %v; want 0, nil", n, err)
	}
	box, _ := secretbox.New(secretbox.NewKey())
	s.UseSecretBox(box)
	if n, err := s.SealSecrets(ctx); n != 1 || err != nil {
		t.Fatalf("SealSecrets = %d, %v; want 1", n, err)
	}
	if n, _ := s.SealSecrets(ctx); n != 0 {
		t.Errorf("second SealSecrets = %d, want 0", n)
	}
	after, err := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if err != nil || after.Secret != before.Secret || after.PreviousSecret != before.PreviousSecret || !bytes.Equal(after.EncryptionKey, encKey) {
		t.Fatalf("after sealing the secrets read back changed (%v)", err)
	}
	other, _ := secretbox.New(secretbox.NewKey())
	s.UseSecretBox(other)
	if _, err := s.GetWebhook(ctx, app.ID, w.ID, t0); err == nil {
		t.Error("after SealSecrets the webhook opens under another key: something is still in the clear")
	}
}

func newKey(t *testing.T, s store.Store, appID string) *webhook.Key {
	t.Helper()
	ck, secret := webhook.NewKeyCredentials()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, t0), AppID: appID, Name: "k", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: []string{webhook.ScopeWebhookRead}, Env: webhook.EnvDevelopment, Active: true, CreatedAt: t0}
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k
}

func testAdminAppsAndKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newApp(t, s), newApp(t, s)
	apps, err := s.ListApps(ctx, "", 10)
	if err != nil || len(apps) != 2 || apps[0].ID != a.ID || apps[1].ID != b.ID {
		t.Fatalf("ListApps = %v, %v; want [%s %s]", apps, err, a.ID, b.ID)
	}
	if page, _ := s.ListApps(ctx, a.ID, 10); len(page) != 1 || page[0].ID != b.ID {
		t.Errorf("ListApps after %s = %v, want [%s]", a.ID, page, b.ID)
	}
	k1, k2, kb := newKey(t, s, a.ID), newKey(t, s, a.ID), newKey(t, s, b.ID)
	keys, err := s.ListKeys(ctx, a.ID)
	if err != nil || len(keys) != 2 || keys[0].ID != k1.ID || keys[1].ID != k2.ID {
		t.Fatalf("ListKeys(a) = %v, %v; want [%s %s]", keys, err, k1.ID, k2.ID)
	}
	if !bytes.Equal(keys[0].SecretHash, k1.SecretHash) || keys[0].Env != webhook.EnvDevelopment || keys[0].Scopes[0] != webhook.ScopeWebhookRead {
		t.Errorf("ListKeys(a)[0] = %+v, want %+v", keys[0], k1)
	}
	got, err := s.GetKey(ctx, kb.ID)
	if err != nil || got.AppID != b.ID || got.ClientKey != kb.ClientKey {
		t.Errorf("GetKey = %+v, %v; want %+v", got, err, kb)
	}
	if err := s.TouchKey(ctx, k1.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetKey(ctx, k1.ID); got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("last_used_at = %v, want %v", got.LastUsedAt, t0.Add(time.Minute))
	}
	if err := s.DeleteKey(ctx, k1.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetKey(ctx, k1.ID)
	wantCode(t, err, webhook.ENotFound)
	_, err = s.KeyByClientKey(ctx, k1.ClientKey)
	wantCode(t, err, webhook.ENotFound)
	wantCode(t, s.DeleteKey(ctx, k1.ID), webhook.ENotFound)
	if keys, _ := s.ListKeys(ctx, a.ID); len(keys) != 1 || keys[0].ID != k2.ID {
		t.Errorf("ListKeys after delete = %v, want [%s]", keys, k2.ID)
	}
}

func testDeleteApp(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newApp(t, s), newApp(t, s)
	ka, kb := newKey(t, s, a.ID), newKey(t, s, b.ID)
	wa, wb := newWebhook(t, s, a.ID, nil), newWebhook(t, s, b.ID, nil)
	send(t, s, a.ID, "invoice.paid")
	send(t, s, b.ID, "invoice.paid")
	if err := s.DeleteApp(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetApp(ctx, a.ID)
	wantCode(t, err, webhook.ENotFound)
	_, err = s.GetKey(ctx, ka.ID)
	wantCode(t, err, webhook.ENotFound)
	_, err = s.GetWebhook(ctx, a.ID, wa.ID, t0)
	wantCode(t, err, webhook.ENotFound)
	wantCode(t, s.DeleteApp(ctx, a.ID), webhook.ENotFound)
	if _, err := s.GetKey(ctx, kb.ID); err != nil {
		t.Errorf("the other app's key: %v", err)
	}
	if _, err := s.GetWebhook(ctx, b.ID, wb.ID, t0); err != nil {
		t.Errorf("the other app's webhook: %v", err)
	}
	jobs, err := s.Claim(ctx, t0.Add(time.Second), time.Minute, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Webhook.ID != wb.ID {
		t.Errorf("claimable after delete = %d jobs, %v; want only the other app's one", len(jobs), err)
	}
}

func testCountRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	w1, w2 := t0.Truncate(time.Hour), t0.Truncate(time.Hour).Add(time.Hour)
	got, err := s.CountRequests(ctx, w1, map[string]int64{"key_a": 3, "key_b": 1})
	if err != nil || got["key_a"] != 3 || got["key_b"] != 1 {
		t.Fatalf("first count = %v, %v; want a=3 b=1", got, err)
	}
	// Concurrent callers (several instances) add up exactly.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.CountRequests(ctx, w1, map[string]int64{"key_a": 1}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err = s.CountRequests(ctx, w1, map[string]int64{"key_a": 1})
	if err != nil || got["key_a"] != 24 {
		t.Errorf("after 20 concurrent calls = %v, %v; want a=24", got, err)
	}
	got, _ = s.CountRequests(ctx, w2, map[string]int64{"key_a": 1})
	if got["key_a"] != 1 {
		t.Errorf("next window = %d, want 1 (a fresh window)", got["key_a"])
	}
	if err := s.PruneRequests(ctx, w2); err != nil {
		t.Fatal(err)
	}
	got, _ = s.CountRequests(ctx, w1, map[string]int64{"key_b": 1})
	if got["key_b"] != 1 {
		t.Errorf("pruned window = %d, want 1 (counted afresh)", got["key_b"])
	}
	if got, _ := s.CountRequests(ctx, w2, map[string]int64{"key_a": 1}); got["key_a"] != 2 {
		t.Errorf("unpruned window = %d, want 2", got["key_a"])
	}
}

func testRotateSecret(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, other := newApp(t, s), newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	next := signature.NewSecret()
	until := t0.Add(24 * time.Hour)
	wantCode(t, s.RotateSecret(ctx, other.ID, w.ID, next, until, t0), webhook.ENotFound)
	if err := s.RotateSecret(ctx, app.ID, w.ID, next, until, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != next || got.PreviousSecret != w.Secret || got.PreviousUntil == nil || !got.PreviousUntil.Equal(until) {
		t.Errorf("after rotation: secret new %v, previous old %v, until %v; want true, true, %v", got.Secret == next, got.PreviousSecret == w.Secret, got.PreviousUntil, until)
	}
	if !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("updated_at = %v, want %v", got.UpdatedAt, t0.Add(time.Minute))
	}
	// Claimed jobs carry both secrets, for signing.
	send(t, s, app.ID, "invoice.paid")
	jobs, err := s.Claim(ctx, t0.Add(time.Second), time.Minute, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Webhook.Secret != next || jobs[0].Webhook.PreviousSecret != w.Secret {
		t.Errorf("claimed job secrets wrong (%d jobs, %v)", len(jobs), err)
	}
	// Updating settings leaves the secrets alone.
	got.Name = "renamed"
	if err := s.UpdateWebhook(ctx, got, t0); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.GetWebhook(ctx, app.ID, w.ID, t0); again.Secret != next || again.PreviousSecret != w.Secret {
		t.Error("UpdateWebhook changed the secrets")
	}
}

func testSecretsSealed(t *testing.T, s store.Store) {
	ctx := context.Background()
	box, _ := secretbox.New(secretbox.NewKey())
	s.UseSecretBox(box)
	app := newApp(t, s)
	encKey := bytes.Repeat([]byte{7}, 32)
	w := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Encrypted, w.EncryptionKey = true, encKey })
	plain := newWebhook(t, s, app.ID, nil)
	if err := s.RotateSecret(ctx, app.ID, plain.ID, signature.NewSecret(), t0.Add(time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if err != nil || got.Secret != w.Secret || !bytes.Equal(got.EncryptionKey, encKey) {
		t.Fatalf("read back through the box: secret equal %v, key equal %v, %v", got != nil && got.Secret == w.Secret, got != nil && bytes.Equal(got.EncryptionKey, encKey), err)
	}
	// A setting update does not replace the key.
	got.EncryptionKey = bytes.Repeat([]byte{9}, 32)
	if err := s.UpdateWebhook(ctx, got, t0); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.GetWebhook(ctx, app.ID, w.ID, t0); !bytes.Equal(again.EncryptionKey, encKey) {
		t.Error("UpdateWebhook replaced an existing encryption key")
	}
	// Under another server key nothing opens: the values were sealed, not stored in the clear.
	other, _ := secretbox.New(secretbox.NewKey())
	s.UseSecretBox(other)
	for _, id := range []string{w.ID, plain.ID} {
		_, err := s.GetWebhook(ctx, app.ID, id, t0)
		if err == nil {
			t.Errorf("webhook %s opened under another server key; its secrets are not sealed", id)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, w.Secret) || strings.Contains(msg, "sb1:") {
			t.Errorf("error %q shows secret material", msg)
		}
	}
	s.UseSecretBox(nil)
	if _, err := s.GetWebhook(ctx, app.ID, w.ID, t0); err == nil {
		t.Error("sealed webhook opened without a server key")
	}
}

// AdminUpgrade checks the migration that made admin the operator's and masked the custom
// header values recorded on attempts, on a store written before it. open opens (and migrates)
// the same database each time; exec runs SQL on it directly, to take the migration back.
func AdminUpgrade(t *testing.T, open func(t *testing.T) store.Store, exec func(t *testing.T, query string)) {
	ctx := context.Background()
	s := open(t)
	opApp, tenant := newApp(t, s), newApp(t, s)
	key := func(appID, scopes string, at time.Duration) *webhook.Key {
		t.Helper()
		ck, secret := webhook.NewKeyCredentials()
		k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, t0.Add(at)), AppID: appID, Name: scopes, ClientKey: ck, SecretHash: webhook.HashSecret(secret),
			Scopes: strings.Split(scopes, ","), Env: webhook.EnvProduction, Active: true, CreatedAt: t0.Add(at)}
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	// The tenant app's key is made in between: what decides is the oldest key's app.
	bootstrap := key(opApp.ID, strings.Join(webhook.AllScopes, ","), 0)
	tenantAdmin := key(tenant.ID, "admin", time.Minute)
	opAdmin := key(opApp.ID, "webhook:read,admin", 2*time.Minute)
	opRead := key(opApp.ID, "webhook:read", 3*time.Minute)
	tenantMixed := key(tenant.ID, "webhook:read,admin,event:write", 4*time.Minute)
	tenantRead := key(tenant.ID, "webhook:read", 5*time.Minute)

	// Attempts recorded with custom header values, as hookd recorded them before: one as sent,
	// one with a NUL that HTTP refused to send.
	w := newWebhook(t, s, tenant.ID, nil)
	send(t, s, tenant.ID, "invoice.paid", "invoice.paid")
	jobs, err := s.Claim(ctx, t0.Add(time.Second), time.Minute, 10)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim = %d, %v", len(jobs), err)
	}
	ev, nulEv := jobs[0].Event, jobs[1].Event
	o, nul := outcome(jobs[0], 200, webhook.StatusDelivered, nil), outcome(jobs[1], 0, webhook.StatusFailed, nil)
	o.Attempt.RequestHeaders = map[string]string{"Content-Type": "application/json", "User-Agent": "hookd/1", "Webhook-Id": ev.ID,
		"Webhook-Timestamp": "1772366400", "Webhook-Signature": "v1,c2ln", "X-Team": "billing-secret", "Authorization": "Bearer rcv_old"}
	nul.Attempt.RequestHeaders = map[string]string{"Webhook-Id": nulEv.ID, "X-Api-Key": "key_old", "X-Bad": "a\x00b"}
	if err := s.Complete(ctx, []store.Outcome{o, nul}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	exec(t, `ALTER TABLE api_keys DROP COLUMN operator`)
	exec(t, `DELETE FROM schema_migrations WHERE version = 8`)

	s = open(t)
	defer s.Close()
	want := map[string]struct {
		operator bool
		scopes   string
	}{
		bootstrap.ID:   {true, strings.Join(webhook.AllScopes, ",")},
		opAdmin.ID:     {true, "webhook:read,admin"},
		opRead.ID:      {false, "webhook:read"},
		tenantAdmin.ID: {false, ""},
		tenantMixed.ID: {false, "webhook:read,event:write"},
		tenantRead.ID:  {false, "webhook:read"},
	}
	for id, w := range want {
		got, err := s.GetKey(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Operator != w.operator || strings.Join(got.Scopes, ",") != w.scopes {
			t.Errorf("key %q after the upgrade: operator %v, scopes %q; want %v, %q", got.Name, got.Operator, got.Scopes, w.operator, w.scopes)
		}
	}
	if k, _ := s.GetKey(ctx, tenantAdmin.ID); k.HasScope(webhook.ScopeAdmin) || k.HasScope(webhook.ScopeWebhookRead) {
		t.Errorf("the tenant's admin-only key still holds something: %q", k.Scopes)
	}
	a, err := s.GetAttempt(ctx, tenant.ID, w.ID, ev.ID, o.Attempt.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantHeaders := map[string]string{"Content-Type": "application/json", "User-Agent": "hookd/1", "Webhook-Id": ev.ID,
		"Webhook-Timestamp": "1772366400", "Webhook-Signature": "v1,c2ln", "X-Team": webhook.HeaderMask, "Authorization": webhook.HeaderMask}
	if !maps.Equal(a.RequestHeaders, wantHeaders) {
		t.Errorf("recorded request headers after the upgrade = %v, want %v", a.RequestHeaders, wantHeaders)
	}
	// PostgreSQL cannot read a record holding a NUL as JSON text: it may be emptied, not shown.
	a, err = s.GetAttempt(ctx, tenant.ID, w.ID, nulEv.ID, nul.Attempt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.RequestHeaders["X-Api-Key"] == "key_old" || a.RequestHeaders["X-Bad"] == "a\x00b" {
		t.Errorf("recorded request headers with a NUL after the upgrade = %q, want the values masked or gone", a.RequestHeaders)
	}
}
