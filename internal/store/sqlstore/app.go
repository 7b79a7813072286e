package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// CreateApp inserts an app.
func (s *Store) CreateApp(ctx context.Context, app *webhook.App) error {
	if app.UpdatedAt.IsZero() {
		app.UpdatedAt = app.CreatedAt
	}
	_, err := s.exec(ctx, s.q(`INSERT INTO apps (id, uid, name, metadata, rate_limit, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		app.ID, nullString(app.UID), app.Name, jsonMap(app.Metadata), nullInt(app.RateLimit), ms(app.CreatedAt), ms(app.UpdatedAt))
	if err != nil {
		return s.uidConflict(err, "create app", "An application with this uid already exists")
	}
	return nil
}

// GetApp finds an app by id.
func (s *Store) GetApp(ctx context.Context, id string) (*webhook.App, error) {
	return s.app(ctx, `id = ?`, id)
}

// AppByUID finds an app by the uid its sender gave it.
func (s *Store) AppByUID(ctx context.Context, uid string) (*webhook.App, error) {
	return s.app(ctx, `uid = ?`, uid)
}

func (s *Store) app(ctx context.Context, where string, arg any) (*webhook.App, error) {
	a, err := scanApp(s.r.QueryRowContext(ctx, s.q(`SELECT `+appColumns+` FROM apps WHERE `+where), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrAppNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get app: %w", err)
	}
	return a, nil
}

// UpdateApp saves an app's name, uid, metadata and rate limit.
func (s *Store) UpdateApp(ctx context.Context, app *webhook.App) error {
	res, err := s.exec(ctx, s.q(`UPDATE apps SET uid = ?, name = ?, metadata = ?, rate_limit = ?, updated_at = ? WHERE id = ?`),
		nullString(app.UID), app.Name, jsonMap(app.Metadata), nullInt(app.RateLimit), ms(app.UpdatedAt), app.ID)
	if err != nil {
		return s.uidConflict(err, "update app", "An application with this uid already exists")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrAppNotFound
	}
	return nil
}

const appColumns = `id, uid, name, metadata, rate_limit, created_at, updated_at`

func scanApp(row scanner) (*webhook.App, error) {
	var a webhook.App
	var uid sql.NullString
	var metadata string
	var rateLimit sql.NullInt64
	var created, updated int64
	if err := row.Scan(&a.ID, &uid, &a.Name, &metadata, &rateLimit, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(metadata), &a.Metadata); err != nil {
		return nil, fmt.Errorf("app %s metadata: %w", a.ID, err)
	}
	a.UID, a.RateLimit = uid.String, int(rateLimit.Int64)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return &a, nil
}

func nullString(v string) sql.NullString { return sql.NullString{String: v, Valid: v != ""} }

func nullInt(v int) sql.NullInt64 { return sql.NullInt64{Int64: int64(v), Valid: v != 0} }

// jsonMap is a string map as stored: a JSON object, {} when empty.
func jsonMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// jsonList is a string list as stored: a JSON array, [] when empty.
func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
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
	_, err := s.exec(ctx, s.q(`INSERT INTO api_keys (id, app_id, name, client_key, secret_hash, scopes, env, active, operator, portal, created_at, expires_at)
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
	res, err := s.exec(ctx, s.q(`UPDATE api_keys SET active = ? WHERE id = ?`), active, id)
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
