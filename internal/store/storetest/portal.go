package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

var portalTests = []storeTest{
	{"PortalSessions", testPortalSessions},
	{"EventLog", testEventLog},
}

func portalSession(t *testing.T, s store.Store, appID string, expires time.Time) *webhook.Key {
	t.Helper()
	ck, secret := webhook.NewKeyCredentials()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixPortal, t0), AppID: appID, Name: "portal session", ClientKey: ck,
		SecretHash: webhook.HashSecret(secret), Scopes: webhook.PortalScopes(true), Env: webhook.EnvProduction, Active: true,
		Portal: true, CreatedAt: t0, ExpiresAt: &expires}
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k
}

// testPortalSessions: a session is a key that knows it is one and when it ends; key lists leave
// sessions out, and expired sessions are deleted, keys never.
func testPortalSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	ck, secret := webhook.NewKeyCredentials()
	key := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, t0), AppID: app.ID, Name: "platform", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: []string{webhook.ScopeWebhookWrite}, Env: webhook.EnvProduction, Active: true, CreatedAt: t0}
	if err := s.CreateKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	old := portalSession(t, s, app.ID, t0.Add(time.Minute))
	live := portalSession(t, s, app.ID, t0.Add(time.Hour))

	got, err := s.KeyByClientKey(ctx, live.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Portal || got.ExpiresAt == nil || !got.ExpiresAt.Equal(t0.Add(time.Hour)) || !got.ReadOnly() || got.Expired(t0.Add(59*time.Minute)) || !got.Expired(t0.Add(time.Hour)) {
		t.Errorf("session read back as %+v (expires %v), want a read-only portal session ending at %v", got, got.ExpiresAt, t0.Add(time.Hour))
	}
	if k, _ := s.KeyByClientKey(ctx, key.ClientKey); k.Portal || k.ExpiresAt != nil || k.Expired(t0.Add(1000*time.Hour)) {
		t.Errorf("a key reads back as a session: %+v", k)
	}
	keys, err := s.ListKeys(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].ID != key.ID {
		t.Errorf("ListKeys = %d keys, want only the key, no sessions", len(keys))
	}

	n, err := s.DeleteExpiredSessions(ctx, t0.Add(2*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 1 (the session that ended)", n, err)
	}
	_, err = s.GetKey(ctx, old.ID)
	wantCode(t, err, webhook.ENotFound)
	for _, id := range []string{live.ID, key.ID} {
		if _, err := s.GetKey(ctx, id); err != nil {
			t.Errorf("%s was deleted with the expired session: %v", id, err)
		}
	}
}

// testEventLog: the event log pages newest first and every filter narrows it, within one app.
func testEventLog(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, other := newApp(t, s), newApp(t, s)
	w1 := newWebhook(t, s, app.ID, nil)
	w2 := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.EventTypes = []string{"invoice.paid"} })
	theirs := newWebhook(t, s, other.ID, nil)
	var ids []string // oldest first
	for i, typ := range []string{"invoice.paid", "user.created", "invoice.paid", "user.created"} {
		at := t0.Add(time.Duration(i) * time.Minute)
		got, err := s.CreateEvents(ctx, []store.NewEvent{{AppID: app.ID, Type: typ, Payload: json.RawMessage(`{"big":"payload"}`)}}, at, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got[0].Event.ID)
	}
	if _, err := s.CreateEvents(ctx, []store.NewEvent{{AppID: other.ID, Type: "invoice.paid", Payload: json.RawMessage(`{}`)}}, t0, nil); err != nil {
		t.Fatal(err)
	}
	// The oldest event's delivery to w2 fails for good; every other delivery stays pending.
	for _, j := range claimAll(t, s, t0.Add(time.Hour)) {
		if j.Event.ID == ids[0] && j.Webhook.ID == w2.ID {
			complete(t, s, failedOutcome(j, t0.Add(time.Hour)))
		}
	}

	list := func(f store.EventFilter) []string {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 10
		}
		evs, err := s.ListEvents(ctx, app.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range evs {
			if ev.AppID != app.ID || len(ev.Payload) != 0 {
				t.Errorf("event %s: app %s, payload %q; want app %s and no payload", ev.ID, ev.AppID, ev.Payload, app.ID)
			}
			out = append(out, ev.ID)
		}
		return out
	}
	want := func(name string, got []string, idx ...int) {
		t.Helper()
		var w []string
		for _, i := range idx {
			w = append(w, ids[i])
		}
		if !slices.Equal(got, w) {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	want("all", list(store.EventFilter{}), 3, 2, 1, 0)
	want("first page", list(store.EventFilter{Limit: 2}), 3, 2)
	want("after the cursor", list(store.EventFilter{Before: ids[2]}), 1, 0)
	want("by id", list(store.EventFilter{ID: ids[1]}), 1)
	want("by a uid no event has", list(store.EventFilter{UID: "evt-1"}))
	want("by type", list(store.EventFilter{EventTypes: []string{"invoice.paid"}}), 2, 0)
	since, until := t0.Add(30*time.Second), t0.Add(150*time.Second)
	want("since and until", list(store.EventFilter{Since: &since, Until: &until}), 2, 1)
	want("failed", list(store.EventFilter{Statuses: []string{webhook.StatusFailed}}), 0)
	want("pending", list(store.EventFilter{Statuses: []string{webhook.StatusPending}}), 3, 2, 1, 0)
	want("to w2", list(store.EventFilter{WebhookID: w2.ID}), 2, 0)
	want("failed to w1", list(store.EventFilter{WebhookID: w1.ID, Statuses: []string{webhook.StatusFailed}}))
	onChannel, err := s.CreateEvents(ctx, []store.NewEvent{{AppID: app.ID, Type: "user.created", Payload: json.RawMessage(`{"on":"eu"}`), Channels: []string{"eu-west", "eu"}}}, t0.Add(5*time.Minute), nil)
	if err != nil {
		t.Fatal(err)
	}
	if evs, err := s.ListEvents(ctx, app.ID, store.EventFilter{Channel: "eu", Payload: true, Limit: 10}); err != nil || len(evs) != 1 ||
		evs[0].ID != onChannel[0].Event.ID || string(evs[0].Payload) != `{"on":"eu"}` || len(evs[0].Channels) != 2 {
		t.Errorf("on channel eu, with payloads = %+v, %v; want the one event on it", evs, err)
	}
	if evs, _ := s.ListEvents(ctx, app.ID, store.EventFilter{Channel: "eu_west", Limit: 10}); len(evs) != 0 {
		t.Errorf("channel eu_west matches %d events, want none (_ is no wildcard)", len(evs))
	}
	if evs, _ := s.ListEvents(ctx, app.ID, store.EventFilter{Channel: "eu-", Limit: 10}); len(evs) != 0 {
		t.Errorf("channel eu- matches %d events, want none (channels match whole)", len(evs))
	}

	evs, err := s.ListEvents(ctx, app.ID, store.EventFilter{ID: ids[0], Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatalf("ListEvents by id = %d, %v", len(evs), err)
	}
	statuses := map[string]string{}
	for _, d := range evs[0].Deliveries {
		statuses[d.WebhookID] = d.Status
	}
	if len(statuses) != 2 || statuses[w1.ID] != webhook.StatusPending || statuses[w2.ID] != webhook.StatusFailed {
		t.Errorf("deliveries of the oldest event = %v, want w1 pending and w2 failed", statuses)
	}
	_, err = s.ListEvents(ctx, app.ID, store.EventFilter{WebhookID: theirs.ID, Limit: 10})
	wantCode(t, err, webhook.ENotFound)
}

func failedOutcome(j store.Job, now time.Time) store.Outcome {
	a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, now), DeliveryID: j.DeliveryID, WebhookID: j.Webhook.ID, AppID: j.Event.AppID,
		EventID: j.Event.ID, Number: j.Attempts + 1, Trigger: webhook.TriggerScheduled, StatusCode: 500, Error: "HTTP 500", CreatedAt: now,
		RequestHeaders: map[string]string{}, ResponseHeaders: map[string]string{}}
	return store.Outcome{Job: j, Attempt: a, Status: webhook.StatusFailed}
}
