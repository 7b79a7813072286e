package webhook

import (
	"strings"
	"testing"
)

func TestResponseText(t *testing.T) {
	euro := "€" // three bytes
	long := strings.Repeat("a", MaxResponseBody-2) + euro
	for _, tc := range []struct {
		name      string
		body      string
		truncated bool
		text, enc string
	}{
		{"text", `{"ok":true}`, false, `{"ok":true}`, ""},
		{"empty", "", false, "", ""},
		{"NUL", "a\x00b", false, "YQBi", BodyBase64},
		{"invalid UTF-8", "\xff\xfe", false, "//4=", BodyBase64},
		{"a character cut by truncation is dropped", long[:MaxResponseBody], true, long[:MaxResponseBody-2], ""},
		{"an invalid body that was not cut stays base64", "ab\xe2\x82", false, "YWLigg==", BodyBase64},
	} {
		a := &Attempt{ResponseBody: tc.body, Truncated: tc.truncated}
		text, enc := a.ResponseText()
		if text != tc.text || enc != tc.enc {
			t.Errorf("%s: ResponseText() = %.20q, %q; want %.20q, %q", tc.name, text, enc, tc.text, tc.enc)
			continue
		}
		if back, err := ResponseFromText(text, enc); err != nil || (!tc.truncated && back != tc.body) {
			t.Errorf("%s: ResponseFromText = %q, %v; want the body back", tc.name, back, err)
		}
	}
	if got := CleanText("a\x00b\xffc"); got != "ab\uFFFDc" {
		t.Errorf("CleanText = %q", got)
	}
}
