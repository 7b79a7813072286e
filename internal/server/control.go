package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// wake tells the workers something is due now.
func (s *Server) wake() {
	if s.opts.Wake != nil {
		s.opts.Wake()
	}
}

// retryJSON answers a manual retry: the delivery is queued for an attempt now.
type retryJSON struct {
	DeliveryID    string    `json:"delivery_id"`
	MessageID     string    `json:"message_id"`
	WebhookID     string    `json:"webhook_id"`
	Status        string    `json:"status"`
	Attempts      int       `json:"attempts"`
	Trigger       string    `json:"trigger"`
	NextAttemptAt *jsonTime `json:"next_attempt_at"`
}

// handleRetry redelivers one event to the webhook now, as a manual attempt. A delivered or
// failed delivery goes back to pending; its attempts so far are kept.
func (s *Server) handleRetry(w http.ResponseWriter, r *http.Request) {
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	msgID := r.PathValue("message_id")
	if !webhook.ValidIDFormat(webhook.PrefixEvent, msgID) {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "Invalid message ID format"))
		return
	}
	d, err := s.store.RetryDelivery(r.Context(), hook.AppID, hook.ID, msgID, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.wake()
	writeJSON(w, http.StatusAccepted, retryJSON{DeliveryID: d.ID, MessageID: d.EventID, WebhookID: d.WebhookID, Status: d.Status,
		Attempts: d.Attempts, Trigger: webhook.TriggerManual, NextAttemptAt: optTime(d.NextAt)})
}

// handleTest sends a signed webhook.test event to this webhook only. The body is optional:
// {"payload": …} replaces the default payload.
func (s *Server) handleTest(w http.ResponseWriter, r *http.Request) {
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Payload json.RawMessage `json:"payload"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxPayload+1024))
	if err != nil {
		s.writeError(w, r, decodeError(err, s.opts.MaxPayload))
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			s.writeError(w, r, decodeError(err, s.opts.MaxPayload))
			return
		}
	}
	now := s.now()
	payload := in.Payload
	if len(payload) == 0 || string(payload) == "null" {
		payload, _ = json.Marshal(map[string]any{"webhook_id": hook.ID, "message": "This is a test event from hookd.", "sent_at": jsonTime(now)})
	}
	ev, err := s.store.CreateTestEvent(r.Context(), hook, store.NewEvent{Payload: payload}, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.wake()
	writeJSON(w, http.StatusAccepted, accepted(store.Created{Event: ev, Deliveries: len(ev.Deliveries)}))
}

type recoverJSON struct {
	ID         string    `json:"id"`
	WebhookID  string    `json:"webhook_id"`
	Status     string    `json:"status"`
	Since      jsonTime  `json:"since"`
	Until      jsonTime  `json:"until"`
	Total      int64     `json:"total"`
	Requeued   int64     `json:"requeued"`
	Progress   float64   `json:"progress"` // percent of total requeued
	CreatedAt  jsonTime  `json:"created_at"`
	FinishedAt *jsonTime `json:"finished_at"`
}

func toRecoverJSON(j *store.RecoverJob) recoverJSON {
	out := recoverJSON{ID: j.ID, WebhookID: j.WebhookID, Status: j.Status, Since: jsonTime(j.Since), Until: jsonTime(j.Until),
		Total: j.Total, Requeued: j.Requeued, CreatedAt: jsonTime(j.CreatedAt), FinishedAt: optTime(j.FinishedAt), Progress: 100}
	if j.Status != store.RecoverCompleted && j.Total > 0 {
		out.Progress = round2(min(float64(j.Requeued)/float64(j.Total), 1) * 100)
	}
	return out
}

// handleRecover starts a background job that requeues the webhook's failed deliveries created
// in [since, until) (until defaults to now). It answers 202 with the job, readable at
// Location while it runs.
func (s *Server) handleRecover(w http.ResponseWriter, r *http.Request) {
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Since *time.Time `json:"since"`
		Until *time.Time `json:"until"`
	}
	if err := decode(w, r, maxSettingsBody, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	job, err := s.startRecover(r, hook, in.Since, in.Until)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v0/webhooks/"+hook.ID+"/recover/"+job.ID)
	writeJSON(w, http.StatusAccepted, toRecoverJSON(job))
}

// startRecover queues a job requeueing hook's failed deliveries created in [since, until)
// (until defaults to now).
func (s *Server) startRecover(r *http.Request, hook *webhook.Webhook, since, until *time.Time) (*store.RecoverJob, error) {
	now := s.now()
	if since == nil {
		return nil, webhook.Errorf(webhook.EInvalid, "since is required (an RFC 3339 time)")
	}
	end := now
	if until != nil {
		end = *until
	}
	if !since.Before(end) {
		return nil, webhook.Errorf(webhook.EInvalid, "since must be before until")
	}
	job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, now), AppID: hook.AppID, WebhookID: hook.ID,
		Since: since.UTC(), Until: end.UTC(), CreatedAt: now}
	if err := s.store.CreateRecover(r.Context(), job); err != nil {
		return nil, err
	}
	s.wake()
	return job, nil
}

// handleRecoverGet shows a recover job's progress and result.
func (s *Server) handleRecoverGet(w http.ResponseWriter, r *http.Request) {
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("job_id")
	if !webhook.ValidIDFormat(webhook.PrefixJob, id) {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "Invalid job ID format"))
		return
	}
	job, err := s.store.GetRecover(r.Context(), hook.AppID, hook.ID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRecoverJSON(job))
}

// controlState is the breaker and auto-disable state shown on the webhook object.
func controlState(w *webhook.Webhook) (circuit string, reason *string, at *jsonTime) {
	circuit = w.Circuit
	if circuit == "" {
		circuit = webhook.CircuitClosed
	}
	if w.DisabledReason != "" {
		reason = &w.DisabledReason
	}
	return circuit, reason, optTime(w.DisabledAt)
}
