package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// CreateApp inserts an app.
func (s *Store) CreateApp(ctx context.Context, app *webhook.App) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO apps (id, name, created_at) VALUES (?, ?, ?)`), app.ID, app.Name, ms(app.CreatedAt))
	if err != nil {
		return fmt.Errorf("create app: %w", err)
	}
	return nil
}

// GetApp finds an app by id.
func (s *Store) GetApp(ctx context.Context, id string) (*webhook.App, error) {
	var a webhook.App
	var created int64
	err := s.r.QueryRowContext(ctx, s.q(`SELECT id, name, created_at FROM apps WHERE id = ?`), id).Scan(&a.ID, &a.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrAppNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get app: %w", err)
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// CreateKey inserts an API key; the app must exist.
func (s *Store) CreateKey(ctx context.Context, k *webhook.Key) error {
	if _, err := s.GetApp(ctx, k.AppID); err != nil {
		return err
	}
	var expires sql.NullInt64
	if k.ExpiresAt != nil {
		expires = sql.NullInt64{Int64: ms(*k.ExpiresAt), Valid: true}
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO api_keys (id, app_id, name, client_key, secret_hash, scopes, env, active, operator, portal, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		k.ID, k.AppID, k.Name, k.ClientKey, k.SecretHash, strings.Join(k.Scopes, ","), k.Env, k.Active, k.Operator, k.Portal, ms(k.CreatedAt), expires)
	if err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	return nil
}

// KeyByClientKey finds a key by its public client key.
func (s *Store) KeyByClientKey(ctx context.Context, clientKey string) (*webhook.Key, error) {
	k, err := scanKey(s.r.QueryRowContext(ctx, s.q(`SELECT `+keyColumns+` FROM api_keys WHERE client_key = ?`), clientKey))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrKeyNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get key: %w", err)
	}
	return k, nil
}

// SetKeyActive activates or revokes a key.
func (s *Store) SetKeyActive(ctx context.Context, id string, active bool) error {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE api_keys SET active = ? WHERE id = ?`), active, id)
	if err != nil {
		return fmt.Errorf("set key active: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrKeyNotFound
	}
	return nil
}

// TouchKey records that a key was used.
func (s *Store) TouchKey(ctx context.Context, id string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`), ms(now), id)
	return err
}

// CountKeys counts every key of every app.
func (s *Store) CountKeys(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys`).Scan(&n)
	return n, err
}
