package store

import "github.com/hookd/hookd/internal/webhook"

// Not-found errors, shared by every implementation so callers can compare messages in tests.
var (
	ErrAppNotFound     = webhook.Errorf(webhook.ENotFound, "App not found")
	ErrKeyNotFound     = webhook.Errorf(webhook.ENotFound, "API key not found")
	ErrWebhookNotFound = webhook.Errorf(webhook.ENotFound, "Webhook not found")
	ErrEventNotFound   = webhook.Errorf(webhook.ENotFound, "Event not found")
)
