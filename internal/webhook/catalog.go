package webhook

import (
	"encoding/json"
	"time"
)

// EventTypeInfo is an entry of the event type catalog: what senders document about the types
// they send (Svix's event types). Fan-out never needs it: an event of a type not in the
// catalog is delivered all the same.
type EventTypeInfo struct {
	Name         string
	Description  string
	Schemas      json.RawMessage // JSON Schemas by version, as given; nil when none
	Archived     bool
	Deprecated   bool
	FeatureFlags []string
	GroupName    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}
