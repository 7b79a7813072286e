package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// nodeModulesWith is nodeModules' directory, which must also hold pkgs.
func nodeModulesWith(t *testing.T, pkgs ...string) string {
	t.Helper()
	dir := nodeModules(t)
	for _, p := range pkgs {
		if _, err := os.Stat(filepath.Join(dir, p, "package.json")); err != nil {
			t.Fatalf("HOOKD_TEST_NODE_MODULES=%s lacks %s (%v); install the packages .ci/run names there", dir, p, err)
		}
	}
	return dir
}

// nodePath finds Node. Without it the test is skipped, unless HOOKD_TEST_REQUIRE_NODE=1.
func nodePath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		msg := "no node in PATH; install Node.js to run this test"
		if os.Getenv("HOOKD_TEST_REQUIRE_NODE") == "1" {
			t.Fatal(msg + "; HOOKD_TEST_REQUIRE_NODE=1 requires it")
		}
		t.Skip(msg)
	}
	return p
}

// forward writes each request rc gets to w as one JSON line, {"headers", "body"}, until stop.
func forward(rc *receiver, w io.Writer, stop <-chan struct{}) {
	enc := json.NewEncoder(w)
	for {
		select {
		case got := <-rc.seen:
			headers := map[string]string{}
			for name := range got.header {
				headers[strings.ToLower(name)] = got.header.Get(name)
			}
			if enc.Encode(map[string]any{"headers": headers, "body": string(got.body)}) != nil {
				return
			}
		case <-stop:
			return
		}
	}
}

// runNode runs script (a file of testdata) under Node with modules as its node_modules and env
// added to the environment, feeding it on stdin what rc gets, and returns its stdout.
func runNode(t *testing.T, modules, script string, rc *receiver, env ...string) []byte {
	t.Helper()
	// ES modules resolve packages from node_modules beside them, not from NODE_PATH.
	src, err := os.ReadFile(filepath.Join("testdata", script))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, filepath.Base(script))
	if err := os.WriteFile(name, src, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodePath(t), name)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop, fed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(fed)
		forward(rc, stdin, stop)
	}()
	err = cmd.Wait()
	close(stop)
	<-fed
	if err != nil {
		t.Fatalf("node %s: %v\nstderr:\n%s\nstdout:\n%s", script, err, stderr.String(), stdout.String())
	}
	return stdout.Bytes()
}

// svixFlow is what testdata/svix-node/flow.mjs prints.
type svixFlow struct {
	EventType string
	App       struct {
		ID, UID  string
		Metadata map[string]string
	}
	Endpoint              struct{ ID, UID, URL string }
	Secret, RotatedSecret string
	FirstMessage          struct{ ID, EventID, EventType string }
	Sent                  []string
	Delivered             []struct {
		ID      string
		Payload map[string]any
	}
	Messages, Attempts struct {
		IDs   []string // of the messages, and of the message of each attempt
		Pages int
	}
	Resend []struct {
		MsgID, EndpointID                       string
		TriggerType, Status, ResponseStatusCode int
	}
	Stats   struct{ Success, Pending, Sending, Fail int }
	Recover struct{ ID, Status, Task string }
	Portal  struct {
		URL       string
		Endpoints []string
		OtherApp  int
	}
	MissingApp struct {
		Code  int
		Error string
	}
}

