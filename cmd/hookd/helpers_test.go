package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/secretbox"
)

// syncBuffer is a goroutine-safe stdout for run().
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func noEnv(string) string { return "" }

// cli runs one hookd command and decodes its JSON output.
func cli(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, noEnv, &out, &errOut); err != nil {
		t.Fatalf("hookd %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("hookd %s printed %q: %v", strings.Join(args, " "), out.String(), err)
	}
	return v
}

// instance is a hookd serve started through run() on 127.0.0.1:0.
type instance struct {
	URL    string
	stdout *syncBuffer
	stderr *syncBuffer
	stop   func()
}

// testServerKey is the server key of every PostgreSQL instance the tests start, since all the
// instances sharing a database must share one; tests about the key give their own flags.
var testServerKey = secretbox.EncodeKey(secretbox.NewKey())

// withServerKey adds --secret-key to serve flags for PostgreSQL that say nothing of a key.
func withServerKey(args []string) []string {
	if !slices.Contains(args, "--database-url") || slices.Contains(args, "--secret-key") || slices.Contains(args, "--allow-plaintext-secrets") {
		return args
	}
	return append(slices.Clone(args), "--secret-key", testServerKey)
}

func serve(t *testing.T, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	inst := &instance{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, withServerKey(args)...), noEnv, inst.stdout, inst.stderr)
	}()
	var once sync.Once
	inst.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve returned %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop within 30s")
			}
		})
	}
	t.Cleanup(inst.stop)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s", err, inst.stderr.String())
		default:
		}
		if _, rest, ok := strings.Cut(inst.stdout.String(), "hookd listening on "); ok {
			inst.URL = strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0])
			if resp, err := http.Get(inst.URL + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return inst
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("serve did not become healthy:\n%s\n%s", inst.stdout.String(), inst.stderr.String())
	return nil
}

// client calls the API with one key.
type client struct {
	t      *testing.T
	base   string
	key    string
	secret string
}

func newClient(t *testing.T, base string, key map[string]any) *client {
	return &client{t: t, base: base, key: key["client_key"].(string), secret: key["client_secret"].(string)}
}

func (c *client) do(method, path string, body any, header ...string) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("x-client-key", c.key)
	req.Header.Set("x-client-secret", c.secret)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	c.checkOpenAPI(req, resp, raw)
	var v map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			c.t.Fatalf("%s %s: %d %q is not a JSON object", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, v
}

// must calls and requires the status.
func (c *client) must(want int, method, path string, body any, header ...string) map[string]any {
	c.t.Helper()
	got, v := c.do(method, path, body, header...)
	if got != want {
		c.t.Fatalf("%s %s = %d %v, want %d", method, path, got, v, want)
	}
	return v
}

// received is one request a receiver got.
type received struct {
	at     time.Time
	header http.Header
	body   []byte
}

// receiver is an httptest server that records requests and answers with respond.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	seen chan received
}

// newFailingReceiver answers status until up is set, then 200.
func newFailingReceiver(t *testing.T, status int) (*receiver, *atomic.Bool) {
	up := new(atomic.Bool)
	rc := newReceiver(t, func(_ int, w http.ResponseWriter) {
		if !up.Load() {
			w.WriteHeader(status)
		}
	})
	return rc, up
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter)) *receiver {
	rc := &receiver{seen: make(chan received, 100000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := received{at: time.Now(), header: r.Header.Clone(), body: body}
		rc.mu.Lock()
		rc.got = append(rc.got, rec)
		n := len(rc.got)
		rc.mu.Unlock()
		if respond != nil {
			respond(n, w)
		}
		rc.seen <- rec
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

func (rc *receiver) next(t *testing.T, within time.Duration) received {
	t.Helper()
	select {
	case r := <-rc.seen:
		return r
	case <-time.After(within):
		t.Fatalf("receiver got nothing within %s", within)
		return received{}
	}
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// setup makes a store, an app and a key with every scope but admin in a fresh data dir.
func setup(t *testing.T, storeArgs ...string) (app, key map[string]any) {
	t.Helper()
	cli(t, append([]string{"migrate"}, storeArgs...)...)
	app = cli(t, append([]string{"apps", "create", "--name", "acme"}, storeArgs...)...)
	key = cli(t, append([]string{"keys", "create", "--app", app["id"].(string), "--env", "production",
		"--scopes", "webhook:read,webhook:write,webhook:secret,event:write,event:read"}, storeArgs...)...)
	return app, key
}
