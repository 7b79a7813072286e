package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/hookd/hookd/internal/webhook"
)

// Svix applications are hookd apps; their uid is the sender's own name for them.

type svixAppIn struct {
	Name      *string            `json:"name"`
	UID       *string            `json:"uid"`
	Metadata  *map[string]string `json:"metadata"`
	RateLimit *int               `json:"rateLimit"`
	Throttle  *int               `json:"throttleRate"` // rateLimit as Svix's newer SDKs name it
}

type svixAppOut struct {
	ID        string            `json:"id"`
	UID       *string           `json:"uid,omitempty"`
	Name      string            `json:"name"`
	Metadata  map[string]string `json:"metadata"`
	RateLimit *int              `json:"rateLimit,omitempty"`
	Throttle  *int              `json:"throttleRate,omitempty"`
	CreatedAt jsonTime          `json:"createdAt"`
	UpdatedAt jsonTime          `json:"updatedAt"`
}

func toSvixApp(a *webhook.App) svixAppOut {
	out := svixAppOut{ID: a.ID, Name: a.Name, Metadata: a.Metadata, CreatedAt: jsonTime(a.CreatedAt), UpdatedAt: jsonTime(a.UpdatedAt)}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if a.UID != "" {
		out.UID = &a.UID
	}
	if a.RateLimit != 0 {
		out.RateLimit, out.Throttle = &a.RateLimit, &a.RateLimit
	}
	return out
}

// svixDecode reads a JSON body as Svix's server does: fields it does not know are ignored.
func svixDecode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	return nil
}

// svixDecodeOptional is svixDecode for a body that may be left out.
func svixDecodeOptional(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return decodeError(err, limit)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return decodeError(err, limit)
	}
	return nil
}

// apply sets the fields given; replace clears those not given (PUT).
func (in *svixAppIn) apply(a *webhook.App, replace bool) error {
	if replace {
		a.UID, a.Metadata, a.RateLimit = "", nil, 0
	}
	set(&a.Name, in.Name)
	set(&a.UID, in.UID)
	set(&a.Metadata, in.Metadata)
	set(&a.RateLimit, cmp.Or(in.RateLimit, in.Throttle))
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || len(a.Name) > webhook.MaxNameLen {
		return webhook.Errorf(webhook.EInvalid, "name: required, at most %d characters", webhook.MaxNameLen)
	}
	if err := webhook.ValidText("name", a.Name); err != nil {
		return err
	}
	if a.UID != "" {
		if err := webhook.ValidateUID("uid", a.UID); err != nil {
			return err
		}
	}
	if a.RateLimit < 0 || a.RateLimit > 65535 {
		return webhook.Errorf(webhook.EInvalid, "rateLimit: must be between 0 and 65535")
	}
	return validMetadata(a.Metadata)
}

func validMetadata(m map[string]string) error {
	for k, v := range m {
		if err := webhook.ValidText("metadata", k+v); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) handleSvixAppList(w http.ResponseWriter, r *http.Request, c *svixCall) {
	limit, iterator, err := svixList(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	apps, err := s.store.ListApps(r.Context(), iterator, limit+1)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSvixPage(apps, limit, func(a *webhook.App) string { return a.ID }, toSvixApp))
}

// handleSvixAppCreate makes an app; with get_if_exists=true an app already holding the uid
// is answered (200) instead of a conflict.
func (s *Server) handleSvixAppCreate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	var in svixAppIn
	if err := svixDecode(w, r, maxAdminBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if r.URL.Query().Get("get_if_exists") == "true" && in.UID != nil && *in.UID != "" {
		if app, err := s.store.AppByUID(r.Context(), *in.UID); err == nil {
			writeJSON(w, http.StatusOK, toSvixApp(app))
			return
		}
	}
	app, err := s.createSvixApp(r, &in)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toSvixApp(app))
}

// svixAppFor makes the app a call to a missing {app_id} (ref) names in its body
// ("application"): with ref as its uid unless the body gives one. A call that made it first
// (the same uid at once) is found instead.
func (s *Server) svixAppFor(r *http.Request, k *webhook.Key, ref string, in *svixAppIn) (*webhook.App, error) {
	if in.UID == nil {
		in.UID = &ref
	}
	app, err := s.createSvixApp(r, in)
	if webhook.ErrorCode(err) == webhook.EConflict {
		if found, ferr := s.svixApp(r.Context(), k, *in.UID); ferr == nil {
			return found, nil
		}
	}
	return app, err
}

func (s *Server) createSvixApp(r *http.Request, in *svixAppIn) (*webhook.App, error) {
	now := s.now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), CreatedAt: now, UpdatedAt: now}
	if err := in.apply(app, true); err != nil {
		return nil, err
	}
	if err := s.store.CreateApp(r.Context(), app); err != nil {
		if webhook.ErrorCode(err) == webhook.EConflict {
			return nil, webhook.Errorf(webhook.EConflict, "An application with this uid already exists")
		}
		return nil, err
	}
	return app, nil
}

func (s *Server) handleSvixAppGet(w http.ResponseWriter, r *http.Request, c *svixCall) {
	writeJSON(w, http.StatusOK, toSvixApp(c.app))
}

// handleSvixAppUpdate replaces an app's fields (PUT).
func (s *Server) handleSvixAppUpdate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	s.saveSvixApp(w, r, c, true)
}

func (s *Server) handleSvixAppPatch(w http.ResponseWriter, r *http.Request, c *svixCall) {
	s.saveSvixApp(w, r, c, false)
}

func (s *Server) saveSvixApp(w http.ResponseWriter, r *http.Request, c *svixCall, replace bool) {
	var in svixAppIn
	if err := svixDecode(w, r, maxAdminBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	app := *c.app
	if err := in.apply(&app, replace); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	app.UpdatedAt = s.now()
	if err := s.store.UpdateApp(r.Context(), &app); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSvixApp(&app))
}

func (s *Server) handleSvixAppDelete(w http.ResponseWriter, r *http.Request, c *svixCall) {
	if c.app.ID == c.key.AppID {
		s.writeSvixError(w, r, webhook.Errorf(webhook.EConflict, "cannot delete the application of the key making this request"))
		return
	}
	defer s.keys.forget()
	if err := s.store.DeleteApp(r.Context(), c.app.ID); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