// TestSvixNode runs the flow of TestSvixSDK with Svix's JavaScript SDK (the npm svix package)
// under Node, as a Node service moving from Svix would: the script prints what it saw, and
// verifies each delivery with the SDK's Webhook; here the receiver's requests are checked too.
func TestSvixNode(t *testing.T) {
	modules := nodeModulesWith(t, "svix")
	dir := t.TempDir()
	cli(t, "migrate", "--data-dir", dir)
	own := cli(t, "apps", "create", "--name", "platform", "--data-dir", dir)
	op := cli(t, "keys", "create", "--app", own["id"].(string), "--operator", "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, nil)

	out := runNode(t, modules, "svix-node/flow.mjs", rc, "HOOKD_URL="+h.URL, "HOOKD_TOKEN="+op["token"].(string), "RECEIVER_URL="+rc.URL)
	var got svixFlow
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("flow.mjs printed %q: %v", out, err)
	}

	if len(got.Sent) != 5 {
		t.Fatalf("the script sent %v, want 5 messages", got.Sent)
	}
	newestFirst := slices.Clone(got.Sent[:4])
	slices.Reverse(newestFirst)
	want := func(what string, ok bool, v any) {
		t.Helper()
		if !ok {
			t.Errorf("%s: got %+v", what, v)
		}
	}
	want("event type", got.EventType == "invoice.paid", got.EventType)
	want("application with a uid", strings.HasPrefix(got.App.ID, "app_") && got.App.UID == "customer-1" && got.App.Metadata["plan"] == "pro", got.App)
	want("endpoint", got.Endpoint.URL == rc.URL+"/hook" && got.Endpoint.UID == "main", got.Endpoint)
	want("first message", got.FirstMessage.EventID == "evt-0" && got.FirstMessage.EventType == "invoice.paid" && got.FirstMessage.ID == got.Sent[0], got.FirstMessage)
	want("secrets before and after rotation", strings.HasPrefix(got.Secret, "whsec_") && strings.HasPrefix(got.RotatedSecret, "whsec_") &&
		got.Secret != got.RotatedSecret, []string{got.Secret, got.RotatedSecret})
	want("messages in pages of 3, newest first", got.Messages.Pages == 2 && slices.Equal(got.Messages.IDs, newestFirst), got.Messages)
	want("attempts in pages of 3, newest first", got.Attempts.Pages == 2 && slices.Equal(got.Attempts.IDs, newestFirst), got.Attempts)
	if len(got.Resend) != 2 {
		t.Fatalf("attempts of the resent message = %+v, want 2", got.Resend)
	}
	for i, a := range got.Resend {
		// The resend is the newer attempt: manual (1), before the scheduled one (0).
		want("attempt of the resent message", a.MsgID == got.Sent[0] && a.EndpointID == got.Endpoint.ID && a.TriggerType == 1-i &&
			a.Status == 0 && a.ResponseStatusCode == 200, a)
	}
	want("endpoint stats", got.Stats.Success == 4 && got.Stats.Pending == 0 && got.Stats.Sending == 0 && got.Stats.Fail == 0, got.Stats)
	want("recover task", strings.HasPrefix(got.Recover.ID, "job_") && got.Recover.Status == "running" && got.Recover.Task == "endpoint.recover", got.Recover)
	want("portal token", got.Portal.URL != "" && slices.Equal(got.Portal.Endpoints, []string{got.Endpoint.ID}) && got.Portal.OtherApp == 404, got.Portal)
	want("missing application", got.MissingApp.Code == 404 && got.MissingApp.Error == "not_found", got.MissingApp)

	// What the receiver got: the four messages, the resend of the first, the one after rotation,
	// as the script saw them, and Svix's Go verifier agrees with its JavaScript one.
	wantIDs := append(slices.Clone(got.Sent[:4]), got.Sent[0], got.Sent[4])
	wantN := []float64{0, 1, 2, 3, 0, 9}
	rc.mu.Lock()
	requests := slices.Clone(rc.got)
	rc.mu.Unlock()
	if len(requests) != len(wantIDs) || len(got.Delivered) != len(wantIDs) {
		t.Fatalf("the receiver got %d requests and the script verified %d, want %d", len(requests), len(got.Delivered), len(wantIDs))
	}
	for i, r := range requests {
		secret := got.Secret
		if i == len(requests)-1 {
			secret = got.RotatedSecret
		}
		payload := verifyWith(t, secret, r)
		// hookd sends Standard Webhooks' webhook-id; Svix's verifiers take either name.
		if id := cmp.Or(r.header.Get("svix-id"), r.header.Get("webhook-id")); id != wantIDs[i] || got.Delivered[i].ID != id || payload["n"] != wantN[i] || got.Delivered[i].Payload["n"] != wantN[i] {
			t.Errorf("delivery %d: id %s, payload %v (the script saw %+v), want message %s with n=%v", i, id, payload, got.Delivered[i], wantIDs[i], wantN[i])
		}
	}
}
