package webhook

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// NewKeyCredentials returns a fresh client key (public, the lookup handle) and client secret.
func NewKeyCredentials() (clientKey, clientSecret string) {
	return "ck_" + randomString(18), "cs_" + randomString(32)
}

// HashSecret is what the store keeps of a client secret. Secrets are 256 random bits,
// so a plain SHA-256 is enough: there is nothing to brute-force.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// SecretMatches compares in constant time.
func SecretMatches(k *Key, secret string) bool {
	return subtle.ConstantTimeCompare(k.SecretHash, HashSecret(secret)) == 1
}

// Token is the Bearer form of a credential pair: one string equivalent to both.
func Token(clientKey, clientSecret string) string { return clientKey + "." + clientSecret }

// ParseToken splits a Bearer token into its pair.
func ParseToken(token string) (clientKey, clientSecret string, ok bool) {
	clientKey, clientSecret, ok = strings.Cut(token, ".")
	return clientKey, clientSecret, ok && clientKey != "" && clientSecret != ""
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
