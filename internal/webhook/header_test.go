package webhook

import (
	"strings"
	"testing"
)

// TestHeadersAsHTTPAllows: the rules net/http applies when it sends, plus hookd's own.
// (internal/server/settings_test.go drives the same rules through the API.)
func TestHeadersAsHTTPAllows(t *testing.T) {
	tests := []struct {
		headers map[string]string
		want    string // error prefix; "" = valid
	}{
		{map[string]string{"Authorization": "Bearer x", "X-A.b_c": "tab\tand UTF-8 é"}, ""},
		{map[string]string{"X-Empty": ""}, ""},
		{map[string]string{"X(a)": "1"}, `headers: "X(a)" is not a valid header name`},
		{map[string]string{"X\x00": "1"}, `headers: "X\x00" is not a valid header name`},
		{map[string]string{"X-A": "a\x00"}, `headers: the value of "X-A" holds a character HTTP does not allow`},
		{map[string]string{"X-A": "a\x7f"}, `headers: the value of "X-A" holds a character HTTP does not allow`},
		{map[string]string{"X-A": "a\xff"}, `headers: the value of "X-A" holds a character HTTP does not allow in a header value (a control character such as NUL, CR, LF or DEL) or is not valid UTF-8`},
		{map[string]string{"X-A": strings.Repeat("a", MaxHeaderValueLen+1)}, `headers: the value of "X-A" is longer than 4096 bytes`},
		{map[string]string{"Proxy-Anything": "1"}, `headers: "Proxy-Anything" is a hop-by-hop header`},
		{map[string]string{"te": "trailers"}, `headers: "te" is a hop-by-hop header`},
		{map[string]string{"Content-Length": "1"}, `headers: "Content-Length" is set by hookd`},
		{map[string]string{"A": "1", "a": "2"}, `headers: "A" and "a" are the same header`},
	}
	for _, tt := range tests {
		err := (&Webhook{Name: "n", URL: "https://example.com", Headers: tt.headers}).Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if (tt.want == "") != (err == nil) || !strings.HasPrefix(got, tt.want) {
			t.Errorf("headers %q: Validate() = %q, want %q…", tt.headers, got, tt.want)
		}
		for _, v := range tt.headers {
			if err != nil && len(v) > 3 && strings.Contains(got, v) {
				t.Errorf("headers %q: the error shows a value: %q", tt.headers, got)
			}
		}
	}
}

func TestMaskHeaders(t *testing.T) {
	got := MaskHeaders(map[string]string{"Authorization": "Bearer x", "X-A": ""})
	if len(got) != 2 || got["Authorization"] != HeaderMask || got["X-A"] != HeaderMask {
		t.Errorf("MaskHeaders = %v, want both names with %q", got, HeaderMask)
	}
	if got := MaskHeaders(nil); got == nil || len(got) != 0 {
		t.Errorf("MaskHeaders(nil) = %#v, want an empty map (shown as {})", got)
	}
}
