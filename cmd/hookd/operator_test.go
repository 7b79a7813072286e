package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

// admin is the operator's scope: it manages every app. A tenant app's key that held it listed
// every app, minted a full key for another app, read that app's signing secret and deleted it.

// TestKeysCreateAdminNeedsOperator runs the hookd binary: asking for admin without --operator
// exits non-zero saying why and how, and creates nothing.
func TestKeysCreateAdminNeedsOperator(t *testing.T) {
	dir := t.TempDir()
	cli(t, "migrate", "--data-dir", dir)
	app := cli(t, "apps", "create", "--name", "tenant", "--data-dir", dir)
	id := app["id"].(string)
	for _, scopes := range []string{"admin", "webhook:read,admin"} {
		cmd := exec.Command(hookdBinary(t), "keys", "create", "--app", id, "--scopes", scopes, "--data-dir", dir)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("keys create --scopes %s: %v, want a non-zero exit", scopes, err)
		}
		msg := stderr.String()
		if !strings.Contains(msg, "admin is the operator's scope: it manages every app") || !strings.Contains(msg, "add --operator") || stdout.Len() != 0 {
			t.Errorf("keys create --scopes %s: stdout %q, stderr %q; want nothing printed and a message saying why and how", scopes, stdout.String(), msg)
		}
	}
	if n := countKeys(t, dir, id); n != 0 {
		t.Errorf("the refused commands made %d keys", n)
	}

	op := cli(t, "keys", "create", "--app", id, "--operator", "--data-dir", dir)
	if op["operator"] != true || !sameJSONValue(op["scopes"], webhook.AllScopes) {
		t.Errorf("keys create --operator = %v, want an operator key with every scope", op)
	}
	narrow := cli(t, "keys", "create", "--app", id, "--operator", "--scopes", "webhook:read", "--data-dir", dir)
	if narrow["operator"] != true || !sameJSONValue(narrow["scopes"], []string{"webhook:read"}) {
		t.Errorf("keys create --operator --scopes webhook:read = %v, want those scopes", narrow)
	}
	tenant := cli(t, "keys", "create", "--app", id, "--data-dir", dir)
	if tenant["operator"] != false || slices.Contains(toStrings(tenant["scopes"]), "admin") {
		t.Errorf("keys create = %v, want a tenant key without admin", tenant)
	}
}

// TestOnlyTheOperatorAdministers: the bootstrap key is the operator's; it makes tenant apps and
// keys, and no tenant key can reach another app through the admin API.
func TestOnlyTheOperatorAdministers(t *testing.T) {
	dir := t.TempDir()
	h := serve(t, "--data-dir", dir)
	_, rest, _ := strings.Cut(h.stdout.String(), "token: ")
	ck, cs, ok := webhook.ParseToken(strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0]))
	if !ok {
		t.Fatalf("no bootstrap token in %q", h.stdout.String())
	}
	op := newClient(t, h.URL, map[string]any{"client_key": ck, "client_secret": cs})
	apps := op.must(200, "GET", "/api/v0/admin/apps", nil)["data"].([]any)
	opApp := apps[0].(map[string]any)["id"].(string)
	if keys := op.must(200, "GET", "/api/v0/admin/apps/"+opApp+"/keys", nil)["data"].([]any); len(keys) != 1 || keys[0].(map[string]any)["operator"] != true {
		t.Errorf("the bootstrap key = %v, want an operator key", keys)
	}

	// Tenants A and B; B asks for admin and is refused.
	a := op.must(201, "POST", "/api/v0/admin/apps", map[string]any{"name": "a"})["id"].(string)
	b := op.must(201, "POST", "/api/v0/admin/apps", map[string]any{"name": "b"})["id"].(string)
	st, v := op.do("POST", "/api/v0/admin/apps/"+b+"/keys", map[string]any{"scopes": webhook.AllScopes})
	if msg, _ := v["message"].(string); st != 400 || v["statusCode"] != float64(400) || !strings.Contains(msg, "admin is the operator's scope") {
		t.Errorf("admin for tenant B's key: %d %v, want 400 saying admin is the operator's", st, v)
	}
	ka := op.must(201, "POST", "/api/v0/admin/apps/"+a+"/keys", map[string]any{"scopes": []string{"webhook:read", "webhook:write", "webhook:secret"}})
	kb := op.must(201, "POST", "/api/v0/admin/apps/"+b+"/keys", map[string]any{"scopes": []string{"webhook:read", "webhook:write", "webhook:secret", "event:write", "event:read"}})
	hookA := newClient(t, h.URL, ka).must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "a", "url": "https://example.com/a"})

	// What B's key did with admin before, it cannot do now.
	cb := newClient(t, h.URL, kb)
	for _, call := range []struct{ method, path string }{
		{"GET", "/api/v0/admin/apps"},
		{"POST", "/api/v0/admin/apps/" + a + "/keys"},
		{"DELETE", "/api/v0/admin/apps/" + a},
	} {
		var body any
		if call.method == "POST" {
			body = map[string]any{"scopes": []string{"webhook:secret"}}
		}
		if st, v := cb.do(call.method, call.path, body); st != 403 || v["message"] != "Missing required scope" {
			t.Errorf("tenant B: %s %s = %d %v, want 403 Missing required scope", call.method, call.path, st, v)
		}
	}
	if st, _ := cb.do("GET", "/api/v0/webhooks/"+hookA["id"].(string)+"/secret", nil); st != 404 {
		t.Errorf("tenant B reading A's secret: %d, want 404", st)
	}
	op.must(200, "GET", "/api/v0/admin/apps/"+a, nil)
}

// countKeys counts appID's keys, reading the store in dir.
func countKeys(t *testing.T, dir, appID string) int {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, err := st.ListKeys(context.Background(), appID)
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}

func toStrings(v any) []string {
	b, _ := json.Marshal(v)
	var out []string
	_ = json.Unmarshal(b, &out)
	return out
}
