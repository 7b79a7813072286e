// Package delivery sends deliveries: the worker pool that claims them from the store,
// the HTTP sender that signs and posts them, and the rules for what happens next.
package delivery

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/netguard"
	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// UserAgent identifies hookd to receivers.
const UserAgent = "hookd/1"

// Sender signs and posts one delivery attempt.
type Sender struct {
	client *http.Client
	keys   sync.Map // signing secret → signature.Key
}

// NewSender returns a sender whose connections pass through guard at dial time (after DNS),
// never follow redirects and are reused across deliveries.
func NewSender(guard *netguard.Guard) *Sender {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: guard.Control}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would dial on our behalf and dodge the guard
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: webhook.MaxTimeout,
	}
	return &Sender{client: &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Close drops idle connections.
func (s *Sender) Close() { s.client.CloseIdleConnections() }

func (s *Sender) key(secret string) (signature.Key, error) {
	if k, ok := s.keys.Load(secret); ok {
		return k.(signature.Key), nil
	}
	k, err := signature.ParseSecret(secret)
	if err != nil {
		return nil, err
	}
	s.keys.Store(secret, k)
	return k, nil
}

// signingKeys are the keys that sign a delivery to w at now: its secret and, during a
// rotation's grace period, the previous one too.
func (s *Sender) signingKeys(w *webhook.Webhook, now time.Time) ([]signature.Key, error) {
	k, err := s.key(w.Secret)
	if err != nil {
		return nil, err
	}
	keys := []signature.Key{k}
	if w.PreviousSecret != "" && w.PreviousUntil != nil && now.Before(*w.PreviousUntil) {
		prev, err := s.key(w.PreviousSecret)
		if err != nil {
			return nil, err
		}
		keys = append(keys, prev)
	}
	return keys, nil
}

// jweHeader is the protected header of every encrypted delivery, base64url-encoded.
var jweHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"dir","enc":"A256GCM","cty":"application/json"}`))

// encrypt returns the JWE compact serialization (RFC 7516) of plaintext under key with
// direct encryption (alg dir) and AES-256-GCM: header..iv.ciphertext.tag.
func encrypt(key, plaintext []byte) ([]byte, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("want a 256-bit key, have %d bits", 8*len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	iv := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(iv)
	sealed := gcm.Seal(nil, iv, plaintext, []byte(jweHeader)) // the AAD is the encoded header
	ct, tag := sealed[:len(sealed)-gcm.Overhead()], sealed[len(sealed)-gcm.Overhead():]
	enc := base64.RawURLEncoding
	out := make([]byte, 0, len(jweHeader)+4+enc.EncodedLen(len(iv))+enc.EncodedLen(len(ct))+enc.EncodedLen(len(tag)))
	out = append(out, jweHeader...)
	out = append(out, '.', '.')
	out = enc.AppendEncode(out, iv)
	out = append(out, '.')
	out = enc.AppendEncode(out, ct)
	out = append(out, '.')
	return enc.AppendEncode(out, tag), nil
}

// dialURL rewrites a host written as an obscure IPv4 form (decimal 2130706433, octal
// 0177.0.0.1, hex 0x7f.1, short 127.1) or a mapped IPv6 address to its plain form, so the
// request dials that address (where the guard checks it) instead of asking DNS about it.
func dialURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	host := u.Hostname()
	addr, ok := netguard.NormalizeHost(host)
	if !ok || addr.String() == host {
		return raw
	}
	h := addr.String()
	if addr.Is6() {
		h = "[" + h + "]"
	}
	if port := u.Port(); port != "" {
		h += ":" + port
	}
	u.Host = h
	return u.String()
}

// Envelope is the Standard Webhooks body: {"type","timestamp","data"}; an event sent through
// Svix's API is delivered as its payload alone, as Svix delivers it.
func Envelope(ev *webhook.Event) []byte {
	if ev.Raw {
		return ev.Payload
	}
	b := make([]byte, 0, len(ev.Payload)+len(ev.Type)+64)
	b = append(b, `{"type":`...)
	b = strconv.AppendQuote(b, ev.Type)
	b = append(b, `,"timestamp":"`...)
	b = ev.CreatedAt.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, `","data":`...)
	b = append(b, ev.Payload...)
	return append(b, '}')
}

