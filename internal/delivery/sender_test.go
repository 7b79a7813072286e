package delivery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd/internal/netguard"
	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

type got struct {
	header http.Header
	body   []byte
}

func receiver(t *testing.T) (*httptest.Server, <-chan got) {
	ch := make(chan got, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Header.Clone(), b}
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func loopbackSender(t *testing.T) *Sender {
	s := NewSender(netguard.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))
	t.Cleanup(s.Close)
	return s
}

func job(w *webhook.Webhook) store.Job {
	ev := &webhook.Event{ID: webhook.NewID(webhook.PrefixEvent, time.Now()), AppID: "app_1", Type: "invoice.paid",
		Payload: json.RawMessage(`{"amount":42}`), CreatedAt: time.Now()}
	return store.Job{DeliveryID: "dlv_1", Event: ev, Webhook: w}
}

func verifies(t *testing.T, secret string, g got) bool {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh.Verify(g.body, g.header) == nil
}

func TestRotationSignsWithBothSecretsDuringGrace(t *testing.T) {
	srv, ch := receiver(t)
	s := loopbackSender(t)
	oldSecret, newSecret := signature.NewSecret(), signature.NewSecret()
	now := time.Now()
	until := now.Add(time.Hour)
	w := &webhook.Webhook{ID: "wh_1", URL: srv.URL, Secret: newSecret, PreviousSecret: oldSecret, PreviousUntil: &until}

	tests := []struct {
		name        string
		at          time.Time
		wantSigs    int
		oldVerifies bool
	}{
		{"during the grace period", now, 2, true},
		{"after it", until.Add(time.Second), 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Send(context.Background(), job(w), webhook.TriggerScheduled, tt.at)
			if r.Attempt.StatusCode != 200 {
				t.Fatalf("attempt = %+v, want 200", r.Attempt)
			}
			g := <-ch
			if n := len(strings.Fields(g.header.Get("Webhook-Signature"))); n != tt.wantSigs {
				t.Errorf("signatures = %d (%q), want %d", n, g.header.Get("Webhook-Signature"), tt.wantSigs)
			}
			// Check each secret's signature directly: the "after" case is stamped an hour ahead,
			// beyond what the library's clock check tolerates.
			ts, _ := strconv.ParseInt(g.header.Get("Webhook-Timestamp"), 10, 64)
			key := func(secret string) string {
				k, _ := signature.ParseSecret(secret)
				return k.Sign(g.header.Get("Webhook-Id"), ts, g.body)
			}
			sigs := strings.Fields(g.header.Get("Webhook-Signature"))
			if !slices.Contains(sigs, key(newSecret)) {
				t.Error("the new secret's signature is missing")
			}
			if got := slices.Contains(sigs, key(oldSecret)); got != tt.oldVerifies {
				t.Errorf("old secret's signature present = %v, want %v", got, tt.oldVerifies)
			}
			if tt.at.Equal(now) {
				if !verifies(t, newSecret, g) || !verifies(t, oldSecret, g) {
					t.Error("the Standard Webhooks library does not accept both secrets during the grace period")
				}
				if verifies(t, signature.NewSecret(), g) {
					t.Error("an unrelated secret verifies")
				}
			}
		})
	}
}

func TestEncryptedDeliveryIsJWE(t *testing.T) {
	srv, ch := receiver(t)
	s := loopbackSender(t)
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	secret := signature.NewSecret()
	w := &webhook.Webhook{ID: "wh_1", URL: srv.URL, Secret: secret, Encrypted: true, EncryptionKey: key}
	r := s.Send(context.Background(), job(w), webhook.TriggerScheduled, time.Now())
	if r.Attempt.StatusCode != 200 {
		t.Fatalf("attempt = %+v, want 200", r.Attempt)
	}
	g := <-ch
	if ct := g.header.Get("Content-Type"); ct != "application/jose" {
		t.Errorf("content-type = %q, want application/jose", ct)
	}
	if strings.Contains(string(g.body), "invoice.paid") || strings.Contains(string(g.body), "amount") {
		t.Errorf("body %q shows the payload", g.body)
	}
	if !verifies(t, secret, g) {
		t.Error("the signature does not cover the token that was sent")
	}
	obj, err := jose.ParseEncrypted(string(g.body), []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		t.Fatalf("go-jose cannot parse %q: %v", g.body, err)
	}
	plain, err := obj.Decrypt(key)
	if err != nil {
		t.Fatalf("go-jose cannot decrypt: %v", err)
	}
	var env struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(plain, &env); err != nil || env.Type != "invoice.paid" || env.Data["amount"] != float64(42) {
		t.Errorf("decrypted %s (%v), want the envelope", plain, err)
	}
	wrong := make([]byte, 32)
	if _, err := obj.Decrypt(wrong); err == nil {
		t.Error("another key decrypts the token")
	}

	w.EncryptionKey = key[:16]
	r = s.Send(context.Background(), job(w), webhook.TriggerScheduled, time.Now())
	if r.Attempt.StatusCode != 0 || !strings.Contains(r.Attempt.Error, "encryption key") || strings.Contains(r.Attempt.Error, base64.StdEncoding.EncodeToString(key[:16])) {
		t.Errorf("bad key attempt = %+v, want a failure naming the key without showing it", r.Attempt)
	}
}

func TestDialURLNormalizesObscureIPv4(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://2130706433:8080/x", "http://127.0.0.1:8080/x"},
		{"http://0177.0.0.1/x?q=1", "http://127.0.0.1/x?q=1"},
		{"http://0x7f.1/", "http://127.0.0.1/"},
		{"http://127.1:9/", "http://127.0.0.1:9/"},
		{"http://[::ffff:127.0.0.1]:9/", "http://127.0.0.1:9/"},
		{"https://example.com/x", "https://example.com/x"},
		{"http://127.0.0.1:9/", "http://127.0.0.1:9/"},
		{"http://[::1]:9/", "http://[::1]:9/"},
	}
	for _, tt := range tests {
		if got := dialURL(tt.in); got != tt.want {
			t.Errorf("dialURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestObscureLoopbackFormsAreBlockedAtDial(t *testing.T) {
	srv, ch := receiver(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	s := NewSender(netguard.New(nil)) // no allowlist: loopback is refused
	t.Cleanup(s.Close)
	for _, host := range []string{"2130706433", "0177.0.0.1", "0x7f.1", "127.1", "[::ffff:127.0.0.1]", "localhost"} {
		w := &webhook.Webhook{ID: "wh_1", URL: "http://" + host + port + "/", Secret: signature.NewSecret()}
		r := s.Send(context.Background(), job(w), webhook.TriggerScheduled, time.Now())
		if r.Attempt.Cause != webhook.CauseBlocked || !strings.Contains(r.Attempt.Error, "--allow-network") {
			t.Errorf("%s: attempt cause %q error %q, want blocked with how to allow it", host, r.Attempt.Cause, r.Attempt.Error)
		}
	}
	select {
	case g := <-ch:
		t.Errorf("receiver got a request: %v", g.header)
	default:
	}
}
