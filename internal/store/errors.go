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

// ErrNotDurable is what a write returns when it was committed but could not be made durable
// (the disk failed a sync): its data may be read, yet a power cut may undo it. The store takes
// no durable write after it (it fails them with this error) until it is opened again.
var ErrNotDurable = errors.New("committed but not on disk: the disk failed a sync; restart hookd")

// ErrNotices is what Complete returns when it recorded the outcomes but could not send the
// operational events they raised: the outcomes must not be recorded again.
var ErrNotices = errors.New("attempts recorded; operational events not sent")
