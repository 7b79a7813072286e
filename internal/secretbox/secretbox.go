// Package secretbox encrypts secrets at rest (webhook signing secrets, encryption keys and
// custom header values) with a server key, using AES-256-GCM. A sealed value is "sb1:" followed
// by the base64 of a random 12-byte nonce and the ciphertext; the additional data binds it to
// where it is kept, so a sealed value copied to another row does not open.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a server key: 256 bits.
const KeySize = 32

const prefix = "sb1:"

// Box seals and opens values with one server key.
type Box struct {
	aead cipher.AEAD
}

// New returns a box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// NewKey returns a fresh random server key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k)
	return k
}

// ParseKey reads a server key written as 64 hex digits or as base64 (standard or URL, padded or not).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("secretbox: a server key is %d bytes written as 64 hex digits or base64", KeySize)
}

// EncodeKey writes a key the way ParseKey reads it.
func EncodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// LoadOrCreateKeyFile reads the key in path, or creates the file (mode 0600) with a fresh key.
// created reports whether it did.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	k := NewKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first: use theirs
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, false, err
	}
	if _, err := f.WriteString(EncodeKey(k) + "\n"); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, err
	}
	return k, true, f.Close()
}

// Sealed reports whether v is a sealed value (as opposed to one stored in the clear).
func Sealed(v string) bool { return strings.HasPrefix(v, prefix) }

// Seal encrypts plaintext; aad names where it is kept (e.g. "webhook wh_…/secret").
func (b *Box) Seal(plaintext, aad string) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return prefix + base64.RawStdEncoding.EncodeToString(out)
}

// ErrOpen is returned for a value that does not open under this key and aad. The message
// names no part of the value.
var ErrOpen = errors.New("secretbox: sealed value does not open with this server key (was it sealed with another --secret-key?)")

// Open decrypts a value sealed with the same key and aad.
func (b *Box) Open(sealed, aad string) (string, error) {
	body, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrOpen
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	ns := b.aead.NonceSize()
	if err != nil || len(raw) < ns+b.aead.Overhead() {
		return "", ErrOpen
	}
	pt, err := b.aead.Open(nil, raw[:ns], raw[ns:], []byte(aad))
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}
