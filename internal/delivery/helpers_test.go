package delivery_test

import (
	"context"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/delivery"
	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/netguard"
	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// newApp creates an app in st.
func newApp(tb testing.TB, st store.Store) *webhook.App {
	tb.Helper()
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "test", CreatedAt: now}
	if err := st.CreateApp(context.Background(), app); err != nil {
		tb.Fatal(err)
	}
	return app
}

// newHook creates an active webhook of app posting to url; mod, if set, adjusts it first.
func newHook(tb testing.TB, st store.Store, app *webhook.App, url string, mod func(*webhook.Webhook)) *webhook.Webhook {
	tb.Helper()
	now := time.Now()
	w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "w", URL: url, Active: true,
		Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if mod != nil {
		mod(w)
	}
	if err := st.CreateWebhook(context.Background(), w); err != nil {
		tb.Fatal(err)
	}
	return w
}

// newLoopbackPool returns a pool over st whose sender may reach 127.0.0.0/8 only.
func newLoopbackPool(st store.Store, opts delivery.Options) *delivery.Pool {
	guard := netguard.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	return delivery.NewPool(st, delivery.NewSender(guard), slog.New(slog.DiscardHandler), metrics.New(nil), opts)
}
