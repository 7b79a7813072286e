package store

import (
	"errors"

	"github.com/hookd/hookd/internal/webhook"
)

// Not-found errors, shared by every implementation so callers can compare messages in tests.
var (
	ErrAppNotFound     = webhook.Errorf(webhook.ENotFound, "App not found")
	ErrKeyNotFound     = webhook.Errorf(webhook.ENotFound, "API key not found")
	ErrWebhookNotFound = webhook.Errorf(webhook.ENotFound, "Webhook not found")
	ErrEventNotFound   = webhook.Errorf(webhook.ENotFound, "Event not found")
)

// ErrNotices is what Complete returns when it recorded the outcomes but could not send the
// operational events they raised: the outcomes must not be recorded again.
var ErrNotices = errors.New("attempts recorded; operational events not sent")
