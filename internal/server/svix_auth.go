package server

import (
	"net/http"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Svix's app-portal-access is a hookd portal session: its token is a Bearer credential for
// that app's /api/v1/app/{app_id}/… routes (and hookd's own), its url opens the dashboard in
// portal mode. Svix allows tokens of up to 7 days; hookd's sessions end within a day
// (webhook.MaxPortalTTL), so a longer expiry is shortened to that.

// handleSvixPortalAccess makes a portal session for the app (by id or uid); given
// "application", an app that does not exist yet is made first, with the path as its uid
// (by the operator: only its keys make apps).
func (s *Server) handleSvixPortalAccess(w http.ResponseWriter, r *http.Request, c *svixCall) {
	if c.key.Portal {
		s.writeSvixError(w, r, errSessionFromSession)
		return
	}
	var in struct {
		Expiry       *int64     `json:"expiry"`
		ReadOnly     bool       `json:"readOnly"`
		Capabilities []string   `json:"capabilities"`
		Application  *svixAppIn `json:"application"`
	}
	if err := svixDecodeOptional(w, r, maxAdminBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	ref := r.PathValue("app_ref")
	app, err := s.svixApp(r.Context(), c.key, ref)
	if webhook.ErrorCode(err) == webhook.ENotFound && in.Application != nil && c.key.HasScope(webhook.ScopeAdmin) {
		app, err = s.svixAppFor(r, c.key, ref, in.Application)
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	ttl := webhook.MaxPortalTTL
	if in.Expiry != nil {
		if *in.Expiry < int64(webhook.MinPortalTTL/time.Second) {
			s.writeSvixError(w, r, webhook.Errorf(webhook.EInvalid, "expiry: at least %d seconds", int(webhook.MinPortalTTL/time.Second)))
			return
		}
		ttl = min(time.Duration(*in.Expiry)*time.Second, webhook.MaxPortalTTL)
	}
	// Only the base capability (Svix's ViewBase) asked for: the portal can only look.
	readOnly := in.ReadOnly || (len(in.Capabilities) == 1 && in.Capabilities[0] == "ViewBase")
	_, token, err := s.newPortalSession(r, app.ID, c.key.Env, ttl, readOnly)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": token, "url": s.portalURL(r, token)})
}

// handleSvixLogout ends the portal session making the request.
func (s *Server) handleSvixLogout(w http.ResponseWriter, r *http.Request, c *svixCall) {
	if !c.key.Portal {
		s.writeSvixError(w, r, webhook.Errorf(webhook.EForbidden, "Only portal session tokens log out; revoke API keys with the admin API"))
		return
	}
	defer s.keys.forget()
	if err := s.store.DeleteKey(r.Context(), c.key.ID); err != nil && err != store.ErrKeyNotFound {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleSvixHealth answers 204 while the store answers.
func (s *Server) handleSvixHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
