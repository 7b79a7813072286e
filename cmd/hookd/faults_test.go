package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSecondServeOnOneDirectory: a second hookd serve on a data directory in use exits at
// once with a message naming the holder; the first keeps working.
func TestSecondServeOnOneDirectory(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	var out, errOut syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, noEnv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "in use by another hookd serve") || !strings.Contains(err.Error(), "hookd.lock") {
		t.Fatalf("second serve: %v; want it refused, naming the lock", err)
	}
	if strings.Contains(out.String(), "listening") {
		t.Error("the second serve listened")
	}
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "still", "url": rc.URL})
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 1})
	rc.next(t, 5*time.Second)
}

// tcpProxy forwards loopback connections to target until cut: then it drops every connection
// and refuses new ones, as a database that went away, until restore.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *tcpProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// postgresBehindProxy makes a fresh schema and returns its URL, the same URL through a
// loopback proxy that can cut it, and the proxy.
func postgresBehindProxy(t *testing.T) (direct, viaProxy string, proxy *tcpProxy) {
	direct = postgresSchema(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy = newTCPProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	return direct, u.String(), proxy
}

// TestPostgresOutage cuts hookd off its database while events are posted and delivered:
// posts get 503 with Retry-After (never 500), /readyz says not ready without naming the
// database, and once the database is back hookd resumes by itself: every event answered 202 is
// delivered, and the attempt log has a row for every request the receiver saw.
func TestPostgresOutage(t *testing.T) {
	direct, viaProxy, proxy := postgresBehindProxy(t)
	u, _ := url.Parse(viaProxy)
	_, key := setup(t, "--database-url", direct)
	h := serve(t, "--database-url", viaProxy, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	hookID := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "outage", "url": rc.URL})["id"].(string)

	var mu sync.Mutex
	var accepted []string
	statuses := map[int]int{}
	var noRetryAfter int
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				body, _ := json.Marshal(map[string]any{"event_type": "a", "payload": i})
				req, _ := http.NewRequest("POST", h.URL+"/api/v0/events", bytes.NewReader(body))
				req.Header.Set("x-client-key", key["client_key"].(string))
				req.Header.Set("x-client-secret", key["client_secret"].(string))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					continue
				}
				var got map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				if resp.StatusCode == 202 {
					accepted = append(accepted, got["id"].(string))
				}
				if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
					noRetryAfter++
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	eventually(t, 10*time.Second, "deliveries before the outage", func() bool { return rc.count() >= 50 })

	proxy.cut()
	eventually(t, 10*time.Second, "posts answered 503 during the outage", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return statuses[503] >= 10
	})
	resp, err := http.Get(h.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	ready, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || strings.Contains(string(ready), "postgres") || strings.Contains(string(ready), u.Port()) ||
		strings.Contains(string(ready), strings.TrimPrefix(u.Path, "/")) {
		t.Errorf("/readyz during the outage = %d %s; want 503 naming no user, host or database", resp.StatusCode, ready)
	}
	time.Sleep(2 * time.Second) // an outage of a few seconds, with posts and deliveries failing throughout
	proxy.restore()
	acceptedNow := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted)
	}
	before := acceptedNow()
	eventually(t, 30*time.Second, "posts accepted again", func() bool { return acceptedNow() >= before+20 })
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if statuses[500] > 0 || noRetryAfter > 0 {
		t.Errorf("answers %v (%d 503s without Retry-After); want 202 and 503 only", statuses, noRetryAfter)
	}
	eventually(t, 60*time.Second, "every accepted event delivered", func() bool { return rc.gotAll(accepted) })
	eventually(t, 30*time.Second, "an attempt row for every request the receiver saw", func() bool {
		calls := c.must(200, "GET", "/api/v3/notification/webhook/"+hookID+"/calls?count=true&page[size]=1", nil)
		return calls["meta"].(map[string]any)["count"] == float64(rc.count())
	})
	errorLines := strings.Count(h.stderr.String(), `"level":"ERROR"`)
	if errorLines > 20 {
		t.Errorf("%d ERROR log lines for an outage of a few seconds (%d requests failed); want a few, repeats counted", errorLines, statuses[503])
	}
	t.Logf("answers %v; %d accepted, receiver saw %d requests; %d ERROR log lines", statuses, len(accepted), rc.count(), errorLines)
}

