package server

import (
	"net/http"
	"strings"

	"github.com/hookd/hookd/internal/webhook"
)

// The admin API manages apps and their keys. admin is the operator's scope: it reaches every
// app, so only an operator key holds it (webhook.Key.HasScope), and a tenant app's key asking
// for it is refused.

type keyJSON struct {
	ID          string    `json:"id"`
	AppID       string    `json:"app_id"`
	Name        string    `json:"name"`
	ClientKey   string    `json:"client_key"`
	Scopes      []string  `json:"scopes"`
	Environment string    `json:"environment"`
	IsActive    bool      `json:"is_active"`
	Operator    bool      `json:"operator"`
	CreatedAt   jsonTime  `json:"created_at"`
	LastUsedAt  *jsonTime `json:"last_used_at"`
}

func toKeyJSON(k *webhook.Key) keyJSON {
	return keyJSON{ID: k.ID, AppID: k.AppID, Name: k.Name, ClientKey: k.ClientKey, Scopes: k.Scopes, Environment: k.Env,
		IsActive: k.Active, Operator: k.Operator, CreatedAt: jsonTime(k.CreatedAt), LastUsedAt: optTime(k.LastUsedAt)}
}

type adminAppJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	CreatedAt jsonTime `json:"created_at"`
}

func toAdminAppJSON(a *webhook.App) adminAppJSON {
	return adminAppJSON{ID: a.ID, Name: a.Name, CreatedAt: jsonTime(a.CreatedAt)}
}

const maxAdminBody = 16 << 10

var (
	errBadAppID = webhook.Errorf(webhook.EInvalid, "Invalid app ID format")
	errBadKeyID = webhook.Errorf(webhook.EInvalid, "Invalid key ID format")
)

func (s *Server) handleAppCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, maxAdminBody, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > webhook.MaxNameLen {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "name is required, at most %d characters", webhook.MaxNameLen))
		return
	}
	if err := webhook.ValidText("name", in.Name); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: in.Name, CreatedAt: now}
	if err := s.store.CreateApp(r.Context(), app); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAdminAppJSON(app))
}

func (s *Server) handleAppList(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 50, 1, 250)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	if cursor != "" && !webhook.ValidIDFormat(webhook.PrefixApp, cursor) {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "cursor must be an app id from next_cursor"))
		return
	}
	apps, err := s.store.ListApps(r.Context(), cursor, limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := struct {
		Data       []adminAppJSON `json:"data"`
		HasMore    bool           `json:"has_more"`
		NextCursor string         `json:"next_cursor,omitempty"`
	}{Data: []adminAppJSON{}}
	if len(apps) > limit {
		apps, page.HasMore = apps[:limit], true
		page.NextCursor = apps[limit-1].ID
	}
	for i := range apps {
		page.Data = append(page.Data, toAdminAppJSON(&apps[i]))
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) loadApp(r *http.Request) (*webhook.App, error) {
	id := r.PathValue("id")
	if !webhook.ValidIDFormat(webhook.PrefixApp, id) {
		return nil, errBadAppID
	}
	return s.store.GetApp(r.Context(), id)
}

func (s *Server) handleAppGet(w http.ResponseWriter, r *http.Request) {
	app, err := s.loadApp(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAdminAppJSON(app))
}

func (s *Server) handleAppDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !webhook.ValidIDFormat(webhook.PrefixApp, id) {
		s.writeError(w, r, errBadAppID)
		return
	}
	if id == keyFrom(r.Context()).AppID {
		s.writeError(w, r, webhook.Errorf(webhook.EConflict, "cannot delete the app of the key making this request"))
		return
	}
	defer s.keys.forget()
	if err := s.store.DeleteApp(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleKeyCreate answers with the key's secret and token: the only time they are shown. An
// operator key ("operator": true, which may hold admin) is made only in the caller's own app:
// the operator's, never a tenant's.
func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request) {
	app, err := s.loadApp(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Name        string   `json:"name"`
		Scopes      []string `json:"scopes"`
		Environment string   `json:"environment"`
		Operator    bool     `json:"operator"`
	}
	if err := decode(w, r, maxAdminBody, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, sc := range in.Scopes {
		if strings.Contains(sc, ",") {
			s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "scopes: %q is not a scope; give one scope per array entry", sc))
			return
		}
	}
	scopes, err := webhook.ParseScopes(strings.Join(in.Scopes, ","))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := webhook.CheckOperatorScopes(scopes, in.Operator, `send "operator": true (in the operator's own app)`); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Operator && app.ID != keyFrom(r.Context()).AppID {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid,
			"operator: an operator key manages every app, so it is made only in the operator's own app (%s), never in a tenant's", keyFrom(r.Context()).AppID))
		return
	}
	if in.Environment == "" {
		in.Environment = webhook.EnvProduction
	}
	if err := webhook.ValidateEnv(in.Environment); err != nil {
		s.writeError(w, r, err)
		return
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = "api"
	}
	if len(in.Name) > webhook.MaxNameLen {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "name is longer than %d characters", webhook.MaxNameLen))
		return
	}
	if err := webhook.ValidText("name", in.Name); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	ck, secret := webhook.NewKeyCredentials()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, now), AppID: app.ID, Name: in.Name, ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: scopes, Env: in.Environment, Active: true, Operator: in.Operator, CreatedAt: now}
	if err := s.store.CreateKey(r.Context(), k); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, struct {
		keyJSON
		ClientSecret string `json:"client_secret"`
		Token        string `json:"token"`
	}{toKeyJSON(k), secret, webhook.Token(ck, secret)})
}

func (s *Server) handleKeyList(w http.ResponseWriter, r *http.Request) {
	app, err := s.loadApp(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	keys, err := s.store.ListKeys(r.Context(), app.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := struct {
		Data []keyJSON `json:"data"`
	}{Data: []keyJSON{}}
	for i := range keys {
		out.Data = append(out.Data, toKeyJSON(&keys[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) loadKey(r *http.Request) (*webhook.Key, error) {
	id := r.PathValue("id")
	if !webhook.ValidIDFormat(webhook.PrefixKey, id) {
		return nil, errBadKeyID
	}
	return s.store.GetKey(r.Context(), id)
}

func (s *Server) handleKeyGet(w http.ResponseWriter, r *http.Request) {
	k, err := s.loadKey(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toKeyJSON(k))
}

// handleKeyUpdate activates or deactivates a key: {"is_active": false}.
func (s *Server) handleKeyUpdate(w http.ResponseWriter, r *http.Request) {
	k, err := s.loadKey(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		IsActive *bool `json:"is_active"`
	}
	if err := decode(w, r, maxAdminBody, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.IsActive == nil {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "is_active is required"))
		return
	}
	if !*in.IsActive && k.ID == keyFrom(r.Context()).ID {
		s.writeError(w, r, webhook.Errorf(webhook.EConflict, "cannot deactivate the key making this request"))
		return
	}
	defer s.keys.forget()
	if err := s.store.SetKeyActive(r.Context(), k.ID, *in.IsActive); err != nil {
		s.writeError(w, r, err)
		return
	}
	k.Active = *in.IsActive
	writeJSON(w, http.StatusOK, toKeyJSON(k))
}

func (s *Server) handleKeyDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !webhook.ValidIDFormat(webhook.PrefixKey, id) {
		s.writeError(w, r, errBadKeyID)
		return
	}
	if id == keyFrom(r.Context()).ID {
		s.writeError(w, r, webhook.Errorf(webhook.EConflict, "cannot delete the key making this request"))
		return
	}
	defer s.keys.forget()
	if err := s.store.DeleteKey(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
