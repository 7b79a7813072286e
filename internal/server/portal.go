package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Portal sessions (SPEC §3) are what an app hands its own customers: a short-lived Bearer
// token for that app's webhooks, opened in the dashboard from a link. They are keys with an
// expiry and their own rate limit (webhook.Key.Portal), so every route checks them as it
// checks keys, and their scopes (webhook.PortalScopes) keep them from events and admin.

var (
	errSessionExpired     = withDetails(webhook.EUnauthorized, "Portal session expired", "Ask the platform for a new portal link")
	errSessionNotFound    = webhook.Errorf(webhook.ENotFound, "Portal session not found")
	errSessionFromSession = withDetails(webhook.EForbidden, "Portal sessions cannot create portal sessions",
		"Create portal sessions with an API key of the app holding webhook:write")
)

type portalSessionJSON struct {
	ID        string   `json:"id"`
	AppID     string   `json:"app_id"`
	Token     string   `json:"token"`
	URL       string   `json:"url"`
	ReadOnly  bool     `json:"read_only"`
	Scopes    []string `json:"scopes"`
	ExpiresAt jsonTime `json:"expires_at"`
}

func (s *Server) handlePortalSessionCreate(w http.ResponseWriter, r *http.Request) {
	caller := keyFrom(r.Context())
	if caller.Portal {
		s.writeError(w, r, errSessionFromSession)
		return
	}
	var in struct {
		ExpiresIn *int   `json:"expires_in"`
		ReadOnly  bool   `json:"read_only"`
		AppID     string `json:"app_id"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, maxAdminBody, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	ttl := webhook.DefaultPortalTTL
	if in.ExpiresIn != nil {
		ttl = time.Duration(*in.ExpiresIn) * time.Second
		if ttl < webhook.MinPortalTTL || ttl > webhook.MaxPortalTTL {
			s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "expires_in must be between %d and %d seconds, got %d",
				int(webhook.MinPortalTTL.Seconds()), int(webhook.MaxPortalTTL.Seconds()), *in.ExpiresIn))
			return
		}
	}
	appID, err := s.sessionApp(r, caller, in.AppID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k, token, err := s.newPortalSession(r, appID, caller.Env, ttl, in.ReadOnly)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, portalSessionJSON{ID: k.ID, AppID: appID, Token: token, URL: s.portalURL(r, token),
		ReadOnly: in.ReadOnly, Scopes: k.Scopes, ExpiresAt: jsonTime(*k.ExpiresAt)})
}

// newPortalSession stores a session of appID ending in ttl and returns it with its token.
// Sessions that have ended are deleted on the way.
func (s *Server) newPortalSession(r *http.Request, appID, env string, ttl time.Duration, readOnly bool) (*webhook.Key, string, error) {
	now := s.now()
	if _, err := s.store.DeleteExpiredSessions(r.Context(), now); err != nil {
		s.log.Warn("delete expired portal sessions", "err", err)
	}
	ck, secret := webhook.NewKeyCredentials()
	expires := now.Add(ttl)
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixPortal, now), AppID: appID, Name: "portal session", ClientKey: ck,
		SecretHash: webhook.HashSecret(secret), Scopes: webhook.PortalScopes(readOnly), Env: env, Active: true,
		Portal: true, CreatedAt: now, ExpiresAt: &expires}
	if err := s.store.CreateKey(r.Context(), k); err != nil {
		return nil, "", err
	}
	return k, webhook.Token(ck, secret), nil
}

// portalURL is the dashboard link that opens a session: the token after #, so it never
// reaches a server's logs.
func (s *Server) portalURL(r *http.Request, token string) string {
	return s.publicBase(r) + "/ui/#token=" + token
}

// sessionApp is the app a new session is for: the caller's own, or for an operator key any
// app it names.
func (s *Server) sessionApp(r *http.Request, caller *webhook.Key, named string) (string, error) {
	if named == "" || named == caller.AppID {
		return caller.AppID, nil
	}
	if !caller.HasScope(webhook.ScopeAdmin) {
		return "", webhook.Errorf(webhook.EInvalid, "app_id: a key makes portal sessions for its own app (%s) only; leave app_id out", caller.AppID)
	}
	if !webhook.ValidIDFormat(webhook.PrefixApp, named) {
		return "", errBadAppID
	}
	app, err := s.store.GetApp(r.Context(), named)
	if err != nil {
		return "", err
	}
	return app.ID, nil
}

// publicBase is where the dashboard is reached: --public-url, or the request's own host.
func (s *Server) publicBase(r *http.Request) string {
	if s.opts.PublicURL != "" {
		return strings.TrimSuffix(s.opts.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// handlePortalSessionDelete revokes a session: asked by the session itself (signing out), a
// key of its app that may make sessions, or the operator.
func (s *Server) handlePortalSessionDelete(w http.ResponseWriter, r *http.Request) {
	caller := keyFrom(r.Context())
	id := r.PathValue("id")
	if !webhook.ValidIDFormat(webhook.PrefixPortal, id) {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "Invalid portal session ID format"))
		return
	}
	if !caller.Portal && !caller.HasScope(webhook.ScopeWebhookWrite) {
		s.writeError(w, r, errMissingScope(webhook.ScopeWebhookWrite))
		return
	}
	k, err := s.store.GetKey(r.Context(), id)
	if webhook.ErrorCode(err) == webhook.ENotFound {
		err = errSessionNotFound
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	mine := caller.Portal && caller.ID == k.ID ||
		!caller.Portal && (caller.HasScope(webhook.ScopeAdmin) || caller.AppID == k.AppID)
	if !k.Portal || !mine {
		s.writeError(w, r, errSessionNotFound)
		return
	}
	defer s.keys.forget()
	if err := s.store.DeleteKey(r.Context(), id); err != nil {
		if err == store.ErrKeyNotFound {
			err = errSessionNotFound
		}
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
