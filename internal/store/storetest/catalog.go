package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

var catalogTests = []storeTest{
	{"AppUIDs", testAppUIDs},
	{"WebhookUIDsAndChannels", testWebhookUIDsAndChannels},
	{"EventTypeCatalog", testEventTypeCatalog},
	{"Expunge", testExpunge},
}

// testAppUIDs: an app is found by its uid, a uid belongs to one app, and updates keep it all.
func testAppUIDs(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, t0), UID: "customer-42", Name: "Customer 42", Metadata: map[string]string{"plan": "pro"}, RateLimit: 10, CreatedAt: t0}
	if err := s.CreateApp(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.AppByUID(ctx, "customer-42")
	if err != nil || got.ID != a.ID || got.Metadata["plan"] != "pro" || got.RateLimit != 10 || !got.UpdatedAt.Equal(t0) {
		t.Fatalf("AppByUID = %+v, %v", got, err)
	}
	dup := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, t0), UID: "customer-42", Name: "again", CreatedAt: t0}
	wantCode(t, s.CreateApp(ctx, dup), webhook.EConflict)
	plain := newApp(t, s) // no uid: any number of those
	if p, err := s.GetApp(ctx, plain.ID); err != nil || p.UID != "" || len(p.Metadata) != 0 {
		t.Errorf("app without uid = %+v, %v", p, err)
	}
	plain.UID, plain.UpdatedAt = "customer-42", t0.Add(time.Minute)
	wantCode(t, s.UpdateApp(ctx, plain), webhook.EConflict)
	a.Name, a.UID, a.Metadata, a.UpdatedAt = "Renamed", "customer-43", nil, t0.Add(time.Hour)
	if err := s.UpdateApp(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetApp(ctx, a.ID)
	if err != nil || got.Name != "Renamed" || got.UID != "customer-43" || len(got.Metadata) != 0 || !got.UpdatedAt.Equal(t0.Add(time.Hour)) || !got.CreatedAt.Equal(t0) {
		t.Errorf("after update = %+v, %v", got, err)
	}
	_, err = s.AppByUID(ctx, "customer-42")
	wantCode(t, err, webhook.ENotFound)
}

// testWebhookUIDsAndChannels: webhook uids are unique within an app; a webhook with channels
// gets only events on one of them; an event keeps its channels and uid.
func testWebhookUIDsAndChannels(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, other := newApp(t, s), newApp(t, s)
	all := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.UID = "all"; w.Metadata = map[string]string{"team": "billing"} })
	eu := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.UID = "eu"; w.Channels = []string{"eu", "global"} })
	newWebhook(t, s, other.ID, func(w *webhook.Webhook) { w.UID = "eu" }) // the same uid in another app is fine
	dup := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, t0), AppID: app.ID, UID: "eu", Name: "dup", URL: "https://example.com/x",
		Active: true, Secret: "whsec_x", CreatedAt: t0, UpdatedAt: t0}
	wantCode(t, s.CreateWebhook(ctx, dup), webhook.EConflict)

	got, err := s.WebhookByUID(ctx, app.ID, "eu", t0)
	if err != nil || got.ID != eu.ID || len(got.Channels) != 2 || got.Channels[1] != "global" {
		t.Fatalf("WebhookByUID = %+v, %v", got, err)
	}
	if got, err := s.GetWebhook(ctx, app.ID, all.ID, t0); err != nil || got.UID != "all" || got.Metadata["team"] != "billing" || len(got.Channels) != 0 {
		t.Errorf("GetWebhook = %+v, %v", got, err)
	}
	_, err = s.WebhookByUID(ctx, other.ID, "all", t0)
	wantCode(t, err, webhook.ENotFound)

	evs := []store.NewEvent{
		{AppID: app.ID, Type: "a", Payload: json.RawMessage(`{}`)},
		{AppID: app.ID, Type: "a", Payload: json.RawMessage(`{}`), Channels: []string{"us"}},
		{AppID: app.ID, Type: "a", Payload: json.RawMessage(`{}`), Channels: []string{"us", "eu"}, UID: "evt-1"},
	}
	created, err := s.CreateEvents(ctx, evs, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 1, 2} { // the webhook with channels gets only the event on "eu"
		if created[i].Deliveries != want {
			t.Errorf("event %d on %v: %d deliveries, want %d", i, evs[i].Channels, created[i].Deliveries, want)
		}
	}
	ev, err := s.GetEvent(ctx, app.ID, created[2].Event.ID)
	if err != nil || ev.UID != "evt-1" || len(ev.Channels) != 2 || ev.Channels[1] != "eu" {
		t.Errorf("GetEvent = %+v, %v; want its uid and channels", ev, err)
	}
	if byUID, err := s.ListEvents(ctx, app.ID, store.EventFilter{UID: "evt-1", Limit: 2}); err != nil || len(byUID) != 1 || byUID[0].ID != created[2].Event.ID {
		t.Errorf("ListEvents by uid = %+v, %v; want the one event", byUID, err)
	}
	if theirs, _ := s.ListEvents(ctx, other.ID, store.EventFilter{UID: "evt-1", Limit: 2}); len(theirs) != 0 {
		t.Errorf("another app finds the event by its uid: %+v", theirs)
	}

	eu.Channels, eu.UID, eu.UpdatedAt = nil, "", t0.Add(time.Minute)
	if err := s.UpdateWebhook(ctx, eu, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetWebhook(ctx, app.ID, eu.ID, t0); err != nil || got.UID != "" || len(got.Channels) != 0 {
		t.Errorf("after clearing = %+v, %v", got, err)
	}
	all.UID = "eu-again"
	eu.UID = "eu-again"
	if err := s.UpdateWebhook(ctx, all, t0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.UpdateWebhook(ctx, eu, t0), webhook.EConflict)
}

