package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestNoSecretLeaks creates webhooks (one encrypted), rotates a secret, delivers, then reads
// every endpoint, the log and the data directory, and finds no signing secret, encryption key
// or key secret anywhere but where it must be: the creation response and the secret routes
// (and the server key file, which holds only the server key).
func TestNoSecretLeaks(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback, "--log-level", "debug")
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n%2 == 0 {
			w.WriteHeader(500) // some failures, so error paths are read too
		}
	})
	c := newClient(t, h.URL, key)
	secrets := []string{key["client_secret"].(string)}

	plain := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "plain", "url": rc.URL, "retry_schedule": []float64{}})
	sealed := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "sealed", "url": rc.URL, "encrypted": true, "retry_schedule": []float64{}})
	secrets = append(secrets, plain["signing_secret"].(string), sealed["signing_secret"].(string), sealed["encryption_key"].(string))
	rot := c.must(200, "POST", "/api/v0/webhooks/"+plain["id"].(string)+"/secret/rotate", nil)
	secrets = append(secrets, rot["signing_secret"].(string))
	// The base64 bodies too, in case something prints a decoded secret re-encoded differently.
	for _, s := range append([]string(nil), secrets...) {
		if b, ok := strings.CutPrefix(s, "whsec_"); ok {
			secrets = append(secrets, b)
		}
	}

	for i := range 4 {
		c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"n": i}})
	}
	eventually(t, 10*time.Second, "8 deliveries", func() bool { return rc.count() >= 8 })
	ids := []string{plain["id"].(string), sealed["id"].(string)}
	for _, id := range ids {
		eventually(t, 10*time.Second, "deliveries final", func() bool {
			w := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)["delivery_stats"].(map[string]any)
			return w["pending_deliveries"] == float64(0)
		})
	}

	// Crawl every read route, following the ids the answers name.
	idPattern := regexp.MustCompile(`\b(msg|atmpt)_[0-9A-Z]{26}\b`)
	var bodies [][]byte
	get := func(path string) []byte {
		t.Helper()
		st, _, body := raw(t, h.URL, "GET", path, key, nil)
		if st != 200 {
			t.Errorf("GET %s = %d %s", path, st, body)
		}
		bodies = append(bodies, body)
		return body
	}
	get("/api/v0/webhooks")
	get("/openapi.json")
	for _, id := range ids {
		get("/api/v0/webhooks/" + id + "?include_events=true&events_limit=50")
		get("/api/v0/webhooks/" + id + "/stats")
		get("/api/v0/webhooks/" + id + "/diagnostics")
		calls := get("/api/v3/notification/webhook/" + id + "/calls?count=true")
		for _, m := range idPattern.FindAllString(string(calls), -1) {
			if strings.HasPrefix(m, "atmpt_") {
				get("/api/v3/notification/webhook/" + id + "/calls/" + m)
			}
		}
		msgs := get("/v1/webhooks/" + id + "/messages")
		for _, m := range uniq(idPattern.FindAllString(string(msgs), -1)) {
			if !strings.HasPrefix(m, "msg_") {
				continue
			}
			get("/api/v0/events/" + m)
			get("/v1/webhooks/" + id + "/messages/" + m)
			atts := get("/v1/webhooks/" + id + "/messages/" + m + "/attempts")
			for _, a := range uniq(idPattern.FindAllString(string(atts), -1)) {
				if strings.HasPrefix(a, "atmpt_") {
					get("/v1/webhooks/" + id + "/messages/" + m + "/attempts/" + a)
				}
			}
		}
	}
	if len(bodies) < 20 {
		t.Fatalf("read only %d answers; the crawl found too little", len(bodies))
	}
	mresp, err := http.Get(h.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	_, _ = metrics.ReadFrom(mresp.Body)
	mresp.Body.Close()
	bodies = append(bodies, metrics.Bytes())

	for _, s := range secrets {
		for _, b := range bodies {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("an API answer shows a secret: %.300s", b)
			}
		}
		rc.mu.Lock()
		got := append([]received(nil), rc.got...)
		rc.mu.Unlock()
		for _, r := range got {
			if bytes.Contains(r.body, []byte(s)) || strings.Contains(strings.Join(flat(r.header), " "), s) {
				t.Error("a delivery shows a secret")
			}
		}
	}
	h.stop()
	logs := h.stdout.String() + h.stderr.String()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log shows a secret (%d bytes of log)", len(logs))
		}
	}
	// At rest: the database files hold no secret in the clear.
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	checked := 0
	for _, f := range files {
		if filepath.Base(f) == KeyFile {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			continue
		}
		checked++
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret in the clear", filepath.Base(f))
			}
		}
	}
	if checked == 0 {
		t.Error("no database file was checked")
	}
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func flat(h http.Header) []string {
	var out []string
	for k, v := range h {
		out = append(out, k+": "+strings.Join(v, ","))
	}
	return out
}
