package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd/internal/secretbox"
)

// raw sends one request with a key's headers and returns the status, headers and body.
func raw(t *testing.T, base, method, path string, key map[string]any, body any) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, r)
	if key != nil {
		req.Header.Set("x-client-key", key["client_key"].(string))
		req.Header.Set("x-client-secret", key["client_secret"].(string))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// spendHour makes n requests spread over the instances and returns the last answer. It reports
// ok=false if an hour boundary passed meanwhile (the window restarted, so counts mean nothing).
func spendHour(t *testing.T, bases []string, key map[string]any, n int) (status int, h http.Header, body []byte, ok bool) {
	t.Helper()
	start := time.Now().Truncate(time.Hour)
	for i := range n {
		status, h, body = raw(t, bases[i%len(bases)], "GET", "/api/v0/webhooks", key, nil)
		if i < 100 && status != 200 {
			t.Fatalf("request %d: %d %s, want 200", i+1, status, body)
		}
		if i < 100 {
			if got, want := h.Get("X-RateLimit-Remaining"), strconv.Itoa(100-(i+1)); got != want {
				t.Fatalf("request %d: X-RateLimit-Remaining = %q, want %q", i+1, got, want)
			}
		}
	}
	return status, h, body, time.Now().Truncate(time.Hour).Equal(start)
}

func check429(t *testing.T, status int, h http.Header, body []byte) {
	t.Helper()
	if status != 429 {
		t.Fatalf("101st request: %d %s, want 429", status, body)
	}
	reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	retry, _ := strconv.Atoi(h.Get("Retry-After"))
	wantReset := time.Now().Truncate(time.Hour).Add(time.Hour).Unix()
	if h.Get("X-RateLimit-Limit") != "100" || h.Get("X-RateLimit-Remaining") != "0" || reset != wantReset || retry < 1 || retry > 3600 {
		t.Errorf("429 headers: limit %q remaining %q reset %q (want %d) retry-after %q", h.Get("X-RateLimit-Limit"),
			h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Reset"), wantReset, h.Get("Retry-After"))
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil || v["statusCode"] != float64(429) || v["message"] != "Too many requests" ||
		v["error"] != "Too Many Requests" || !strings.Contains(v["details"].(string), "100 requests per hour") {
		t.Errorf("429 body = %s, want seed 001's error shape", body)
	}
}

func devKey(t *testing.T, app map[string]any, storeArgs ...string) map[string]any {
	return cli(t, append([]string{"keys", "create", "--app", app["id"].(string), "--env", "development",
		"--scopes", "webhook:read,event:write"}, storeArgs...)...)
}

func TestRateLimitDevelopmentKey(t *testing.T) {
	for try := 0; ; try++ {
		dir := t.TempDir()
		app, _ := setup(t, "--data-dir", dir)
		key := devKey(t, app, "--data-dir", dir)
		h := serve(t, "--data-dir", dir)
		// Event ingestion does not spend the hourly quota.
		for range 3 {
			if st, _, b := raw(t, h.URL, "POST", "/api/v0/events", key, map[string]any{"event_type": "a.b", "payload": 1}); st != 202 {
				t.Fatalf("post event: %d %s", st, b)
			}
		}
		status, hdr, body, ok := spendHour(t, []string{h.URL}, key, 101)
		if !ok && try == 0 {
			continue // an hour began mid-test; once more
		}
		check429(t, status, hdr, body)
		st, hdr, b := raw(t, h.URL, "POST", "/api/v0/events", key, map[string]any{"event_type": "a.b", "payload": 1})
		if st != 202 || hdr.Get("X-RateLimit-Limit") != "100" || hdr.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("events after the quota is spent: %d %s, limit %q remaining %q; want 202 (ingestion has its own limit) showing the spent quota",
				st, b, hdr.Get("X-RateLimit-Limit"), hdr.Get("X-RateLimit-Remaining"))
		}
		return
	}
}

func TestRateLimitSharedByTwoInstancesOnPostgres(t *testing.T) {
	url := postgresSchema(t)
	key64 := secretbox.EncodeKey(secretbox.NewKey())
	app, _ := setup(t, "--database-url", url)
	for try := 0; ; try++ {
		key := devKey(t, app, "--database-url", url)
		a := serve(t, "--database-url", url, "--secret-key", key64)
		b := serve(t, "--database-url", url, "--secret-key", key64)
		status, hdr, body, ok := spendHour(t, []string{a.URL, b.URL}, key, 101)
		if !ok && try == 0 {
			continue
		}
		check429(t, status, hdr, body)
		if st, _, _ := raw(t, a.URL, "GET", "/api/v0/webhooks", key, nil); st != 429 {
			t.Errorf("the other instance answers %d, want 429", st)
		}
		return
	}
}

func TestRateLimitFlag(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--rate-limit-production", "3")
	for i := 1; i <= 4; i++ {
		st, hdr, _ := raw(t, h.URL, "GET", "/api/v0/webhooks", key, nil)
		want := 200
		if i == 4 {
			want = 429
		}
		if st != want || hdr.Get("X-RateLimit-Limit") != "3" {
			t.Errorf("request %d: %d, limit %q; want %d, limit 3", i, st, hdr.Get("X-RateLimit-Limit"), want)
		}
	}
}

// TestSecretRotation: during the grace period every delivery carries both signatures and
// the Standard Webhooks library accepts either secret; after it only the new one signs.
func TestSecretRotation(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "rotating", "url": rc.URL})
	id, oldSecret := hook["id"].(string), hook["signing_secret"].(string)

	rot := c.must(200, "POST", "/api/v0/webhooks/"+id+"/secret/rotate", map[string]any{"grace_period": 2})
	newSecret, _ := rot["signing_secret"].(string)
	if !strings.HasPrefix(newSecret, "whsec_") || newSecret == oldSecret || rot["previous_secret_expires_at"] == nil {
		t.Fatalf("rotate = %v, want a new whsec_ secret and when the old one expires", rot)
	}
	if got := c.must(200, "GET", "/api/v0/webhooks/"+id+"/secret", nil); got["signing_secret"] != newSecret {
		t.Errorf("GET secret = %v, want the new secret", got["signing_secret"])
	}
	verify := func(secret string, r received) error {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		return wh.Verify(r.body, r.header)
	}

	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a.b", "payload": map[string]any{"n": 1}})
	during := rc.next(t, 5*time.Second)
	if n := len(strings.Fields(during.header.Get("Webhook-Signature"))); n != 2 {
		t.Errorf("during the grace period: %d signatures, want 2", n)
	}
	if err := verify(oldSecret, during); err != nil {
		t.Errorf("old secret rejected during the grace period: %v", err)
	}
	if err := verify(newSecret, during); err != nil {
		t.Errorf("new secret rejected during the grace period: %v", err)
	}

	time.Sleep(2100 * time.Millisecond)
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a.b", "payload": map[string]any{"n": 2}})
	after := rc.next(t, 5*time.Second)
	if n := len(strings.Fields(after.header.Get("Webhook-Signature"))); n != 1 {
		t.Errorf("after the grace period: %d signatures, want 1", n)
	}
	if err := verify(oldSecret, after); err == nil {
		t.Error("old secret still verifies after the grace period")
	}
	if err := verify(newSecret, after); err != nil {
		t.Errorf("new secret rejected after the grace period: %v", err)
	}
	if got := c.must(200, "GET", "/api/v0/webhooks/"+id+"/secret", nil); got["previous_secret_expires_at"] != nil {
		t.Errorf("GET secret after the grace period = %v, want no previous secret", got)
	}
	c.must(400, "POST", "/api/v0/webhooks/"+id+"/secret/rotate", map[string]any{"grace_period": -1})
	c.must(400, "POST", "/api/v0/webhooks/"+id+"/secret/rotate", map[string]any{"grace": 5})
}

