package webhook

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	// The rules net/http itself applies (it vendors this package): a header it would refuse to
	// send is refused here, when the webhook is saved, instead of failing every delivery.
	"golang.org/x/net/http/httpguts"
)

// Custom request headers are the documented place for a receiver's credentials, so their values
// are secrets: sealed at rest, shown in clear only with webhook:secret, and masked everywhere
// else (the webhook object, the request headers recorded on attempts, logs).

// HeaderMask stands in for a custom header's value wherever it is shown without webhook:secret.
const HeaderMask = "********"

// MaxHeaderValueLen bounds one custom header's value.
const MaxHeaderValueLen = 4096

// reservedHeaders are set by hookd on every delivery (or describe the body it writes) and
// cannot be overridden.
var reservedHeaders = []string{"Content-Type", "Content-Length", "Content-Encoding", "Host", "Webhook-Id", "Webhook-Timestamp",
	"Webhook-Signature", "User-Agent"}

// hopByHopHeaders concern one connection, not the receiver (RFC 9110 section 7.6.1); any
// Proxy-* header is refused too.
var hopByHopHeaders = []string{"Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// validateHeaders checks every custom header, in name order so the error is the same each time.
func validateHeaders(h map[string]string) error {
	if len(h) > MaxHeaders {
		return Errorf(EInvalid, "headers has more than %d entries", MaxHeaders)
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	seen := make(map[string]string, len(h)) // canonical name → name as given
	for _, k := range names {
		if err := validateHeader(k, h[k]); err != nil {
			return err
		}
		ck := http.CanonicalHeaderKey(k)
		if first, ok := seen[ck]; ok {
			return Errorf(EInvalid, "headers: %q and %q are the same header (names are case-insensitive); give it once", first, k)
		}
		seen[ck] = k
	}
	return nil
}

// validateHeader checks one custom header. Errors name the header, never its value (a secret).
func validateHeader(k, v string) error {
	if !httpguts.ValidHeaderFieldName(k) {
		return Errorf(EInvalid, "headers: %q is not a valid header name: HTTP allows letters, digits and !#$%%&'*+-.^_`|~ only", k)
	}
	ck := http.CanonicalHeaderKey(k)
	if slices.Contains(reservedHeaders, ck) {
		return Errorf(EInvalid, "headers: %q is set by hookd and cannot be overridden", k)
	}
	if slices.Contains(hopByHopHeaders, ck) || strings.HasPrefix(ck, "Proxy-") {
		return Errorf(EInvalid, "headers: %q is a hop-by-hop header: it concerns one connection, not the receiver, so hookd does not send it", k)
	}
	if len(v) > MaxHeaderValueLen {
		return Errorf(EInvalid, "headers: the value of %q is longer than %d bytes", k, MaxHeaderValueLen)
	}
	if !httpguts.ValidHeaderFieldValue(v) || !utf8.ValidString(v) {
		return Errorf(EInvalid, "headers: the value of %q holds a character HTTP does not allow in a header value "+
			"(a control character such as NUL, CR, LF or DEL) or is not valid UTF-8", k)
	}
	return nil
}

// MaskHeaders returns h with every value replaced by HeaderMask: the names, not the secrets.
func MaskHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k := range h {
		out[k] = HeaderMask
	}
	return out
}
