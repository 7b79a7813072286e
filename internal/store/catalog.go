package store

import (
	"context"

	"github.com/hookd/hookd/internal/webhook"
)

// Catalog holds the event type catalog, one for the whole store.
type Catalog interface {
	// CreateEventType adds an entry; a name already there is a conflict.
	CreateEventType(ctx context.Context, et *webhook.EventTypeInfo) error
	GetEventType(ctx context.Context, name string) (*webhook.EventTypeInfo, error)
	// ListEventTypes returns up to limit entries with names after the cursor, in name order;
	// archived ones only when asked.
	ListEventTypes(ctx context.Context, after string, limit int, archived bool) ([]webhook.EventTypeInfo, error)
	// UpdateEventType saves every field of an existing entry.
	UpdateEventType(ctx context.Context, et *webhook.EventTypeInfo) error
	DeleteEventType(ctx context.Context, name string) error
}

// ErrEventTypeNotFound is a catalog miss.
var ErrEventTypeNotFound = webhook.Errorf(webhook.ENotFound, "Event type not found")
