package server

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/webhook"
)

// timeFormat is the seeds' ISO 8601 form: 2024-03-20T12:00:00.000Z.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return time.Time(t).UTC().AppendFormat(append([]byte(nil), '"'), timeFormat+`"`), nil
}

func optTime(t *time.Time) *jsonTime {
	if t == nil {
		return nil
	}
	j := jsonTime(*t)
	return &j
}

// webhookJSON is the webhook object of seeds 001 and 002. The signing secret is never in it,
// and custom headers show their names with the values masked (GET …/secret shows them).
type webhookJSON struct {
	ID            string            `json:"id"`
	NumericID     int64             `json:"numeric_id"`
	Name          string            `json:"name"`
	URL           string            `json:"url"`
	Description   string            `json:"description"`
	EventTypes    []string          `json:"event_types"`
	IsActive      bool              `json:"isActive"`
	Encrypted     bool              `json:"encrypted"`
	Headers       map[string]string `json:"headers"`
	RateLimit     int               `json:"rate_limit"`
	Ordered       bool              `json:"ordered"`
	RetrySchedule []float64         `json:"retry_schedule"`
	Timeout       float64           `json:"timeout"`
	CreatedAt     jsonTime          `json:"created_at"`
	UpdatedAt     jsonTime          `json:"updated_at"`
	App           *appJSON          `json:"app,omitempty"`
	DeliveryStats *statsJSON        `json:"delivery_stats,omitempty"`

	// Delivery control state (control.go) and the health verdict drawn from it and the stats.
	CircuitState        string     `json:"circuit_state"`
	CircuitUntil        *jsonTime  `json:"circuit_until"`
	ConsecutiveFailures int64      `json:"consecutive_failures"`
	DisabledReason      *string    `json:"disabled_reason"`
	DisabledAt          *jsonTime  `json:"disabled_at"`
	Health              healthJSON `json:"health"`
}

// healthJSON is hookd's verdict on a webhook (webhook.Health); /diagnostics gives its reasons.
type healthJSON struct {
	Status string `json:"status"`
	Score  int    `json:"score"`
}

type appJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type statsJSON struct {
	TotalEvents          int64     `json:"total_events"`
	SuccessfulDeliveries int64     `json:"successful_deliveries"`
	FailedDeliveries     int64     `json:"failed_deliveries"`
	PendingDeliveries    int64     `json:"pending_deliveries"`
	LastDelivery         *jsonTime `json:"last_delivery"`
	SuccessRate          float64   `json:"success_rate"`
	AverageResponseTime  float64   `json:"average_response_time"`
	Last24hEvents        int64     `json:"last_24h_events"`
	Last24hFailures      int64     `json:"last_24h_failures"`
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func seconds(d time.Duration) float64 { return d.Seconds() }

func toWebhookJSON(w *webhook.Webhook, now time.Time) webhookJSON {
	out := webhookJSON{
		ID: w.ID, NumericID: w.NumericID, Name: w.Name, URL: w.URL, Description: w.Description, EventTypes: w.EventTypes,
		IsActive: w.Active, Encrypted: w.Encrypted, Headers: webhook.MaskHeaders(w.Headers), RateLimit: w.RateLimit, Ordered: w.Ordered,
		Timeout: seconds(w.EffectiveTimeout()), CreatedAt: jsonTime(w.CreatedAt), UpdatedAt: jsonTime(w.UpdatedAt),
	}
	out.CircuitState, out.DisabledReason, out.DisabledAt = controlState(w)
	out.CircuitUntil, out.ConsecutiveFailures = optTime(w.CircuitUntil), w.ConsecutiveFailures
	h := w.Health(now)
	out.Health = healthJSON{Status: h.Status, Score: h.Score}
	if out.EventTypes == nil {
		out.EventTypes = []string{}
	}
	out.RetrySchedule = []float64{} // [] when the webhook never retries
	for _, d := range w.Schedule() {
		out.RetrySchedule = append(out.RetrySchedule, seconds(d))
	}
	st := w.Stats
	stats := &statsJSON{
		TotalEvents: st.Sent(), SuccessfulDeliveries: st.Delivered, FailedDeliveries: st.Failed, PendingDeliveries: st.Pending(),
		LastDelivery: optTime(st.LastDeliveryAt), Last24hEvents: st.Last24hEvents, Last24hFailures: st.Last24hFails,
	}
	if rate, ok := st.SuccessRate(); ok {
		stats.SuccessRate = round2(rate)
	}
	if avg, ok := st.AverageResponseMS(); ok {
		stats.AverageResponseTime = round2(avg)
	}
	out.DeliveryStats = stats
	return out
}

// webhookInput is the body of create (every field) and update (only the fields present).
type webhookInput struct {
	Name          *string            `json:"name"`
	URL           *string            `json:"url"`
	Description   *string            `json:"description"`
	EventTypes    *[]string          `json:"event_types"`
	IsActive      *bool              `json:"isActive"`
	Encrypted     *bool              `json:"encrypted"`
	Headers       *map[string]string `json:"headers"`
	RateLimit     *int               `json:"rate_limit"`
	Ordered       *bool              `json:"ordered"`
	RetrySchedule *[]float64         `json:"retry_schedule"`
	Timeout       *float64           `json:"timeout"`
}

const maxSettingsBody = 64 << 10

func (in *webhookInput) apply(w *webhook.Webhook) error {
	set(&w.Name, in.Name)
	set(&w.URL, in.URL)
	set(&w.Description, in.Description)
	set(&w.EventTypes, in.EventTypes)
	set(&w.Active, in.IsActive)
	set(&w.Encrypted, in.Encrypted)
	if in.Headers != nil {
		h, err := unmaskHeaders(*in.Headers, w.Headers) // settings.go
		if err != nil {
			return err
		}
		w.Headers = h
	}
	set(&w.RateLimit, in.RateLimit)
	set(&w.Ordered, in.Ordered)
	if in.RetrySchedule != nil {
		w.RetrySchedule = make([]time.Duration, len(*in.RetrySchedule))
		for i, sec := range *in.RetrySchedule {
			if sec < 0 || sec > webhook.MaxRetryDelay.Seconds() || math.IsNaN(sec) {
				return webhook.Errorf(webhook.EInvalid, "retry_schedule entries must be between 0 and %d seconds", int(webhook.MaxRetryDelay.Seconds()))
			}
			w.RetrySchedule[i] = time.Duration(sec * float64(time.Second))
		}
	}
	if in.Timeout != nil {
		if *in.Timeout <= 0 || *in.Timeout > webhook.MaxTimeout.Seconds() {
			return webhook.Errorf(webhook.EInvalid, "timeout must be between 1 and %d seconds", int(webhook.MaxTimeout.Seconds()))
		}
		w.Timeout = time.Duration(*in.Timeout * float64(time.Second))
	}
	if err := w.Validate(); err != nil {
		return err
	}
	if w.Encrypted && len(w.EncryptionKey) == 0 {
		w.EncryptionKey = newEncryptionKey() // shown at creation and by GET …/secret (secret.go)
	}
	return checkURLHost(w.URL)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	var in webhookInput
	if err := decodeSettings(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	hook := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: keyFrom(r.Context()).AppID, Active: true,
		Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := in.apply(hook); err != nil {
		s.writeError(w, r, err)
		return
	}
	if n, err := s.store.CountWebhooks(r.Context(), hook.AppID); err != nil {
		s.writeError(w, r, err)
		return
	} else if n >= s.opts.MaxWebhooks {
		s.writeError(w, r, webhook.Errorf(webhook.EConflict,
			"this app has %d webhooks, the most one app may have (every event fans out to each); delete one first, or raise --max-webhooks", n))
		return
	}
	if err := s.store.CreateWebhook(r.Context(), hook); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.webhookWithApp(r.Context(), hook)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The only response that carries the secret.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, struct {
		webhookJSON
		SigningSecret string `json:"signing_secret"`
		EncryptionKey string `json:"encryption_key,omitempty"`
	}{out, hook.Secret, s.secretOf(hook).EncryptionKey})
}

// webhookWithApp is the webhook object with its app, as seeds 001 and 002 show it.
func (s *Server) webhookWithApp(ctx context.Context, hook *webhook.Webhook) (webhookJSON, error) {
	app, err := s.store.GetApp(ctx, hook.AppID)
	if err != nil {
		return webhookJSON{}, err
	}
	out := toWebhookJSON(hook, s.now())
	out.App = &appJSON{ID: app.ID, Name: app.Name}
	return out, nil
}

var errBadWebhookID = webhook.Errorf(webhook.EInvalid, "Invalid webhook ID format")

// loadWebhook reads the {id} path value as one of the caller's webhooks.
func (s *Server) loadWebhook(r *http.Request) (*webhook.Webhook, error) {
	id := r.PathValue("id")
	if !webhook.ValidIDFormat(webhook.PrefixWebhook, id) {
		return nil, errBadWebhookID
	}
	return s.store.GetWebhook(r.Context(), keyFrom(r.Context()).AppID, id, s.now())
}

func (s *Server) handleWebhookGet(w http.ResponseWriter, r *http.Request) {
	eventsLimit, err := recentEventsParams(r) // 0: recent_events not asked for
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.webhookWithApp(r.Context(), hook)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if eventsLimit == 0 {
		writeJSON(w, http.StatusOK, out)
		return
	}
	recent, err := s.recentEvents(r.Context(), hook, eventsLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		webhookJSON
		RecentEvents []recentEventJSON `json:"recent_events"`
	}{out, recent})
}

func (s *Server) handleWebhookList(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 50, 1, 250)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	if cursor != "" && !webhook.ValidIDFormat(webhook.PrefixWebhook, cursor) {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "cursor must be a webhook id from next_cursor"))
		return
	}
	hooks, err := s.store.ListWebhooks(r.Context(), keyFrom(r.Context()).AppID, cursor, limit+1, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := struct {
		Data       []webhookJSON `json:"data"`
		HasMore    bool          `json:"has_more"`
		NextCursor string        `json:"next_cursor,omitempty"`
	}{Data: []webhookJSON{}}
	if len(hooks) > limit {
		hooks, page.HasMore = hooks[:limit], true
		page.NextCursor = hooks[limit-1].ID
	}
	for i := range hooks {
		page.Data = append(page.Data, toWebhookJSON(&hooks[i], s.now()))
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) handleWebhookUpdate(w http.ResponseWriter, r *http.Request) {
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in webhookInput
	if err := decodeSettings(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := in.apply(hook); err != nil {
		s.writeError(w, r, err)
		return
	}
	hook.UpdatedAt = s.now()
	if err := s.store.UpdateWebhook(r.Context(), hook, hook.UpdatedAt); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWebhookJSON(hook, s.now()))
}

func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !webhook.ValidIDFormat(webhook.PrefixWebhook, id) {
		s.writeError(w, r, errBadWebhookID)
		return
	}
	if err := s.store.DeleteWebhook(r.Context(), keyFrom(r.Context()).AppID, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// intParam reads an integer query parameter within [lo, hi], naming it when it is not.
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, webhook.Errorf(webhook.EInvalid, "%s must be an integer between %d and %d", name, lo, hi)
	}
	return n, nil
}
