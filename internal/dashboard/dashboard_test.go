package dashboard

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestServesFilesWithSecurityHeaders(t *testing.T) {
	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/ui/", "text/html", `<script type="module" src="app.js">`},
		{"/ui/app.js", "text/javascript", "hashchange"},
		{"/ui/api.js", "text/javascript", "Authorization"},
		{"/ui/style.css", "text/css", ".badge"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := get(t, tc.path)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, tc.contentType) {
				t.Errorf("Content-Type %q, want %s", got, tc.contentType)
			}
			if !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("body does not contain %q", tc.contains)
			}
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
			} {
				if got := rec.Header().Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			policy := rec.Header().Get("Content-Security-Policy")
			if !strings.HasPrefix(policy, "default-src 'self'") || strings.Contains(policy, "unsafe") {
				t.Errorf("Content-Security-Policy = %q, want default-src 'self' and nothing unsafe", policy)
			}
		})
	}
}

func TestRedirectsAndMissingFiles(t *testing.T) {
	if rec := get(t, "/ui"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/ui/" {
		t.Errorf("GET /ui = %d to %q, want 301 to /ui/", rec.Code, rec.Header().Get("Location"))
	}
	if rec := get(t, "/ui/nothing.js"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /ui/nothing.js = %d, want 404", rec.Code)
	}
}

// TestFilesStayLocalAndSafe reads the embedded files for what the CSP and the no-build,
// nothing-from-the-internet rule forbid, so a slip fails here before it reaches a browser.
func TestFilesStayLocalAndSafe(t *testing.T) {
	forbidden := map[string]*regexp.Regexp{
		"a URL elsewhere":           regexp.MustCompile(`(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//`),
		"innerHTML or outerHTML":    regexp.MustCompile(`\b(?:inner|outer)HTML\b|insertAdjacentHTML|document\.write`),
		"eval":                      regexp.MustCompile(`\beval\(|new Function\(`),
		"inline script or style":    regexp.MustCompile(`<script>|<script(?:\s+type="[^"]*")?\s*>[^<]|<style|\sstyle=|\son[a-z]+=`),
		"a style attribute from JS": regexp.MustCompile(`setAttribute\(\s*['"]style`),
	}
	n := 0
	err := fs.WalkDir(files, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		for what, re := range forbidden {
			if loc := re.FindIndex(b); loc != nil {
				t.Errorf("%s holds %s: %q", path, what, b[loc[0]:loc[1]])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("found %d embedded files; the walk is broken", n)
	}
}