// TestEncryptedWebhook: the body is a JWE that an independent JOSE library decrypts with the
// key given at creation, and the signature covers the token.
func TestEncryptedWebhook(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "sealed", "url": rc.URL, "encrypted": true})
	encKey, err := base64.StdEncoding.DecodeString(hook["encryption_key"].(string))
	if err != nil || len(encKey) != 32 {
		t.Fatalf("encryption_key = %v (%v), want 32 bytes in base64", hook["encryption_key"], err)
	}
	if got := c.must(200, "GET", "/api/v0/webhooks/"+hook["id"].(string)+"/secret", nil); got["encryption_key"] != hook["encryption_key"] {
		t.Errorf("GET secret encryption_key = %v, want the one from creation", got["encryption_key"])
	}
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"amount": 42}})
	got := rc.next(t, 5*time.Second)
	if ct := got.header.Get("Content-Type"); ct != "application/jose" {
		t.Errorf("content-type = %q, want application/jose", ct)
	}
	wh, _ := standardwebhooks.NewWebhook(hook["signing_secret"].(string))
	if err := wh.Verify(got.body, got.header); err != nil {
		t.Errorf("signature over the token: %v", err)
	}
	obj, err := jose.ParseEncrypted(string(got.body), []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		t.Fatalf("go-jose parse: %v", err)
	}
	plain, err := obj.Decrypt(encKey)
	if err != nil {
		t.Fatalf("go-jose decrypt: %v", err)
	}
	var env struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(plain, &env); err != nil || env.Type != "invoice.paid" || env.Data["amount"] != float64(42) {
		t.Errorf("decrypted = %s, want the envelope", plain)
	}

	// Turning encryption on later makes a key, given by the secret route; the update does not show it.
	later := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "later", "url": "https://example.com/x"})
	if _, ok := later["encryption_key"]; ok {
		t.Error("an unencrypted webhook's creation shows an encryption_key")
	}
	upd := c.must(200, "PATCH", "/api/v0/webhooks/"+later["id"].(string), map[string]any{"encrypted": true})
	if _, ok := upd["encryption_key"]; ok || upd["encrypted"] != true {
		t.Errorf("PATCH answer = %v, want encrypted and no key", upd)
	}
	sec := c.must(200, "GET", "/api/v0/webhooks/"+later["id"].(string)+"/secret", nil)
	if k, _ := base64.StdEncoding.DecodeString(fmt.Sprint(sec["encryption_key"])); len(k) != 32 {
		t.Errorf("secret route after turning encryption on = %v, want a 32-byte key", sec)
	}
}