// testEventTypeCatalog: create, read, page (archived on request), update, delete.
func testEventTypeCatalog(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, name := range []string{"invoice.paid", "user.created", "user.deleted"} {
		et := &webhook.EventTypeInfo{Name: name, Description: "When " + name, CreatedAt: t0, UpdatedAt: t0}
		if name == "invoice.paid" {
			et.Schemas = json.RawMessage(`{"1":{"type":"object"}}`)
			et.FeatureFlags, et.GroupName = []string{"beta"}, "billing"
		}
		if err := s.CreateEventType(ctx, et); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, s.CreateEventType(ctx, &webhook.EventTypeInfo{Name: "user.created", CreatedAt: t0, UpdatedAt: t0}), webhook.EConflict)
	got, err := s.GetEventType(ctx, "invoice.paid")
	if err != nil || string(got.Schemas) != `{"1":{"type":"object"}}` || got.GroupName != "billing" || len(got.FeatureFlags) != 1 || got.Archived {
		t.Fatalf("GetEventType = %+v, %v", got, err)
	}
	got.Archived, got.Description, got.UpdatedAt = true, "Paid", t0.Add(time.Hour)
	if err := s.UpdateEventType(ctx, got); err != nil {
		t.Fatal(err)
	}
	names := func(after string, limit int, archived bool) (out []string) {
		t.Helper()
		ets, err := s.ListEventTypes(ctx, after, limit, archived)
		if err != nil {
			t.Fatal(err)
		}
		for _, et := range ets {
			out = append(out, et.Name)
		}
		return out
	}
	if got := names("", 10, false); len(got) != 2 || got[0] != "user.created" {
		t.Errorf("without archived = %v", got)
	}
	if got := names("", 2, true); len(got) != 2 || got[0] != "invoice.paid" || got[1] != "user.created" {
		t.Errorf("with archived, first page = %v", got)
	}
	if got := names("user.created", 2, true); len(got) != 1 || got[0] != "user.deleted" {
		t.Errorf("second page = %v", got)
	}
	if err := s.DeleteEventType(ctx, "user.deleted"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetEventType(ctx, "user.deleted")
	wantCode(t, err, webhook.ENotFound)
	wantCode(t, s.UpdateEventType(ctx, &webhook.EventTypeInfo{Name: "nope"}), webhook.ENotFound)
	wantCode(t, s.DeleteEventType(ctx, "nope"), webhook.ENotFound)
}

// testExpunge: a payload is deleted only once nothing is waiting to send it, and is never sent
// again, by a retry or by recover; an attempt's response body can be deleted.
func testExpunge(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	sent := send(t, s, app.ID, "invoice.paid", "invoice.failed")
	paid, failed := sent[0].Event.ID, sent[1].Event.ID
	wantCode(t, s.ExpungeEvent(ctx, app.ID, paid), webhook.EConflict) // still pending
	var attemptID string
	for _, j := range claimAll(t, s, t0) {
		if j.Event.ID == paid {
			out := Delivered([]store.Job{j})[0]
			out.Attempt.ResponseBody = "secret response"
			attemptID = out.Attempt.ID
			complete(t, s, out)
		} else {
			complete(t, s, failedOutcome(j, t0))
		}
	}
	wantCode(t, s.ExpungeEvent(ctx, "app_other", paid), webhook.ENotFound)
	for _, id := range []string{paid, failed} {
		if err := s.ExpungeEvent(ctx, app.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := s.GetEvent(ctx, app.ID, paid)
	if err != nil || string(ev.Payload) != "{}" || !ev.Expunged {
		t.Errorf("expunged event = %+v, %v; want payload {} and expunged", ev, err)
	}
	_, err = s.RetryDelivery(ctx, app.ID, w.ID, paid, t0.Add(time.Minute))
	wantCode(t, err, webhook.EConflict)
	job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, t0), AppID: app.ID, WebhookID: w.ID, Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour), CreatedAt: t0}
	if err := s.CreateRecover(ctx, job); err != nil {
		t.Fatal(err)
	}
	if job.Total != 0 {
		t.Errorf("recover counts %d failed deliveries; the only one belongs to an expunged event", job.Total)
	}

	wantCode(t, s.ExpungeAttempt(ctx, "app_other", paid, attemptID), webhook.ENotFound)
	wantCode(t, s.ExpungeAttempt(ctx, app.ID, failed, attemptID), webhook.ENotFound)
	if err := s.ExpungeAttempt(ctx, app.ID, paid, attemptID); err != nil {
		t.Fatal(err)
	}
	a, err := s.GetAttempt(ctx, app.ID, w.ID, paid, attemptID)
	if err != nil || a.ResponseBody != "" || a.StatusCode != 200 {
		t.Errorf("expunged attempt = %+v, %v; want its status kept and no body", a, err)
	}
}
