package server

import (
	"net/http"
	"strconv"
)

// handleMe tells a key or portal session what it is: its app, scopes, environment and rate
// limit, so a client (the dashboard) need not guess.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	k := keyFrom(r.Context())
	app, err := s.store.GetApp(r.Context(), k.AppID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type portalJSON struct {
		ID        string   `json:"id"`
		ReadOnly  bool     `json:"read_only"`
		ExpiresAt jsonTime `json:"expires_at"`
	}
	type rateLimitJSON struct {
		Limit     int64 `json:"limit"`
		Remaining int64 `json:"remaining"`
		Reset     int64 `json:"reset"`
	}
	out := struct {
		KeyID       string        `json:"key_id"`
		Name        string        `json:"name"`
		App         appJSON       `json:"app"`
		Scopes      []string      `json:"scopes"`
		Environment string        `json:"environment"`
		Operator    bool          `json:"operator"`
		Portal      *portalJSON   `json:"portal"`
		RateLimit   rateLimitJSON `json:"rate_limit"`
	}{KeyID: k.ID, Name: k.Name, App: appJSON{ID: app.ID, Name: app.Name}, Scopes: k.Scopes, Environment: k.Env, Operator: k.Operator}
	if k.Portal && k.ExpiresAt != nil {
		out.Portal = &portalJSON{ID: k.ID, ReadOnly: k.ReadOnly(), ExpiresAt: jsonTime(*k.ExpiresAt)}
	}
	// admit has counted this request and set the headers: the body says the same.
	h := w.Header()
	out.RateLimit.Limit, _ = strconv.ParseInt(h.Get("X-RateLimit-Limit"), 10, 64)
	out.RateLimit.Remaining, _ = strconv.ParseInt(h.Get("X-RateLimit-Remaining"), 10, 64)
	out.RateLimit.Reset, _ = strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	writeJSON(w, http.StatusOK, out)
}
