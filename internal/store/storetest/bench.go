package storetest

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Bench runs the hot-path benchmarks on a store: what hookd does for every event (commit it
// with its delivery, claim the delivery, record the attempt) and every API request (look the
// key up). open returns a fresh, empty, migrated store. Run with go test -bench . on both
// stores; a regression shows as a larger ns/event.
func Bench(b *testing.B, open func(b *testing.B) store.Store) {
	for _, n := range []int{1, 64} {
		b.Run("CreateEvents/"+strconv.Itoa(n), func(b *testing.B) { benchCreateEvents(b, open(b), n) })
	}
	for _, n := range []int{1, 64} { // 1: what one event on an idle system waits for
		b.Run("Claim/"+strconv.Itoa(n), func(b *testing.B) { benchClaim(b, open(b), n) })
		b.Run("Complete/"+strconv.Itoa(n), func(b *testing.B) { benchComplete(b, open(b), n) })
	}
	b.Run("Pipeline/64", func(b *testing.B) { benchPipeline(b, open(b), 64) })
	b.Run("KeyByClientKey", func(b *testing.B) { benchKey(b, open(b)) })
}

// benchApp makes an app with one webhook that takes every event.
func benchApp(b *testing.B, s store.Store) *webhook.App {
	b.Helper()
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "bench", CreatedAt: now}
	if err := s.CreateApp(context.Background(), app); err != nil {
		b.Fatal(err)
	}
	w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "bench", URL: "https://example.com/hook",
		Active: true, Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := s.CreateWebhook(context.Background(), w); err != nil {
		b.Fatal(err)
	}
	return app
}

// benchPayload is 512 bytes, the size hookd bench posts.
var benchPayload = json.RawMessage(`{"pad":"` + strings.Repeat("x", 512-10) + `"}`)

func benchEvents(appID string, n int) []store.NewEvent {
	evs := make([]store.NewEvent, n)
	for i := range evs {
		evs[i] = store.NewEvent{AppID: appID, Type: "bench.event", Payload: benchPayload}
	}
	return evs
}

func mustCreate(b *testing.B, s store.Store, appID string, n int) {
	b.Helper()
	if _, err := s.CreateEvents(context.Background(), benchEvents(appID, n), time.Now(), nil); err != nil {
		b.Fatal(err)
	}
}

func mustClaim(b *testing.B, s store.Store, n int) []store.Job {
	b.Helper()
	jobs, err := s.Claim(context.Background(), time.Now(), time.Hour, n)
	if err != nil || len(jobs) != n {
		b.Fatalf("Claim = %d jobs, %v; want %d", len(jobs), err, n)
	}
	return jobs
}

// Delivered is the outcome of a first attempt of each job that the receiver answered 200.
func Delivered(jobs []store.Job) []store.Outcome {
	now := time.Now()
	out := make([]store.Outcome, len(jobs))
	for i, j := range jobs {
		a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, now), DeliveryID: j.DeliveryID, WebhookID: j.Webhook.ID, AppID: j.Event.AppID,
			EventID: j.Event.ID, Number: j.Attempts + 1, Trigger: webhook.TriggerScheduled, StatusCode: 200, DurationMS: 0.4,
			RequestHeaders:  map[string]string{"Webhook-Id": j.Event.ID, "Content-Type": "application/json", "User-Agent": "hookd/1"},
			ResponseHeaders: map[string]string{"Content-Length": "0"}, CreatedAt: now}
		out[i] = store.Outcome{Job: j, Attempt: a, Status: webhook.StatusDelivered}
	}
	return out
}

// perEvent reports the time per event alongside the time per operation.
func perEvent(b *testing.B, events int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
}

func benchCreateEvents(b *testing.B, s store.Store, n int) {
	app := benchApp(b, s)
	evs := benchEvents(app.ID, n)
	for b.Loop() {
		if _, err := s.CreateEvents(context.Background(), evs, time.Now(), nil); err != nil {
			b.Fatal(err)
		}
	}
	perEvent(b, n)
}

func benchClaim(b *testing.B, s store.Store, n int) {
	app := benchApp(b, s)
	for b.Loop() {
		b.StopTimer()
		mustCreate(b, s, app.ID, n)
		b.StartTimer()
		mustClaim(b, s, n)
	}
	perEvent(b, n)
}

func benchComplete(b *testing.B, s store.Store, n int) {
	app := benchApp(b, s)
	for b.Loop() {
		b.StopTimer()
		mustCreate(b, s, app.ID, n)
		out := Delivered(mustClaim(b, s, n))
		b.StartTimer()
		if err := s.Complete(context.Background(), out); err != nil {
			b.Fatal(err)
		}
	}
	perEvent(b, n)
}

// benchPipeline is one event's whole life in the store, n at a time.
func benchPipeline(b *testing.B, s store.Store, n int) {
	app := benchApp(b, s)
	for b.Loop() {
		mustCreate(b, s, app.ID, n)
		if err := s.Complete(context.Background(), Delivered(mustClaim(b, s, n))); err != nil {
			b.Fatal(err)
		}
	}
	perEvent(b, n)
}

func benchKey(b *testing.B, s store.Store) {
	app := benchApp(b, s)
	ck, secret := webhook.NewKeyCredentials()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, time.Now()), AppID: app.ID, Name: "bench", ClientKey: ck,
		SecretHash: webhook.HashSecret(secret), Scopes: []string{webhook.ScopeEventWrite}, Env: webhook.EnvProduction, Active: true, CreatedAt: time.Now()}
	if err := s.CreateKey(context.Background(), k); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := s.KeyByClientKey(context.Background(), ck)
		if err != nil || !webhook.SecretMatches(got, secret) {
			b.Fatalf("KeyByClientKey = %v, %v", got, err)
		}
	}
}
