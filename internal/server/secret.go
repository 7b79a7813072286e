package server

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/webhook"
)

// Signing secrets and encryption keys leave hookd only here (webhook:secret) and in the
// response that creates the webhook; custom header values (a receiver's credentials) only here.

// DefaultGracePeriod is how long a rotated-out secret keeps signing beside the new one.
const DefaultGracePeriod = 24 * time.Hour

// maxGracePeriod bounds the grace period a request may ask for.
const maxGracePeriod = 7 * 24 * time.Hour

// newEncryptionKey returns a fresh 256-bit key for an encrypted webhook.
func newEncryptionKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

// encodeKey is how an encryption key is shown: base64 of its 32 bytes.
func encodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

type secretJSON struct {
	SigningSecret           string            `json:"signing_secret"`
	PreviousSecretExpiresAt *jsonTime         `json:"previous_secret_expires_at,omitempty"`
	EncryptionKey           string            `json:"encryption_key,omitempty"`
	Headers                 map[string]string `json:"headers"` // custom headers with their values
}

func (s *Server) secretOf(hook *webhook.Webhook) secretJSON {
	out := secretJSON{SigningSecret: hook.Secret, Headers: hook.Headers}
	if out.Headers == nil {
		out.Headers = map[string]string{}
	}
	if hook.PreviousSecret != "" && hook.PreviousUntil != nil && hook.PreviousUntil.After(s.now()) {
		out.PreviousSecretExpiresAt = optTime(hook.PreviousUntil)
	}
	if hook.Encrypted && len(hook.EncryptionKey) > 0 {
		out.EncryptionKey = encodeKey(hook.EncryptionKey)
	}
	return out
}

func writeSecret(w http.ResponseWriter, status int, v secretJSON) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, v)
}

func (s *Server) handleSecretGet(w http.ResponseWriter, r *http.Request) {
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusOK, s.secretOf(hook))
}

// handleSecretRotate makes a new signing secret; the old one keeps signing beside it for
// grace_period seconds (default 24 h; 0 stops it at once).
func (s *Server) handleSecretRotate(w http.ResponseWriter, r *http.Request) {
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		GracePeriod *float64 `json:"grace_period"`
	}
	if err := decodeOptional(w, r, maxAdminBody, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	grace := DefaultGracePeriod
	if in.GracePeriod != nil {
		g := *in.GracePeriod
		if math.IsNaN(g) || g < 0 || g > maxGracePeriod.Seconds() {
			s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "grace_period must be between 0 and %d seconds", int(maxGracePeriod.Seconds())))
			return
		}
		grace = time.Duration(g * float64(time.Second))
	}
	now := s.now()
	secret := signature.NewSecret()
	until := now.Add(grace)
	if err := s.store.RotateSecret(r.Context(), hook.AppID, hook.ID, secret, until, now); err != nil {
		s.writeError(w, r, err)
		return
	}
	hook.PreviousSecret, hook.PreviousUntil, hook.Secret = hook.Secret, &until, secret
	writeSecret(w, http.StatusOK, s.secretOf(hook))
}

// decodeOptional is decode for a body that may be absent or empty.
func decodeOptional(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return decodeError(err, limit)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decode(w, r, limit, v)
}