// TestServerKeyFile: the embedded default generates its key into the data directory, mode 0600,
// and reuses it on the next start.
func TestServerKeyFile(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	path := filepath.Join(dir, KeyFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode = %o, want 600", path, fi.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "x", "url": "https://example.com/x"})
	h.stop()
	h2 := serve(t, "--data-dir", dir)
	if again, _ := os.ReadFile(path); !bytes.Equal(again, first) {
		t.Error("the server key changed on restart")
	}
	c2 := newClient(t, h2.URL, key)
	if got := c2.must(200, "GET", "/api/v0/webhooks/"+hook["id"].(string)+"/secret", nil); got["signing_secret"] != hook["signing_secret"] {
		t.Error("the secret does not read back after a restart")
	}
	h2.stop()
	// A wrong key cannot open the secrets, and says so without showing them.
	h3 := serve(t, "--data-dir", dir, "--secret-key", secretbox.EncodeKey(secretbox.NewKey()))
	st, _, body := raw(t, h3.URL, "GET", "/api/v0/webhooks/"+hook["id"].(string)+"/secret", key, nil)
	if st != 500 || bytes.Contains(body, []byte("whsec_")) || bytes.Contains(body, []byte("sb1:")) {
		t.Errorf("with another server key: %d %s, want a 500 that shows nothing", st, body)
	}
	h3.stop()
	if strings.Contains(h3.stderr.String(), hook["signing_secret"].(string)) {
		t.Error("the log shows the signing secret")
	}
}

// TestAdminAPI: apps and keys through the API; secrets shown once; last_used_at kept;
// a deactivated key is refused, a deleted one unknown.
func TestAdminAPI(t *testing.T) {
	dir := t.TempDir()
	cli(t, "migrate", "--data-dir", dir)
	app := cli(t, "apps", "create", "--name", "ops", "--data-dir", dir)
	admin := cli(t, "keys", "create", "--app", app["id"].(string), "--operator", "--scopes", "admin", "--data-dir", dir)
	if admin["operator"] != true {
		t.Fatalf("keys create --operator = %v, want an operator key", admin)
	}
	h := serve(t, "--data-dir", dir)
	c := newClient(t, h.URL, admin)

	tenant := c.must(201, "POST", "/api/v0/admin/apps", map[string]any{"name": "tenant"})
	tid := tenant["id"].(string)
	apps := c.must(200, "GET", "/api/v0/admin/apps", nil)["data"].([]any)
	if len(apps) != 2 {
		t.Errorf("apps = %v, want 2", apps)
	}
	k := c.must(201, "POST", "/api/v0/admin/apps/"+tid+"/keys", map[string]any{"name": "ci", "scopes": []string{"webhook:read"}, "environment": "development"})
	if k["client_secret"] == nil || k["token"] == nil || k["environment"] != "development" || k["is_active"] != true {
		t.Fatalf("created key = %v, want its secret and token shown once", k)
	}
	tk := newClient(t, h.URL, k)
	tk.must(200, "GET", "/api/v0/webhooks", nil)
	tk.must(403, "GET", "/api/v0/admin/apps", nil)
	list := c.must(200, "GET", "/api/v0/admin/apps/"+tid+"/keys", nil)["data"].([]any)
	if len(list) != 1 {
		t.Fatalf("keys = %v, want 1", list)
	}
	lk := list[0].(map[string]any)
	if _, shown := lk["client_secret"]; shown || lk["last_used_at"] == nil || lk["id"] != k["id"] {
		t.Errorf("listed key = %v, want no secret and a last_used_at", lk)
	}
	body, _ := json.Marshal(list)
	if bytes.Contains(body, []byte(k["client_secret"].(string))) {
		t.Error("the key list shows the secret")
	}
	c.must(400, "POST", "/api/v0/admin/apps/"+tid+"/keys", map[string]any{"scopes": []string{"root"}})
	c.must(400, "POST", "/api/v0/admin/apps/"+tid+"/keys", map[string]any{"scopes": []string{"webhook:read"}, "environment": "staging"})
	c.must(404, "POST", "/api/v0/admin/apps/app_01ZZZZZZZZZZZZZZZZZZZZZZZZ/keys", map[string]any{"scopes": []string{"webhook:read"}})

	kid := k["id"].(string)
	if got := c.must(200, "PATCH", "/api/v0/admin/keys/"+kid, map[string]any{"is_active": false}); got["is_active"] != false {
		t.Errorf("PATCH = %v, want is_active false", got)
	}
	if st, v := tk.do("GET", "/api/v0/webhooks", nil); st != 403 || v["message"] != "API key is inactive" {
		t.Errorf("deactivated key: %d %v, want 403 API key is inactive", st, v)
	}
	c.must(200, "PATCH", "/api/v0/admin/keys/"+kid, map[string]any{"is_active": true})
	tk.must(200, "GET", "/api/v0/webhooks", nil)
	c.must(204, "DELETE", "/api/v0/admin/keys/"+kid, nil)
	if st, v := tk.do("GET", "/api/v0/webhooks", nil); st != 401 || v["message"] != "Invalid client app credentials" {
		t.Errorf("deleted key: %d %v, want 401 Invalid client app credentials", st, v)
	}
	c.must(404, "DELETE", "/api/v0/admin/keys/"+kid, nil)
	c.must(409, "PATCH", "/api/v0/admin/keys/"+admin["id"].(string), map[string]any{"is_active": false})
	c.must(409, "DELETE", "/api/v0/admin/apps/"+app["id"].(string), nil)
	c.must(204, "DELETE", "/api/v0/admin/apps/"+tid, nil)
	c.must(404, "GET", "/api/v0/admin/apps/"+tid, nil)
}

// TestRequestLimits: oversized headers, URLs and bodies are refused with 431 and 413, never served.
func TestRequestLimits(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir)
	send := func(method, path string, body []byte, header string) (int, []byte) {
		req, _ := http.NewRequest(method, h.URL+path, bytes.NewReader(body))
		req.Header.Set("x-client-key", key["client_key"].(string))
		req.Header.Set("x-client-secret", key["client_secret"].(string))
		if header != "" {
			req.Header.Set("X-Padding", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if st, _ := send("GET", "/api/v0/webhooks", nil, strings.Repeat("a", 100<<10)); st != 431 {
		t.Errorf("100 KiB header: %d, want 431", st)
	}
	if st, _ := send("GET", "/api/v0/webhooks/wh_"+strings.Repeat("A", 100<<10), nil, ""); st != 431 {
		t.Errorf("100 KiB URL: %d, want 431", st)
	}
	big := []byte(`{"name":"` + strings.Repeat("a", 100<<10) + `","url":"https://example.com"}`)
	st, body := send("POST", "/api/v0/webhooks", big, "")
	var v map[string]any
	_ = json.Unmarshal(body, &v)
	if st != 413 || v["statusCode"] != float64(413) || !strings.Contains(v["message"].(string), "larger than") {
		t.Errorf("100 KiB settings body: %d %s, want 413 saying the limit", st, body)
	}
	st, body = send("POST", "/api/v0/webhooks", []byte(`{"name":"n","url":"https://example.com","colour":"red"}`), "")
	if st != 400 || !strings.Contains(string(body), `unknown field \"colour\"`) {
		t.Errorf("unknown field: %d %s, want 400 naming it", st, body)
	}
	st, body = send("POST", "/api/v0/webhooks", []byte(`{"name":7,"url":"https://example.com"}`), "")
	if st != 400 || !strings.Contains(string(body), "name must be a string") {
		t.Errorf("wrong type: %d %s, want 400 naming the field and type", st, body)
	}
}

// TestPostgresRefusesPlaintextSecrets: on PostgreSQL without a server key serve refuses to
// start, saying how to give every instance one key; --allow-plaintext-secrets lets it start.
func TestPostgresRefusesPlaintextSecrets(t *testing.T) {
	url := postgresSchema(t)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--database-url", url}, noEnv, &stdout, &stderr)
	if err == nil {
		t.Fatal("serve on PostgreSQL without a server key started")
	}
	db, dbErr := sql.Open("pgx", url)
	if dbErr != nil {
		t.Fatal(dbErr)
	}
	defer db.Close()
	var tables int
	if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("the refusal left %d tables (%v): serve touched the database before refusing", tables, err)
	}
	msg := err.Error()
	for _, want := range []string{"no server key", "every instance", "HOOKD_SECRET_KEY=", "--secret-key", "--allow-plaintext-secrets"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal %q does not say %q", msg, want)
		}
	}
	// The key it suggests is a usable one.
	_, rest, _ := strings.Cut(msg, "HOOKD_SECRET_KEY=")
	if _, err := secretbox.ParseKey(strings.Fields(rest)[0]); err != nil {
		t.Errorf("the suggested key does not parse: %v", err)
	}
	if strings.Contains(stdout.String(), "listening") {
		t.Errorf("serve listened before refusing: %q", stdout.String())
	}
	// The key from the environment, the same for every instance, starts it.
	env := func(k string) string {
		return map[string]string{"HOOKD_SECRET_KEY": testServerKey, "HOOKD_DATABASE_URL": url}[k]
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	out := &syncBuffer{}
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, env, out, &syncBuffer{}) }()
	eventually(t, 20*time.Second, "serve with HOOKD_SECRET_KEY listens", func() bool { return strings.Contains(out.String(), "hookd listening on") })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve with HOOKD_SECRET_KEY: %v", err)
	}
	h := serve(t, "--database-url", url, "--allow-plaintext-secrets")
	h.stop()
	if !strings.Contains(h.stderr.String(), "stored unencrypted") {
		t.Error("no warning that secrets are stored unencrypted with --allow-plaintext-secrets")
	}
}

