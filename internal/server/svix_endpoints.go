package server

import (
	"cmp"
	"net/http"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Svix endpoints are hookd webhooks: filterTypes are event_types, disabled is !isActive, and
// a webhook's name (which Svix endpoints lack) is its description, else its URL.

type svixEndpointIn struct {
	URL         *string            `json:"url"`
	UID         *string            `json:"uid"`
	Description *string            `json:"description"`
	Disabled    *bool              `json:"disabled"`
	FilterTypes *[]string          `json:"filterTypes"`
	EventTypes  *[]string          `json:"eventTypes"` // filterTypes as Svix's newer SDKs name it
	Channels    *[]string          `json:"channels"`
	Headers     *map[string]string `json:"headers"`
	Metadata    *map[string]string `json:"metadata"`
	RateLimit   *int               `json:"rateLimit"`
	Throttle    *int               `json:"throttleRate"` // rateLimit as Svix's newer SDKs name it
	Secret      *string            `json:"secret"`
	Version     *int               `json:"version"`
}

type svixEndpointOut struct {
	ID          string            `json:"id"`
	UID         *string           `json:"uid,omitempty"`
	URL         string            `json:"url"`
	Description string            `json:"description"`
	Version     int               `json:"version"`
	RateLimit   *int              `json:"rateLimit,omitempty"`
	Throttle    *int              `json:"throttleRate,omitempty"`
	Disabled    bool              `json:"disabled"`
	FilterTypes []string          `json:"filterTypes,omitempty"`
	EventTypes  []string          `json:"eventTypes,omitempty"`
	Channels    []string          `json:"channels,omitempty"`
	Metadata    map[string]string `json:"metadata"`
	CreatedAt   jsonTime          `json:"createdAt"`
	UpdatedAt   jsonTime          `json:"updatedAt"`
}

func toSvixEndpoint(w *webhook.Webhook) svixEndpointOut {
	out := svixEndpointOut{ID: w.ID, URL: w.URL, Description: w.Description, Version: 1, Disabled: !w.Active,
		FilterTypes: w.EventTypes, EventTypes: w.EventTypes, Channels: w.Channels, Metadata: w.Metadata, CreatedAt: jsonTime(w.CreatedAt), UpdatedAt: jsonTime(w.UpdatedAt)}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if w.UID != "" {
		out.UID = &w.UID
	}
	if w.RateLimit != 0 {
		out.RateLimit, out.Throttle = &w.RateLimit, &w.RateLimit
	}
	return out
}

// apply sets the fields given; replace clears those not given (PUT).
func (in *svixEndpointIn) apply(w *webhook.Webhook, replace bool) error {
	if replace {
		w.UID, w.Description, w.Active, w.EventTypes, w.Channels, w.Metadata, w.RateLimit = "", "", true, nil, nil, nil, 0
	}
	set(&w.URL, in.URL)
	set(&w.UID, in.UID)
	set(&w.Description, in.Description)
	if in.Disabled != nil {
		w.Active = !*in.Disabled
	}
	set(&w.EventTypes, cmp.Or(in.FilterTypes, in.EventTypes))
	set(&w.Channels, in.Channels)
	set(&w.Metadata, in.Metadata)
	set(&w.RateLimit, cmp.Or(in.RateLimit, in.Throttle))
	if in.Headers != nil {
		h, err := unmaskHeaders(*in.Headers, w.Headers)
		if err != nil {
			return err
		}
		w.Headers = h
	}
	if in.Secret != nil {
		secret, err := svixSecret(*in.Secret)
		if err != nil {
			return err
		}
		w.Secret = secret
	}
	w.Name = cmp.Or(strings.TrimSpace(w.Description), w.URL)
	if len(w.Name) > webhook.MaxNameLen {
		w.Name = w.Name[:webhook.MaxNameLen]
	}
	if w.UID != "" {
		if err := webhook.ValidateUID("uid", w.UID); err != nil {
			return err
		}
	}
	if err := webhook.ValidateChannels("channels", w.Channels); err != nil {
		return err
	}
	if err := validMetadata(w.Metadata); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	return checkURLHost(w.URL)
}

// svixSecret accepts a signing secret as Svix does: base64 of 24 to 75 bytes, whsec_ or not.
func svixSecret(s string) (string, error) {
	key, err := signature.ParseSecret(s)
	if err != nil || len(key) < 24 || len(key) > 75 {
		return "", webhook.Errorf(webhook.EInvalid, "secret: must be base64 of 24 to 75 bytes, optionally prefixed with whsec_")
	}
	return "whsec_" + strings.TrimPrefix(s, "whsec_"), nil
}

func (s *Server) handleSvixEndpointList(w http.ResponseWriter, r *http.Request, c *svixCall) {
	limit, iterator, err := svixList(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	hooks, err := s.store.ListWebhooks(r.Context(), c.app.ID, iterator, limit+1, s.now())
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSvixPage(hooks, limit, func(h *webhook.Webhook) string { return h.ID }, toSvixEndpoint))
}

func (s *Server) handleSvixEndpointCreate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	var in svixEndpointIn
	if err := svixDecode(w, r, maxSettingsBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	now := s.now()
	hook := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: c.app.ID, Active: true,
		Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := in.apply(hook, true); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if n, err := s.store.CountWebhooks(r.Context(), hook.AppID); err != nil {
		s.writeSvixError(w, r, err)
		return
	} else if n >= s.opts.MaxWebhooks {
		s.writeSvixError(w, r, webhook.Errorf(webhook.EConflict, "this application has %d endpoints, the most one may have", n))
		return
	}
	if err := s.store.CreateWebhook(r.Context(), hook); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toSvixEndpoint(hook))
}

