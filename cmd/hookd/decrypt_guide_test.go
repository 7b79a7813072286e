package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/hookd/hookd/internal/signature"
)

// The README's guide to encrypted deliveries shows deliveredEvent and verifyAndDecrypt as
// they are written here: TestDecryptGuideInREADME fails when the two drift apart.

// deliveredEvent is the Standard Webhooks envelope inside an encrypted delivery.
type deliveredEvent struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// verifyAndDecrypt checks a delivery to an encrypted webhook and opens it. header and body
// are the request's, the body exactly as received; secret is the webhook's signing_secret
// (whsec_…) and key its encryption_key (base64).
func verifyAndDecrypt(header http.Header, body []byte, secret, key string, now time.Time) (*deliveredEvent, error) {
	// 1. The signature: HMAC-SHA256 over "id.timestamp.body", where body is the compact
	// JWE as sent (hookd signs the token, not the JSON inside it).
	id, ts := header.Get("Webhook-Id"), header.Get("Webhook-Timestamp")
	unix, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return nil, errors.New("missing webhook-id or webhook-timestamp")
	}
	if age := now.Sub(time.Unix(unix, 0)); age > 5*time.Minute || age < -5*time.Minute {
		return nil, fmt.Errorf("webhook-timestamp is %s from now, over the 5-minute tolerance", age.Round(time.Second))
	}
	secretBytes, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	mac := hmac.New(sha256.New, secretBytes)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	verified := false
	for _, sig := range strings.Fields(header.Get("Webhook-Signature")) { // two during a secret rotation
		version, b64, _ := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if version == "v1" && err == nil && hmac.Equal(got, want) {
			verified = true
		}
	}
	if !verified {
		return nil, errors.New("no webhook-signature matches")
	}

	// 2. Only then decrypt: a JWE (RFC 7516) with alg "dir" and enc "A256GCM" under the key.
	keyBytes, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	jwe, err := jose.ParseEncryptedCompact(string(body), []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("body is not a compact JWE: %w", err)
	}
	plaintext, err := jwe.Decrypt(keyBytes)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}

	// 3. The plaintext is the same JSON an unencrypted webhook gets.
	var ev deliveredEvent
	if err := json.Unmarshal(plaintext, &ev); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	return &ev, nil
}

