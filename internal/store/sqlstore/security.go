package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/secretbox"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// UseSecretBox seals secrets written from now on and opens sealed ones. Call it before use.
func (s *Store) UseSecretBox(box *secretbox.Box) { s.box = box }

// The additional data that binds a sealed value to its webhook and column (and header name).
func secretAAD(id string) string       { return "webhook " + id + " signing secret" }
func keyAAD(id string) string          { return "webhook " + id + " encryption key" }
func headerAAD(id, name string) string { return "webhook " + id + " header " + name }

func (s *Store) sealSecret(id, secret string) string {
	if s.box == nil || secret == "" {
		return secret
	}
	return s.box.Seal(secret, secretAAD(id))
}

func (s *Store) sealKey(id string, key []byte) string {
	if len(key) == 0 {
		return ""
	}
	enc := base64.StdEncoding.EncodeToString(key)
	if s.box == nil {
		return enc
	}
	return s.box.Seal(enc, keyAAD(id))
}

// sealHeaders returns the stored form of custom headers: names in the clear (they are shown),
// each value sealed, since a receiver's credentials travel in them.
func (s *Store) sealHeaders(id string, h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for name, v := range h {
		if s.box != nil {
			v = s.box.Seal(v, headerAAD(id, name))
		}
		out[name] = v
	}
	return out
}

func (s *Store) open(v, aad string) (string, error) {
	if !secretbox.Sealed(v) {
		return v, nil // kept in the clear (no server key when it was written)
	}
	if s.box == nil {
		return "", errors.New("secret is sealed but no server key is configured")
	}
	return s.box.Open(v, aad)
}

// openSecrets fills w's secrets from their stored forms. Errors never include the values.
func (s *Store) openSecrets(w *webhook.Webhook, secret, prev, encKey string, headers map[string]string) error {
	var err error
	if w.Secret, err = s.open(secret, secretAAD(w.ID)); err != nil {
		return fmt.Errorf("webhook %s signing secret: %w", w.ID, err)
	}
	if w.PreviousSecret, err = s.open(prev, secretAAD(w.ID)); err != nil {
		return fmt.Errorf("webhook %s previous signing secret: %w", w.ID, err)
	}
	w.Headers = make(map[string]string, len(headers))
	for name, v := range headers {
		if w.Headers[name], err = s.open(v, headerAAD(w.ID, name)); err != nil {
			return fmt.Errorf("webhook %s header %q: %w", w.ID, name, err)
		}
	}
	if encKey == "" {
		return nil
	}
	k, err := s.open(encKey, keyAAD(w.ID))
	if err != nil {
		return fmt.Errorf("webhook %s encryption key: %w", w.ID, err)
	}
	if w.EncryptionKey, err = base64.StdEncoding.DecodeString(k); err != nil {
		return fmt.Errorf("webhook %s encryption key is not base64", w.ID)
	}
	return nil
}

