package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// runSend commits one event straight to the store; a running hookd delivers it.
func runSend(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("send")
	var sf commandStoreFlags
	sf.register(fs, getenv)
	appID := fs.String("app", "", "app id")
	typ := fs.String("type", "", "event type")
	data := fs.String("data", "{}", "JSON payload")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := need("app", *appID); err != nil {
		return err
	}
	if err := webhook.ValidateEventType(*typ); err != nil {
		return err
	}
	if !json.Valid([]byte(*data)) {
		return fmt.Errorf("--data is not valid JSON")
	}
	st, err := sf.openApp(ctx, *appID)
	if err != nil {
		return err
	}
	defer st.Close()
	out, err := st.CreateEvents(ctx, []store.NewEvent{{AppID: *appID, Type: *typ, Payload: json.RawMessage(*data)}}, time.Now(), nil)
	if err != nil {
		return fmt.Errorf("send event: %w", err)
	}
	return printJSON(stdout, map[string]any{"id": out[0].Event.ID, "event_type": *typ, "deliveries": out[0].Deliveries})
}