// Result is an attempt plus what the receiver asked of the next one.
type Result struct {
	Attempt    *webhook.Attempt
	RetryAfter time.Duration
}

// Send makes one attempt. It never returns an error: a failure is data on the attempt.
func (s *Sender) Send(ctx context.Context, j store.Job, trigger string, now time.Time) Result {
	w, ev := j.Webhook, j.Event
	a := &webhook.Attempt{
		ID: webhook.NewID(webhook.PrefixAttempt, now), DeliveryID: j.DeliveryID, WebhookID: w.ID, AppID: ev.AppID, EventID: ev.ID,
		Number: j.Attempts + 1, Trigger: trigger, CreatedAt: now,
	}
	keys, err := s.signingKeys(w, now)
	if err != nil {
		a.Cause, a.Error = webhook.CauseConnection, "webhook signing secret is unusable: "+err.Error()
		return Result{Attempt: a}
	}
	body, contentType := Envelope(ev), "application/json"
	if w.Encrypted {
		if body, err = encrypt(w.EncryptionKey, body); err != nil {
			a.Cause, a.Error = webhook.CauseConnection, "webhook encryption key is unusable: "+err.Error()
			return Result{Attempt: a}
		}
		contentType = "application/jose"
	}
	ts := now.Unix()
	ctx, cancel := context.WithTimeout(ctx, w.EffectiveTimeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dialURL(w.URL), bytes.NewReader(body))
	if err != nil {
		a.Cause, a.Error = webhook.CauseConnection, "cannot build request: "+err.Error()
		return Result{Attempt: a}
	}
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Webhook-Id", ev.ID)
	req.Header.Set("Webhook-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Webhook-Signature", signature.Header(keys, ev.ID, ts, body))
	if ev.Raw { // sent through Svix's API: the same three under the names Svix's receivers read
		req.Header.Set("Svix-Id", req.Header.Get("Webhook-Id"))
		req.Header.Set("Svix-Timestamp", req.Header.Get("Webhook-Timestamp"))
		req.Header.Set("Svix-Signature", req.Header.Get("Webhook-Signature"))
	}
	a.RequestHeaders = flatten(req.Header)
	for k := range w.Headers { // custom header values are secrets: the attempt keeps their names only
		a.RequestHeaders[http.CanonicalHeaderKey(k)] = webhook.HeaderMask
	}

	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		a.DurationMS = msSince(start)
		a.Cause, a.Error = classify(err, w.EffectiveTimeout())
		return Result{Attempt: a}
	}
	respBody, truncated, readErr := readLimited(resp.Body)
	resp.Body.Close()
	a.DurationMS = msSince(start)
	a.StatusCode = resp.StatusCode
	a.ResponseHeaders = flatten(resp.Header)
	a.ResponseBody, a.Truncated = string(respBody), truncated
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		a.Cause, a.Error = webhook.CauseHTTP, fmt.Sprintf("receiver answered HTTP %d", resp.StatusCode)
	case readErr != nil && !truncated:
		// A 2xx whose body broke off still counts: the receiver accepted the delivery.
	}
	return Result{Attempt: a, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

// readLimited keeps MaxResponseBody bytes and drains a little more so the connection can be reused.
func readLimited(r io.Reader) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, webhook.MaxResponseBody+1))
	if len(b) > webhook.MaxResponseBody {
		_, _ = io.CopyN(io.Discard, r, 4*webhook.MaxResponseBody)
		return b[:webhook.MaxResponseBody], true, err
	}
	return b, false, err
}

func flatten(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if len(v) > 0 {
			out[http.CanonicalHeaderKey(k)] = v[0]
		}
	}
	return out
}

// classify names why a request got no answer.
func classify(err error, timeout time.Duration) (cause, msg string) {
	var blocked *netguard.BlockedError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.As(err, &blocked):
		return webhook.CauseBlocked, blocked.Error()
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &recordErr):
		return webhook.CauseTLS, "TLS error: " + unwrapURL(err).Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return webhook.CauseTimeout, fmt.Sprintf("no response within %s", timeout)
	default:
		return webhook.CauseConnection, "connection failed: " + unwrapURL(err).Error()
	}
}

func unwrapURL(err error) error {
	var u interface{ Unwrap() error }
	if errors.As(err, &u) {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// parseRetryAfter reads seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
