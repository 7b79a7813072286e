package secretbox

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	box, err := New(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0"
	sealed := box.Seal(secret, "webhook wh_1/secret")
	if !Sealed(sealed) || strings.Contains(sealed, secret) || strings.Contains(sealed, "c2VjcmV0") {
		t.Fatalf("sealed = %q, want an opaque sb1: value", sealed)
	}
	if again := box.Seal(secret, "webhook wh_1/secret"); again == sealed {
		t.Error("two seals of one value are equal; the nonce is not random")
	}
	got, err := box.Open(sealed, "webhook wh_1/secret")
	if err != nil || got != secret {
		t.Fatalf("Open = %q, %v; want %q", got, err, secret)
	}
	other, _ := New(NewKey())
	tests := []struct {
		name   string
		box    *Box
		sealed string
		aad    string
	}{
		{"another key", other, sealed, "webhook wh_1/secret"},
		{"another place", box, sealed, "webhook wh_2/secret"},
		{"clear text", box, secret, "webhook wh_1/secret"},
		{"truncated", box, sealed[:10], "webhook wh_1/secret"},
		{"flipped", box, flipLastByte(t, sealed), "webhook wh_1/secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.box.Open(tt.sealed, tt.aad)
			if err != ErrOpen || got != "" {
				t.Errorf("Open = %q, %v; want ErrOpen", got, err)
			}
		})
	}
}

// flipLastByte changes one bit of the sealed bytes. Rewriting the last characters of the base64
// text instead leaves the value unchanged about once in a thousand runs.
func flipLastByte(t *testing.T, sealed string) string {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1
	return prefix + base64.RawStdEncoding.EncodeToString(raw)
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "secret.key")
	k1, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("first load = %d bytes, created %v, %v; want a new %d-byte key", len(k1), created, err, KeySize)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode = %o, want 600", mode)
	}
	k2, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || string(k2) != string(k1) {
		t.Errorf("second load: created %v, %v, same key %v; want the same key read back", created, err, string(k2) == string(k1))
	}
}

func TestParseKey(t *testing.T) {
	k := NewKey()
	for _, s := range []string{EncodeKey(k), " " + EncodeKey(k) + "\n", strings.Repeat("ab", 32)} {
		if got, err := ParseKey(s); err != nil || len(got) != KeySize {
			t.Errorf("ParseKey(%q) = %d bytes, %v", s, len(got), err)
		}
	}
	for _, s := range []string{"", "short", strings.Repeat("a", 63), EncodeKey(k[:16])} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
}
