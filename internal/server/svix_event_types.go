package server

import (
	"encoding/json"
	"net/http"

	"github.com/hookd/hookd/internal/store"

	"github.com/hookd/hookd/internal/webhook"
)

// The event type catalog: what the sender documents about its event types (Svix's event
// types). Deliveries never depend on it.

type svixEventTypeIn struct {
	Name         *string          `json:"name"`
	Description  *string          `json:"description"`
	Schemas      *json.RawMessage `json:"schemas"`
	Archived     *bool            `json:"archived"`
	Deprecated   *bool            `json:"deprecated"`
	FeatureFlags *[]string        `json:"featureFlags"`
	GroupName    *string          `json:"groupName"`
}

type svixEventTypeOut struct {
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Schemas      json.RawMessage `json:"schemas,omitempty"`
	Archived     bool            `json:"archived"`
	Deprecated   bool            `json:"deprecated"`
	FeatureFlags []string        `json:"featureFlags,omitempty"`
	GroupName    *string         `json:"groupName,omitempty"`
	CreatedAt    jsonTime        `json:"createdAt"`
	UpdatedAt    jsonTime        `json:"updatedAt"`
}

func toSvixEventType(et *webhook.EventTypeInfo) svixEventTypeOut {
	out := svixEventTypeOut{Name: et.Name, Description: et.Description, Schemas: et.Schemas, Archived: et.Archived, Deprecated: et.Deprecated,
		FeatureFlags: et.FeatureFlags, CreatedAt: jsonTime(et.CreatedAt), UpdatedAt: jsonTime(et.UpdatedAt)}
	if et.GroupName != "" {
		out.GroupName = &et.GroupName
	}
	return out
}

// apply sets the fields given; replace clears those not given (PUT).
func (in *svixEventTypeIn) apply(et *webhook.EventTypeInfo, replace bool) error {
	if replace {
		et.Description, et.Schemas, et.Archived, et.Deprecated, et.FeatureFlags, et.GroupName = "", nil, false, false, nil, ""
	}
	set(&et.Description, in.Description)
	if in.Schemas != nil {
		et.Schemas = *in.Schemas
		if string(et.Schemas) == "null" {
			et.Schemas = nil
		}
	}
	set(&et.Archived, in.Archived)
	set(&et.Deprecated, in.Deprecated)
	set(&et.FeatureFlags, in.FeatureFlags)
	set(&et.GroupName, in.GroupName)
	if err := webhook.ValidateEventType(et.Name); err != nil {
		return webhook.Errorf(webhook.EInvalid, "name: %s", webhook.ErrorMessage(err))
	}
	if len(et.Schemas) > 0 && et.Schemas[0] != '{' {
		return webhook.Errorf(webhook.EInvalid, "schemas: must be an object of JSON Schemas by version")
	}
	return webhook.ValidText("description", et.Description+et.GroupName)
}

func (s *Server) handleSvixEventTypeList(w http.ResponseWriter, r *http.Request, c *svixCall) {
	limit, iterator, err := svixList(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	ets, err := s.store.ListEventTypes(r.Context(), iterator, limit+1, r.URL.Query().Get("include_archived") == "true")
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	withSchemas := r.URL.Query().Get("with_content") == "true"
	writeJSON(w, http.StatusOK, newSvixPage(ets, limit, func(et *webhook.EventTypeInfo) string { return et.Name },
		func(et *webhook.EventTypeInfo) svixEventTypeOut {
			out := toSvixEventType(et)
			if !withSchemas {
				out.Schemas = nil
			}
			return out
		}))
}

func (s *Server) handleSvixEventTypeCreate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	var in svixEventTypeIn
	if err := svixDecode(w, r, s.opts.MaxPayload, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	now := s.now()
	et := &webhook.EventTypeInfo{CreatedAt: now, UpdatedAt: now}
	set(&et.Name, in.Name)
	if err := in.apply(et, true); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if err := s.store.CreateEventType(r.Context(), et); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toSvixEventType(et))
}

func (s *Server) svixEventType(r *http.Request) (*webhook.EventTypeInfo, error) {
	et, err := s.store.GetEventType(r.Context(), r.PathValue("event_type_name"))
	if webhook.ErrorCode(err) == webhook.ENotFound {
		return nil, errSvixNotFound
	}
	return et, err
}

func (s *Server) handleSvixEventTypeGet(w http.ResponseWriter, r *http.Request, c *svixCall) {
	et, err := s.svixEventType(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSvixEventType(et))
}

// handleSvixEventTypeUpdate replaces an entry (PUT; one not there yet is made, as Svix does)
// or changes the fields given (PATCH).
func (s *Server) handleSvixEventTypeUpdate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	var in svixEventTypeIn
	if err := svixDecode(w, r, s.opts.MaxPayload, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	now := s.now()
	et, err := s.svixEventType(r)
	create := r.Method == http.MethodPut && webhook.ErrorCode(err) == webhook.ENotFound
	if create {
		et, err = &webhook.EventTypeInfo{Name: r.PathValue("event_type_name"), CreatedAt: now}, nil
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if err := in.apply(et, r.Method == http.MethodPut); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	et.UpdatedAt = now
	status := http.StatusOK
	if create {
		err, status = s.store.CreateEventType(r.Context(), et), http.StatusCreated
	} else {
		err = s.store.UpdateEventType(r.Context(), et)
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, status, toSvixEventType(et))
}

// handleSvixEventTypeDelete archives an entry, or with expunge=true removes it.
func (s *Server) handleSvixEventTypeDelete(w http.ResponseWriter, r *http.Request, c *svixCall) {
	et, err := s.svixEventType(r)
	if err == nil {
		if r.URL.Query().Get("expunge") == "true" {
			err = s.store.DeleteEventType(r.Context(), et.Name)
		} else {
			et.Archived, et.UpdatedAt = true, s.now()
			err = s.store.UpdateEventType(r.Context(), et)
		}
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleSvixSendExample sends one of an event type's schema examples to the endpoint only.
func (s *Server) handleSvixSendExample(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	var in struct {
		EventType    string `json:"eventType"`
		ExampleIndex int    `json:"exampleIndex"`
	}
	if err := svixDecode(w, r, maxAdminBody, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	payload := json.RawMessage(`{}`)
	if et, err := s.store.GetEventType(r.Context(), in.EventType); err == nil && len(et.Schemas) > 0 {
		var schemas map[string]struct {
			Examples []json.RawMessage `json:"examples"`
		}
		if json.Unmarshal(et.Schemas, &schemas) == nil {
			if ex := schemas["1"].Examples; in.ExampleIndex >= 0 && in.ExampleIndex < len(ex) {
				payload = ex[in.ExampleIndex]
			}
		}
	}
	if err := webhook.ValidateEventType(in.EventType); err != nil {
		s.writeSvixError(w, r, webhook.Errorf(webhook.EInvalid, "eventType: %s", webhook.ErrorMessage(err)))
		return
	}
	ev, err := s.store.CreateTestEvent(r.Context(), hook, store.NewEvent{Type: in.EventType, Payload: payload, Raw: true}, s.now())
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	s.wake()
	writeJSON(w, http.StatusOK, toSvixMessage(ev, true))
}
