package store

import (
	"context"
	"time"

	"github.com/hookd/hookd/internal/secretbox"
	"github.com/hookd/hookd/internal/webhook"
)

// Security holds the store methods for the admin API, rate limits, secret rotation and
// encryption at rest.
type Security interface {
	// UseSecretBox seals signing secrets, encryption keys and custom header values with box
	// from now on, and opens sealed ones. Without a box they are kept in the clear (tests, CLI
	// commands that never read them, and serve given --allow-plaintext-secrets).
	UseSecretBox(box *secretbox.Box)
	// SealSecrets seals, with the box, the secrets written in the clear before there was one
	// (custom header values included), and returns how many webhooks it changed.
	SealSecrets(ctx context.Context) (int, error)

	// ListApps returns up to limit apps with ids after the cursor, oldest first.
	ListApps(ctx context.Context, after string, limit int) ([]webhook.App, error)
	// DeleteApp removes an app with its keys and webhooks; its undelivered deliveries never go out.
	DeleteApp(ctx context.Context, id string) error
	// GetKey finds a key by its key_ id.
	GetKey(ctx context.Context, id string) (*webhook.Key, error)
	// ListKeys returns an app's keys, oldest first, without its portal sessions.
	ListKeys(ctx context.Context, appID string) ([]webhook.Key, error)
	// DeleteKey removes a key; its requests fail from then on.
	DeleteKey(ctx context.Context, id string) error
	// DeleteExpiredSessions removes the portal sessions whose time is up at now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	// CountRequests adds n[keyID] requests to each key's window starting at window and returns
	// every key's count in that window afterwards. One call serves many requests.
	CountRequests(ctx context.Context, window time.Time, n map[string]int64) (map[string]int64, error)
	// PruneRequests forgets windows that started before before.
	PruneRequests(ctx context.Context, before time.Time) error

	// RotateSecret makes secret the webhook's signing secret; the current one keeps signing
	// beside it until until (no longer than now: it stops at once).
	RotateSecret(ctx context.Context, appID, id, secret string, until time.Time, now time.Time) error
}