func (s *Server) handleSvixEndpointGet(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSvixEndpoint(hook))
}

func (s *Server) handleSvixEndpointUpdate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	s.saveSvixEndpoint(w, r, c, true)
}

func (s *Server) handleSvixEndpointPatch(w http.ResponseWriter, r *http.Request, c *svixCall) {
	s.saveSvixEndpoint(w, r, c, false)
}

func (s *Server) saveSvixEndpoint(w http.ResponseWriter, r *http.Request, c *svixCall, replace bool) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	var in svixEndpointIn
	if err := svixDecode(w, r, maxSettingsBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if in.Secret != nil {
		s.writeSvixError(w, r, webhook.Errorf(webhook.EInvalid, "secret: change it with POST …/secret/rotate"))
		return
	}
	if err := in.apply(hook, replace); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	hook.UpdatedAt = s.now()
	if err := s.store.UpdateWebhook(r.Context(), hook, hook.UpdatedAt); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSvixEndpoint(hook))
}

func (s *Server) handleSvixEndpointDelete(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if err := s.store.DeleteWebhook(r.Context(), c.app.ID, hook.ID); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleSvixEndpointStats counts the endpoint's deliveries by where they stand.
func (s *Server) handleSvixEndpointStats(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	since, err := timeParam(r, "since")
	var until *time.Time
	if err == nil {
		until, err = timeParam(r, "until")
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if since == nil && until == nil {
		st := hook.Stats
		writeJSON(w, http.StatusOK, map[string]int64{"success": st.Delivered, "fail": st.Failed, "pending": st.Pending(), "sending": 0})
		return
	}
	// A window: the deliveries made in it, by where they stand now, from the hourly rollups
	// (whole hours: an hour counts when it begins in the window).
	from, to := time.Unix(0, 0), s.now().Add(time.Hour)
	if since != nil {
		from = since.Truncate(time.Hour)
		if from.Before(*since) {
			from = from.Add(time.Hour)
		}
	}
	if until != nil {
		to = *until
	}
	rollups, err := s.store.Rollups(r.Context(), hook.ID, from, to)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	var sum store.Rollup
	for _, ru := range rollups {
		sum.Add(ru)
	}
	writeJSON(w, http.StatusOK, map[string]int64{"success": sum.Delivered, "fail": sum.Failed, "pending": sum.Events - sum.Delivered - sum.Failed, "sending": 0})
}

func (s *Server) handleSvixSecretGet(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"key": hook.Secret})
}

// handleSvixSecretRotate makes the given secret (or a new one) the signing secret; the old
// one signs beside it for DefaultGracePeriod, as Svix's does for 24 hours.
func (s *Server) handleSvixSecretRotate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	var in struct {
		Key *string `json:"key"`
	}
	if err := svixDecodeOptional(w, r, maxAdminBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	secret := signature.NewSecret()
	if in.Key != nil {
		if secret, err = svixSecret(*in.Key); err != nil {
			s.writeSvixError(w, r, err)
			return
		}
	}
	now := s.now()
	if err := s.store.RotateSecret(r.Context(), c.app.ID, hook.ID, secret, now.Add(DefaultGracePeriod), now); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Custom header values are secrets in hookd: without webhook:secret they read masked, and
// every name is listed as sensitive.
func (s *Server) handleSvixHeadersGet(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	headers := hook.Headers
	if !c.key.HasScope(webhook.ScopeWebhookSecret) {
		headers = webhook.MaskHeaders(headers)
	}
	sensitive := []string{}
	for name := range headers {
		sensitive = append(sensitive, name)
	}
	if headers == nil {
		headers = map[string]string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"headers": headers, "sensitive": sensitive})
}

// handleSvixHeadersUpdate replaces the custom headers (PUT) or, for PATCH, sets the given
// ones and removes those in deleteHeaders.
func (s *Server) handleSvixHeadersUpdate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	var in struct {
		Headers       map[string]string `json:"headers"`
		DeleteHeaders []string          `json:"deleteHeaders"`
	}
	if err := svixDecode(w, r, maxSettingsBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	next := map[string]string{}
	if r.Method == http.MethodPatch {
		for k, v := range hook.Headers {
			next[k] = v
		}
	}
	for k, v := range in.Headers {
		next[k] = v
	}
	for _, k := range in.DeleteHeaders {
		delete(next, k)
	}
	if hook.Headers, err = unmaskHeaders(next, hook.Headers); err == nil {
		err = hook.Validate()
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	hook.UpdatedAt = s.now()
	if err := s.store.UpdateWebhook(r.Context(), hook, hook.UpdatedAt); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleSvixRecover starts a recover job: failed deliveries since (until) are sent again.
func (s *Server) handleSvixRecover(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	var in struct {
		Since *time.Time `json:"since"`
		Until *time.Time `json:"until"`
	}
	if err := svixDecode(w, r, maxSettingsBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	job, err := s.startRecover(r, hook, in.Since, in.Until)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": job.ID, "status": "running", "task": "endpoint.recover"})
}