// SealSecrets seals every secret still kept in the clear: signing secrets, encryption keys and
// custom header values.
func (s *Store) SealSecrets(ctx context.Context) (int, error) {
	if s.box == nil {
		return 0, nil
	}
	type row struct{ id, secret, prev, key, headers string }
	var rows []row
	// Header values are sealed one by one inside a JSON object, so which of them are still in
	// the clear is decided below, in Go. Rows come (and are locked) in id order, the order every
	// transaction locks webhook rows in.
	rs, err := s.r.QueryContext(ctx, `SELECT id, secret, secret_prev, encryption_key, headers FROM webhooks
		WHERE secret NOT LIKE 'sb1:%' OR (secret_prev <> '' AND secret_prev NOT LIKE 'sb1:%') OR (encryption_key <> '' AND encryption_key NOT LIKE 'sb1:%')
			OR headers <> '{}'
		ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("find secrets to seal: %w", err)
	}
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.secret, &r.prev, &r.key, &r.headers); err != nil {
			rs.Close()
			return 0, err
		}
		rows = append(rows, r)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return 0, err
	}
	seal := func(v, aad string) string {
		if v == "" || secretbox.Sealed(v) {
			return v
		}
		return s.box.Seal(v, aad)
	}
	changed := 0
	err = s.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			var h map[string]string
			if err := json.Unmarshal([]byte(r.headers), &h); err != nil {
				return fmt.Errorf("webhook %s headers: %w", r.id, err)
			}
			sealed := make(map[string]string, len(h))
			for name, v := range h {
				sealed[name] = seal(v, headerAAD(r.id, name))
			}
			hb, _ := json.Marshal(sealed)
			next := row{r.id, seal(r.secret, secretAAD(r.id)), seal(r.prev, secretAAD(r.id)), seal(r.key, keyAAD(r.id)), string(hb)}
			if maps.Equal(h, sealed) && next.secret == r.secret && next.prev == r.prev && next.key == r.key {
				continue // only its headers matched the query, and they were sealed already
			}
			// Only where the row still holds what was read: a rotation or an update meanwhile wins.
			_, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET secret = ?, secret_prev = ?, encryption_key = ?, headers = ?
				WHERE id = ? AND secret = ? AND secret_prev = ? AND encryption_key = ? AND headers = ?`),
				next.secret, next.prev, next.key, next.headers, r.id, r.secret, r.prev, r.key, r.headers)
			if err != nil {
				return fmt.Errorf("seal secrets of %s: %w", r.id, err)
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// RotateSecret moves the current secret to the previous slot until until and sets the new one.
// The stored (sealed) value moves as it is: both slots share one binding.
func (s *Store) RotateSecret(ctx context.Context, appID, id, secret string, until, now time.Time) error {
	res, err := s.exec(ctx, s.q(`UPDATE webhooks SET secret_prev = secret, secret_prev_until = ?, secret = ?, updated_at = ?
		WHERE id = ? AND app_id = ?`), ms(until), s.sealSecret(id, secret), ms(now), id, appID)
	if err != nil {
		return fmt.Errorf("rotate secret: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrWebhookNotFound
	}
	return nil
}

// ListApps pages through every app by id.
func (s *Store) ListApps(ctx context.Context, after string, limit int) ([]webhook.App, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+appColumns+` FROM apps WHERE id > ? ORDER BY id LIMIT ?`), after, limit)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	defer rows.Close()
	var out []webhook.App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// DeleteApp removes the app, its keys, its webhooks and every delivery of it not yet sent.
func (s *Store) DeleteApp(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// The queue first (the lock order); a delivery made meanwhile keeps its queue row, and a
		// claim that finds it with its webhook gone deletes it.
		open, err := s.ids(ctx, tx, `SELECT delivery_id FROM queue WHERE webhook_id IN (SELECT id FROM webhooks WHERE app_id = ?)`+s.forUpdate(), id)
		if err == nil {
			err = s.dropOpen(ctx, tx, open)
		}
		if err != nil {
			return fmt.Errorf("delete app's queue: %w", err)
		}
		for _, q := range []string{
			`DELETE FROM api_keys WHERE app_id = ?`,
			`DELETE FROM webhooks WHERE app_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
				return fmt.Errorf("delete app: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM apps WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("delete app: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrAppNotFound
		}
		return nil
	})
}

const keyColumns = `id, app_id, name, client_key, secret_hash, scopes, env, active, operator, portal, created_at, last_used_at, expires_at`

func scanKey(row scanner) (*webhook.Key, error) {
	var k webhook.Key
	var scopes string
	var created int64
	var used, expires sql.NullInt64
	if err := row.Scan(&k.ID, &k.AppID, &k.Name, &k.ClientKey, &k.SecretHash, &scopes, &k.Env, &k.Active, &k.Operator, &k.Portal, &created, &used, &expires); err != nil {
		return nil, err
	}
	k.Scopes = []string{} // a tenant key that held only admin holds nothing since admin became the operator's
	if scopes != "" {
		k.Scopes = strings.Split(scopes, ",")
	}
	k.CreatedAt = fromMS(created)
	k.LastUsedAt = timePtr(used)
	k.ExpiresAt = timePtr(expires)
	return &k, nil
}

// GetKey finds a key by id.
func (s *Store) GetKey(ctx context.Context, id string) (*webhook.Key, error) {
	k, err := scanKey(s.r.QueryRowContext(ctx, s.q(`SELECT `+keyColumns+` FROM api_keys WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrKeyNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get key: %w", err)
	}
	return k, nil
}

// ListKeys returns an app's keys by id, without its portal sessions.
func (s *Store) ListKeys(ctx context.Context, appID string) ([]webhook.Key, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+keyColumns+` FROM api_keys WHERE app_id = ? AND portal = ? ORDER BY id`), appID, false)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	var out []webhook.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *k)
	}
	return out, rows.Err()
}

// DeleteKey removes a key.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	res, err := s.exec(ctx, s.q(`DELETE FROM api_keys WHERE id = ?`), id)
	if err != nil {
		return fmt.Errorf("delete key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrKeyNotFound
	}
	return nil
}

// DeleteExpiredSessions removes the portal sessions whose time is up at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM api_keys WHERE portal = ? AND expires_at <= ?`), true, ms(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired portal sessions: %w", err)
	}
	return res.RowsAffected()
}

// CountRequests adds every key's requests to its window in one statement and returns the totals.
func (s *Store) CountRequests(ctx context.Context, window time.Time, n map[string]int64) (map[string]int64, error) {
	if len(n) == 0 {
		return map[string]int64{}, nil
	}
	args := make([]any, 0, 3*len(n))
	for id, c := range n {
		args = append(args, id, ms(window), c)
	}
	rows, err := s.w.QueryContext(ctx, s.q(`INSERT INTO rate_limits (key_id, window_start, count) VALUES `+placeholders(len(n), 3)+`
		ON CONFLICT (key_id, window_start) DO UPDATE SET count = rate_limits.count + excluded.count RETURNING key_id, count`), args...)
	if err != nil {
		return nil, fmt.Errorf("count requests: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int64, len(n))
	for rows.Next() {
		var id string
		var c int64
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("count requests: %w", err)
		}
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count requests: %w", err)
	}
	return out, nil
}

// PruneRequests deletes windows that started before before.
func (s *Store) PruneRequests(ctx context.Context, before time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`DELETE FROM rate_limits WHERE window_start < ?`), ms(before))
	return err
}