// TestPostgresSecretsSealedWhenAKeyArrives: with --allow-plaintext-secrets PostgreSQL keeps
// secrets in the clear (and says so); the first start with a key seals every one of them
// (signing secret, previous secret, encryption key, custom header values), and they read back.
func TestPostgresSecretsSealedWhenAKeyArrives(t *testing.T) {
	url := postgresSchema(t)
	_, key := setup(t, "--database-url", url)
	h := serve(t, "--database-url", url, "--allow-plaintext-secrets", "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "x", "url": rc.URL, "encrypted": true,
		"headers": map[string]string{"X-Api-Key": "rcv_plain_1", "Authorization": "Bearer rcv_plain_2"}})
	id := hook["id"].(string)
	c.must(200, "POST", "/api/v0/webhooks/"+id+"/secret/rotate", map[string]any{"grace_period": 3600})
	before := c.must(200, "GET", "/api/v0/webhooks/"+id+"/secret", nil)
	h.stop()
	if !strings.Contains(h.stderr.String(), "stored unencrypted") {
		t.Error("no warning that secrets are stored unencrypted with --allow-plaintext-secrets")
	}
	stored := func() []string {
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var secret, prev, encKey, headers string
		if err := db.QueryRow(`SELECT secret, secret_prev, encryption_key, headers FROM webhooks WHERE id = $1`, id).Scan(&secret, &prev, &encKey, &headers); err != nil {
			t.Fatal(err)
		}
		var h map[string]string
		if err := json.Unmarshal([]byte(headers), &h); err != nil {
			t.Fatal(err)
		}
		return []string{secret, prev, encKey, h["X-Api-Key"], h["Authorization"]}
	}
	for _, v := range stored() {
		if v == "" || secretbox.Sealed(v) {
			t.Fatalf("stored without a key: %q; want every secret in the clear (this test would see nothing)", stored())
		}
	}

	h2 := serve(t, "--database-url", url, "--secret-key", testServerKey, "--allow-network", loopback)
	for i, v := range stored() {
		if !secretbox.Sealed(v) {
			t.Errorf("stored value %d after a start with a key is still in the clear", i)
		}
	}
	c2 := newClient(t, h2.URL, key)
	if got := c2.must(200, "GET", "/api/v0/webhooks/"+id+"/secret", nil); !sameJSONValue(got, before) {
		t.Errorf("after sealing the secret route shows %v, want %v", got, before)
	}
	c2.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a.b", "payload": 1})
	if got := rc.next(t, 5*time.Second); got.header.Get("X-Api-Key") != "rcv_plain_1" {
		t.Errorf("after sealing the receiver got X-Api-Key %q", got.header.Get("X-Api-Key"))
	}
	h2.stop()
	if !strings.Contains(h2.stderr.String(), "sealed secrets") {
		t.Error("no log line about sealing the secrets kept in the clear")
	}
	h3 := serve(t, "--database-url", url, "--secret-key", secretbox.EncodeKey(secretbox.NewKey()))
	if st, _, _ := raw(t, h3.URL, "GET", "/api/v0/webhooks/"+id+"/secret", key, nil); st != 500 {
		t.Errorf("under another server key: %d, want 500 (the secrets are sealed)", st)
	}
}