// TestSQLiteFullDisk fills the disk under the data directory (a small tmpfs; the test needs
// root to mount one): posts get 503 with Retry-After, /readyz is not ready, and once space
// returns every accepted event is delivered and the database is intact.
func TestSQLiteFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() }) // after serve has stopped (cleanups run last first)
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "disk", "url": rc.URL})

	payload := strings.Repeat("x", 60<<10)
	var accepted []string
	var full int
	var message string
	for i := 0; i < 200 && full == 0; i++ {
		code, body := c.do("POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": map[string]any{"i": i, "pad": payload}})
		switch code {
		case 202:
			accepted = append(accepted, body["id"].(string))
		case 503, 507:
			full, message = code, fmt.Sprint(body["message"])
		default:
			t.Fatalf("post %d on a filling disk: %d %v, want 202 or 503", i, code, body)
		}
	}
	if full == 0 {
		t.Fatalf("200 posts of 60 KiB fit in a 3 MiB tmpfs?")
	}
	if resp, err := http.Get(h.URL + "/readyz"); err != nil || resp.StatusCode != 503 {
		t.Errorf("/readyz on a full disk = %v %v, want 503", resp, err)
	}
	t.Logf("%d events accepted before the disk filled; then %d %q", len(accepted), full, message)

	if out, err := exec.Command("mount", "-o", "remount,size=64m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	eventually(t, 20*time.Second, "posts accepted again", func() bool {
		code, body := c.do("POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 1})
		if code == 202 {
			accepted = append(accepted, body["id"].(string))
		}
		return code == 202
	})
	eventually(t, 30*time.Second, "every accepted event delivered", func() bool { return rc.gotAll(accepted) })
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "hookd.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("integrity_check = %q, %v; want ok", integrity, err)
	}
}

// TestPostgresNotUpYet: serve started while PostgreSQL cannot be reached waits for it, saying
// so, and serves once it is.
func TestPostgresNotUpYet(t *testing.T) {
	direct, viaProxy, proxy := postgresBehindProxy(t)
	_, key := setup(t, "--database-url", direct)
	proxy.cut()
	time.AfterFunc(3*time.Second, proxy.restore)
	h := serve(t, "--database-url", viaProxy, "--allow-network", loopback)
	if !strings.Contains(h.stderr.String(), "waiting for PostgreSQL") {
		t.Errorf("serve came up without saying it waited:\n%s", h.stderr.String())
	}
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "late", "url": rc.URL})
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 1})
	rc.next(t, 5*time.Second)
}

// gotAll reports whether the receiver got every one of the events ids (by webhook-id).
func (rc *receiver) gotAll(ids []string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	seen := map[string]bool{}
	for _, r := range rc.got {
		seen[r.header.Get("webhook-id")] = true
	}
	for _, id := range ids {
		if !seen[id] {
			return false
		}
	}
	return true
}

// TestServeOnABusyPort: serve on an address in use fails before it makes a store or prints a
// bootstrap key (which would be shown for a server that never ran, and never shown again).
func TestServeOnABusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := filepath.Join(t.TempDir(), "data")
	var out, errOut syncBuffer
	err = run(context.Background(), []string{"serve", "--addr", busy.Addr().String(), "--data-dir", dir}, noEnv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "listen on "+busy.Addr().String()) {
		t.Fatalf("serve on a busy port: %v; want a listen error naming the address", err)
	}
	if strings.Contains(out.String(), "bootstrap") {
		t.Errorf("serve printed a bootstrap key before failing:\n%s", out.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("serve made the data directory before failing: %v", err)
	}
}

// TestBrowsers: pages of an origin given with --cors-origin may call the API (preflight
// answered, rate limit headers readable); any other origin gets no CORS headers. The dashboard
// may be framed by --frame-ancestors origins only.
func TestBrowsers(t *testing.T) {
	const app, other = "https://app.example.com", "https://evil.example.net"
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--cors-origin", app, "--frame-ancestors", app)
	request := func(method, path, origin string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, h.URL+path, nil)
		req.Header.Set("Origin", origin)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	pre := request("OPTIONS", "/api/v0/webhooks", app, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-client-key,x-client-secret,content-type")
	if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") != app ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "X-Client-Secret") || !strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight from %s = %d %v", app, pre.StatusCode, pre.Header)
	}
	get := request("GET", "/api/v0/webhooks", app, "x-client-key", key["client_key"].(string), "x-client-secret", key["client_secret"].(string))
	if get.StatusCode != 200 || get.Header.Get("Access-Control-Allow-Origin") != app || !strings.Contains(get.Header.Get("Access-Control-Expose-Headers"), "X-RateLimit-Remaining") {
		t.Errorf("GET from %s = %d %v", app, get.StatusCode, get.Header)
	}
	for _, resp := range []*http.Response{
		request("OPTIONS", "/api/v0/webhooks", other, "Access-Control-Request-Method", "POST"),
		request("GET", "/api/v0/webhooks", other, "x-client-key", key["client_key"].(string), "x-client-secret", key["client_secret"].(string)),
	} {
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" || resp.StatusCode == 204 {
			t.Errorf("%s %s from %s = %d with Access-Control-Allow-Origin %q; want no CORS", resp.Request.Method, resp.Request.URL.Path, other, resp.StatusCode, v)
		}
	}
	ui := request("GET", "/ui/", app)
	if csp := ui.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors "+app) || ui.Header.Get("X-Frame-Options") != "" {
		t.Errorf("/ui/ with --frame-ancestors: CSP %q, X-Frame-Options %q; want the origin allowed to frame it", csp, ui.Header.Get("X-Frame-Options"))
	}
	var out, errOut syncBuffer
	if err := run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--cors-origin", "https://app.example.com/path"}, noEnv, &out, &errOut); err == nil ||
		!strings.Contains(err.Error(), "take origins such as") {
		t.Errorf("serve with an origin that has a path: %v; want it refused", err)
	}
}
