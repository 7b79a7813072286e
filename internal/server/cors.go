package server

import (
	"net/http"
	"slices"
	"strings"
)

// CORS headers: what a page of an allowed origin may send and read.
var (
	corsMethods = strings.Join([]string{"GET", "POST", "PATCH", "PUT", "DELETE"}, ", ")
	// Svix's SDKs add a request id, a retry count and their user agent to every call.
	corsHeaders = strings.Join([]string{"Authorization", "Content-Type", "X-Client-Key", "X-Client-Secret", "Idempotency-Key",
		"Svix-Req-Id", "Svix-Retry-Count", "User-Agent"}, ", ")
	corsExposed = strings.Join([]string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"}, ", ")
)

// cors lets the pages of Options.CORSOrigins call the API: a preflight from one of them is
// answered here, and every answer to one carries the CORS headers. Requests from any other
// origin get none, so a browser keeps their pages out. Credentials travel in headers, never
// in cookies, so no Allow-Credentials is needed.
func (s *Server) cors(next http.Handler) http.Handler {
	if len(s.opts.CORSOrigins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !slices.Contains(s.opts.CORSOrigins, origin) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposed)
		next.ServeHTTP(w, r)
	})
}
