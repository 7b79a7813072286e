package webhook

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// BodyBase64 is the encoding of a response body that is not text: base64 (RFC 4648, padded).
const BodyBase64 = "base64"

// ResponseText is how the attempt's response body is kept and shown: as it is when it is
// text (valid UTF-8 without NUL), otherwise base64 with encoding BodyBase64, so that any
// receiver's answer (an image, compressed bytes) is stored and shown back faithfully on every
// store. A body cut at MaxResponseBody in the middle of a character loses that character's
// bytes rather than its text form.
func (a *Attempt) ResponseText() (text, encoding string) {
	body := a.ResponseBody
	if a.Truncated && !utf8.ValidString(body) {
		for cut := 1; cut <= utf8.UTFMax-1 && cut <= len(body); cut++ {
			if utf8.ValidString(body[:len(body)-cut]) {
				body = body[:len(body)-cut]
				break
			}
		}
	}
	if utf8.ValidString(body) && !strings.ContainsRune(body, 0) {
		return body, ""
	}
	return base64.StdEncoding.EncodeToString([]byte(a.ResponseBody)), BodyBase64
}

// ResponseFromText reverses ResponseText.
func ResponseFromText(text, encoding string) (string, error) {
	if encoding != BodyBase64 {
		return text, nil
	}
	b, err := base64.StdEncoding.DecodeString(text)
	return string(b), err
}

// CleanText makes s storable and showable as text on every store: invalid UTF-8 becomes
// U+FFFD and NUL is dropped. For hookd's own messages that may quote a receiver's bytes.
func CleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
