package signature

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestSignMatchesStandardWebhooksLibrary(t *testing.T) {
	secret := NewSecret()
	key, err := ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"invoice.paid","timestamp":"2026-01-01T00:00:00Z","data":{"n":1}}`)
	now := time.Now().Unix()
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(now, 10))
	h.Set("webhook-signature", key.Sign("msg_1", now, body))

	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, h); err != nil {
		t.Errorf("library rejects our signature: %v", err)
	}
	want, _ := wh.Sign("msg_1", time.Unix(now, 0), body)
	if got := key.Sign("msg_1", now, body); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	body[5] = 'X'
	if err := wh.Verify(body, h); err == nil {
		t.Error("library accepted a signature over a changed body")
	}
}

func TestHeaderCarriesEverySignature(t *testing.T) {
	oldSecret, newSecret := NewSecret(), NewSecret()
	k1, _ := ParseSecret(oldSecret)
	k2, _ := ParseSecret(newSecret)
	body := []byte(`{}`)
	now := time.Now().Unix()
	h := http.Header{}
	h.Set("webhook-id", "msg_2")
	h.Set("webhook-timestamp", strconv.FormatInt(now, 10))
	h.Set("webhook-signature", Header([]Key{k2, k1}, "msg_2", now, body))
	if n := len(strings.Fields(h.Get("webhook-signature"))); n != 2 {
		t.Fatalf("got %d signatures, want 2", n)
	}
	for _, s := range []string{oldSecret, newSecret} {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("secret %d…: %v", len(s), err)
		}
	}
}

func TestParseSecretRejectsGarbage(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_!!!"} {
		if _, err := ParseSecret(s); err == nil {
			t.Errorf("ParseSecret(%q) = nil error, want error", s)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	key, _ := ParseSecret(NewSecret())
	body := []byte(strings.Repeat("x", 512))
	b.ReportAllocs()
	for b.Loop() {
		key.Sign("msg_01HZX", 1700000000, body)
	}
}