// TestDecryptGuide: a real delivery to an encrypted webhook passes the guide's code, which
// returns the event as it was sent, and every kind of tampering fails it.
func TestDecryptGuide(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "sealed", "url": rc.URL, "encrypted": true})
	secret, _ := hook["signing_secret"].(string)
	encKey, _ := hook["encryption_key"].(string)
	if !strings.HasPrefix(secret, "whsec_") || encKey == "" {
		t.Fatalf("creation answered signing_secret %q, encryption_key %q; want both", secret, encKey)
	}
	payload := map[string]any{"invoice": "in_42", "amount": 4200.0, "lines": []any{"a", "ü"}}
	sent := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": payload})
	got := rc.next(t, 10*time.Second)

	if ct := got.header.Get("Content-Type"); ct != "application/jose" {
		t.Errorf("content-type = %q, want application/jose", ct)
	}
	if id := got.header.Get("Webhook-Id"); id != sent["id"] {
		t.Errorf("webhook-id = %q, want the event id %v", id, sent["id"])
	}
	if json.Valid(got.body) {
		t.Fatalf("body %q is JSON, want a compact JWE", got.body)
	}

	ev, err := verifyAndDecrypt(got.header, got.body, secret, encKey, time.Now())
	if err != nil {
		t.Fatalf("verifyAndDecrypt on a real delivery: %v", err)
	}
	if ev.Type != "invoice.paid" {
		t.Errorf("type = %q, want invoice.paid", ev.Type)
	}
	if ev.Timestamp.IsZero() || time.Since(ev.Timestamp).Abs() > time.Minute {
		t.Errorf("timestamp = %v, want about now", ev.Timestamp)
	}
	var data map[string]any
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatalf("data %q: %v", ev.Data, err)
	}
	if !reflect.DeepEqual(data, payload) {
		t.Errorf("decrypted data = %v, want the payload sent, %v", data, payload)
	}

	// A key that is not this webhook's: 32 bytes, so only the decryption can refuse it.
	otherKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	// One character in the middle of the ciphertext (header.key.iv.ciphertext.tag), still base64url.
	tampered := bytes.Clone(got.body)
	parts := bytes.Split(tampered, []byte("."))
	if len(parts) != 5 || len(parts[3]) < 8 {
		t.Fatalf("body %q is not a compact JWE with a ciphertext", got.body)
	}
	i := len(parts[0]) + len(parts[1]) + len(parts[2]) + 3 + len(parts[3])/2
	if tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	otherHeader := got.header.Clone()
	otherHeader.Set("Webhook-Id", "msg_other")
	// The tampered token signed with the real secret: only the cipher's own check refuses it.
	resigned := got.header.Clone()
	sk, err := signature.ParseSecret(secret)
	ts, _ := strconv.ParseInt(got.header.Get("Webhook-Timestamp"), 10, 64)
	if err != nil || ts == 0 {
		t.Fatalf("signing secret %q (%v), webhook-timestamp %q", secret, err, got.header.Get("Webhook-Timestamp"))
	}
	resigned.Set("Webhook-Signature", sk.Sign(got.header.Get("Webhook-Id"), ts, tampered))
	for _, tc := range []struct {
		name   string
		header http.Header
		body   []byte
		secret string
		key    string
		now    time.Time
		want   string
	}{
		{"tampered body", got.header, tampered, secret, encKey, time.Now(), "no webhook-signature matches"},
		{"another webhook-id", otherHeader, got.body, secret, encKey, time.Now(), "no webhook-signature matches"},
		{"another signing secret", got.header, got.body, "whsec_" + otherKey, encKey, time.Now(), "no webhook-signature matches"},
		{"replayed after 6 minutes", got.header, got.body, secret, encKey, time.Now().Add(6 * time.Minute), "over the 5-minute tolerance"},
		{"another encryption key", got.header, got.body, secret, otherKey, time.Now(), "decrypt:"},
		{"tampered body, signed again", resigned, tampered, secret, encKey, time.Now(), "decrypt:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := verifyAndDecrypt(tc.header, tc.body, tc.secret, tc.key, tc.now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("verifyAndDecrypt = %v, %v; want an error containing %q", ev, err, tc.want)
			}
		})
	}
}

// TestDecryptGuideInREADME: the README shows the guide's Go code exactly as it runs above.
func TestDecryptGuideInREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("decrypt_guide_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "decrypt_guide_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	// text is a declaration's source with its doc comment.
	text := func(doc *ast.CommentGroup, decl ast.Node) string {
		start := decl.Pos()
		if doc != nil {
			start = doc.Pos()
		}
		return string(src[fset.Position(start).Offset:fset.Position(decl.End()).Offset])
	}
	shown := map[string]string{}
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.Name == "verifyAndDecrypt" {
				shown[d.Name.Name] = text(d.Doc, d)
			}
		case *ast.GenDecl:
			if s, ok := d.Specs[0].(*ast.TypeSpec); ok && s.Name.Name == "deliveredEvent" {
				shown[s.Name.Name] = text(d.Doc, d)
			}
		}
	}
	shown["import"] = `jose "github.com/go-jose/go-jose/v4"`
	for _, name := range []string{"deliveredEvent", "verifyAndDecrypt", "import"} {
		if shown[name] == "" {
			t.Errorf("%s not found in decrypt_guide_test.go", name)
		} else if !bytes.Contains(readme, []byte(shown[name])) {
			t.Errorf("README.md does not show %s as decrypt_guide_test.go has it:\n%s", name, shown[name])
		}
	}
}
