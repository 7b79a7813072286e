package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// runRecover queues a recover job straight in the store, like POST /webhooks/{id}/recover,
// and shows its progress on stderr while a running hookd works through it; the job is
// printed as JSON on stdout when it is done (or at once with --wait=false).
func runRecover(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("recover")
	var sf commandStoreFlags
	sf.register(fs, getenv)
	appID := fs.String("app", "", "app id")
	hookID := fs.String("webhook", "", "webhook id")
	since := fs.String("since", "", "requeue failed deliveries created at or after this RFC 3339 time")
	until := fs.String("until", "", "… and before this one (default now)")
	wait := fs.Bool("wait", true, "follow the job until it completes")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long to follow it")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"app", *appID}, {"webhook", *hookID}, {"since", *since}} {
		if err := need(f.name, f.v); err != nil {
			return err
		}
	}
	now := time.Now()
	job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, now), AppID: *appID, WebhookID: *hookID, Until: now, CreatedAt: now}
	var err error
	if job.Since, err = time.Parse(time.RFC3339, *since); err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	if *until != "" {
		if job.Until, err = time.Parse(time.RFC3339, *until); err != nil {
			return fmt.Errorf("--until: %w", err)
		}
	}
	if !job.Since.Before(job.Until) {
		return fmt.Errorf("--since must be before --until")
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CreateRecover(ctx, job); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "recover %s: %d failed deliveries to requeue\n", job.ID, job.Total)
	deadline := time.After(*timeout)
	last := int64(-1)
	for *wait && job.Status != store.RecoverCompleted {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("recover %s: not completed within %s (is hookd serve running?)", job.ID, *timeout)
		case <-time.After(200 * time.Millisecond):
		}
		if job, err = st.GetRecover(ctx, *appID, *hookID, job.ID); err != nil {
			return err
		}
		if job.Requeued != last {
			last = job.Requeued
			fmt.Fprintf(stderr, "recover %s: %s, %d of %d requeued\n", job.ID, job.Status, job.Requeued, job.Total)
		}
	}
	out := map[string]any{"id": job.ID, "webhook_id": job.WebhookID, "status": job.Status, "total": job.Total, "requeued": job.Requeued,
		"since": job.Since.Format(time.RFC3339), "until": job.Until.Format(time.RFC3339)}
	return printJSON(stdout, out)
}
