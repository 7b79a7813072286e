package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store/sqlite"
)

// runCLI runs one hookd command and returns its stdout, stderr and error.
func runCLI(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, noEnv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestSendSealedSecrets: hookd send works on a store whose webhook's secrets serve sealed
// with the server key, and a running hookd delivers the event.
func TestSendSealedSecrets(t *testing.T) {
	for _, tc := range []struct {
		name      string
		storeArgs func(t *testing.T) []string
		sendArgs  []string
	}{
		{"sqlite", func(t *testing.T) []string { return []string{"--data-dir", t.TempDir()} }, nil},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", postgresSchema(t)} }, []string{"--secret-key", testServerKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storeArgs := tc.storeArgs(t)
			app, key := setup(t, storeArgs...)
			h := serve(t, append(storeArgs, "--allow-network", loopback)...)
			rc := newReceiver(t, nil)
			newClient(t, h.URL, key).must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "cli", "url": rc.URL})

			args := append([]string{"send", "--app", app["id"].(string), "--type", "invoice.paid", "--data", `{"amount":42}`}, storeArgs...)
			sent := cli(t, append(args, tc.sendArgs...)...)
			if sent["deliveries"] != float64(1) {
				t.Errorf("hookd send = %v, want 1 delivery", sent)
			}
			got := rc.next(t, 5*time.Second)
			if id := got.header.Get("webhook-id"); id != sent["id"] {
				t.Errorf("webhook-id = %q, want %v", id, sent["id"])
			}
		})
	}
}

// TestHelpExitsZero: -h on every command prints its help on stdout and succeeds.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"-h"}, {"help"}, {"serve", "-h"}, {"migrate", "-h"}, {"apps", "-h"}, {"apps", "create", "-h"}, {"apps", "list", "-h"},
		{"keys", "-h"}, {"keys", "--help"}, {"keys", "create", "-h"}, {"keys", "list", "-h"}, {"keys", "revoke", "-h"},
		{"send", "-h"}, {"recover", "-h"}, {"bench", "-h"}, {"version", "-h"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, _, err := runCLI(args...)
			if err != nil {
				t.Fatalf("hookd %s returned %v, want nil", strings.Join(args, " "), err)
			}
			if !strings.Contains(stdout, "hookd") {
				t.Errorf("hookd %s printed %q, want its help", strings.Join(args, " "), stdout)
			}
		})
	}
	t.Run("binary", func(t *testing.T) {
		out, err := exec.Command(hookdBinary(t), "keys", "-h").CombinedOutput()
		if err != nil {
			t.Fatalf("hookd keys -h: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "keys list --app ID") {
			t.Errorf("hookd keys -h printed %q, want the keys commands", out)
		}
	})
}

// TestAppsAndKeysList: apps list and keys list print JSON, and keys list shows no secret.
func TestAppsAndKeysList(t *testing.T) {
	dir := t.TempDir()
	acme, key := setup(t, "--data-dir", dir)
	other := cli(t, "apps", "create", "--name", "other", "--data-dir", dir)

	var ids []string
	for _, a := range cli(t, "apps", "list", "--data-dir", dir)["data"].([]any) {
		ids = append(ids, a.(map[string]any)["id"].(string))
	}
	if want := []string{acme["id"].(string), other["id"].(string)}; strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("apps list ids = %v, want %v", ids, want)
	}

	stdout, stderr, err := runCLI("keys", "list", "--app", acme["id"].(string), "--data-dir", dir)
	if err != nil {
		t.Fatalf("keys list: %v\n%s", err, stderr)
	}
	var listed struct{ Data []map[string]any }
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil {
		t.Fatalf("keys list printed %q: %v", stdout, err)
	}
	if len(listed.Data) != 1 || listed.Data[0]["id"] != key["id"] || listed.Data[0]["is_active"] != true || listed.Data[0]["environment"] != "production" {
		t.Errorf("keys list = %v, want the one active production key %v", listed.Data, key["id"])
	}
	for _, secret := range []string{key["client_secret"].(string), key["token"].(string), key["client_key"].(string)} {
		if strings.Contains(stdout, secret) {
			t.Errorf("keys list shows a credential: %s", stdout)
		}
	}

	if got := cli(t, "keys", "list", "--app", other["id"].(string), "--data-dir", dir)["data"].([]any); len(got) != 0 {
		t.Errorf("keys list of an app without keys = %v, want []", got)
	}
	if _, _, err := runCLI("keys", "list", "--app", "app_unknown", "--data-dir", dir); err == nil {
		t.Error("keys list of an unknown app succeeded, want an error")
	}
}

func TestVersion(t *testing.T) {
	v := cli(t, "version")
	if v["go"] != runtime.Version() {
		t.Errorf("version go = %v, want %s", v["go"], runtime.Version())
	}
	if s, _ := v["version"].(string); s == "" {
		t.Errorf("version = %v, want a version", v)
	}
}

// TestCommandsRefuseMissingStore: a mistyped --data-dir is refused by every command but serve
// and migrate, naming the directory, and no store appears there.
func TestCommandsRefuseMissingStore(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "hookd-dta")
	empty := t.TempDir()
	for _, args := range [][]string{
		{"apps", "create", "--name", "acme"},
		{"apps", "list"},
		{"keys", "create", "--app", "app_x"},
		{"keys", "list", "--app", "app_x"},
		{"keys", "revoke", "key_x"},
		{"send", "--app", "app_x", "--type", "invoice.paid"},
		{"recover", "--app", "app_x", "--webhook", "wh_x", "--since", "2020-01-01T00:00:00Z", "--wait=false"},
	} {
		for _, dir := range []string{missing, empty} {
			t.Run(strings.Join(args[:2], " ")+" "+filepath.Base(dir), func(t *testing.T) {
				_, _, err := runCLI(append(args, "--data-dir", dir)...)
				if err == nil || !strings.Contains(err.Error(), dir) {
					t.Errorf("error = %v, want one naming %s", err, dir)
				}
				if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a store was created in %s (stat: %v)", dir, err)
				}
			})
		}
	}
	t.Run("after migrate", func(t *testing.T) {
		cli(t, "migrate", "--data-dir", missing)
		if got := cli(t, "apps", "list", "--data-dir", missing)["data"].([]any); len(got) != 0 {
			t.Errorf("apps list on a new store = %v, want []", got)
		}
	})
}
