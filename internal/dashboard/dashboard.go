// Package dashboard is hookd's web UI: plain HTML, CSS and JavaScript embedded in the binary,
// served under /ui/. The page holds no secrets: it calls the JSON API with the key the user
// signs in with, kept in the tab's sessionStorage.
package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var files embed.FS

// csp allows only the dashboard's own files and same-origin API calls: no inline script or
// style, so text from payloads or responses can never run even if it reached the markup.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "

// Handler serves the dashboard at /ui/ and redirects /ui there. frameAncestors are the
// origins that may embed it in an iframe (a platform's own pages); none by default.
func Handler(frameAncestors ...string) http.Handler {
	policy := csp + "'none'"
	if len(frameAncestors) > 0 {
		policy = csp + strings.Join(frameAncestors, " ")
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot happen
	}
	serve := http.StripPrefix("/ui/", http.FileServerFS(static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if len(frameAncestors) == 0 {
			h.Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors; it cannot name origins
		}
		// Revalidate each load, so a new binary's files are picked up at once.
		h.Set("Cache-Control", "no-cache")
		if r.URL.Path == "/ui" {
			http.Redirect(w, r, "/ui/", http.StatusMovedPermanently)
			return
		}
		serve.ServeHTTP(w, r)
	})
}
