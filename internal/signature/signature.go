// Package signature signs webhook deliveries the Standard Webhooks way:
// webhook-signature: v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>.
package signature

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

const secretPrefix = "whsec_"

// NewSecret returns a fresh signing secret: whsec_ and 32 random bytes in base64.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// Key is a decoded signing secret, ready to sign.
type Key []byte

// ParseSecret decodes a whsec_ secret.
func ParseSecret(secret string) (Key, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(b) == 0 {
		return nil, errors.New("signing secret is not whsec_ followed by base64")
	}
	return b, nil
}

// Sign returns "v1,<signature>" for one message.
func (k Key) Sign(msgID string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, k)
	var ts [20]byte
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(ts[:0], timestamp, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	var sum [sha256.Size]byte
	out := make([]byte, 3, 3+base64.StdEncoding.EncodedLen(sha256.Size))
	copy(out, "v1,")
	return string(base64.StdEncoding.AppendEncode(out, mac.Sum(sum[:0])))
}

// Header joins the signatures of every key (two during a rotation) the way receivers expect:
// space-separated.
func Header(keys []Key, msgID string, timestamp int64, body []byte) string {
	sigs := make([]string, len(keys))
	for i, k := range keys {
		sigs[i] = k.Sign(msgID, timestamp, body)
	}
	return strings.Join(sigs, " ")
}
