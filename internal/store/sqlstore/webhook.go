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

const webhookColumns = `numeric_id, id, app_id, name, url, description, event_types, active, encrypted, headers,
	rate_limit, ordered, retry_schedule, timeout_ms, secret, created_at, updated_at,
	total, delivered, failed, last_delivery_at, rt_sum_ms, rt_count, secret_prev, secret_prev_until, encryption_key,
	circuit_state, circuit_until, consecutive_failures, disabled_reason, disabled_at, uid, channels, metadata`

// webhookStatsColumns are webhookColumns with the counts not folded yet added (counts.go), for
// the reads that show statistics, FROM webhooksWithCounts.
var webhookStatsColumns = strings.Replace(webhookColumns, "total, delivered, failed, last_delivery_at, rt_sum_ms, rt_count", countedColumns, 1)

type scanner interface{ Scan(dest ...any) error }

// scanWebhook reads webhookColumns and opens the sealed secrets (security.go).
func (s *Store) scanWebhook(row scanner) (*webhook.Webhook, error) {
	var w webhook.Webhook
	var eventTypes, headers string
	var schedule sql.NullString
	var timeoutMS, created, updated int64
	var lastDelivery, prevUntil, circuitUntil, disabledAt sql.NullInt64
	var secret, prevSecret, encKey, channels, metadata string
	var uid sql.NullString
	err := row.Scan(&w.NumericID, &w.ID, &w.AppID, &w.Name, &w.URL, &w.Description, &eventTypes, &w.Active, &w.Encrypted, &headers,
		&w.RateLimit, &w.Ordered, &schedule, &timeoutMS, &secret, &created, &updated,
		&w.Stats.Created, &w.Stats.Delivered, &w.Stats.Failed, &lastDelivery, &w.Stats.ResponseTimeMS, &w.Stats.Responses,
		&prevSecret, &prevUntil, &encKey, &w.Circuit, &circuitUntil, &w.ConsecutiveFailures, &w.DisabledReason, &disabledAt, &uid, &channels, &metadata)
	if err != nil {
		return nil, err
	}
	w.UID = uid.String
	if err := json.Unmarshal([]byte(channels), &w.Channels); err != nil {
		return nil, fmt.Errorf("webhook %s channels: %w", w.ID, err)
	}
	if err := json.Unmarshal([]byte(metadata), &w.Metadata); err != nil {
		return nil, fmt.Errorf("webhook %s metadata: %w", w.ID, err)
	}
	var storedHeaders map[string]string
	if err := json.Unmarshal([]byte(headers), &storedHeaders); err != nil {
		return nil, fmt.Errorf("webhook %s headers: %w", w.ID, err)
	}
	if err := s.openSecrets(&w, secret, prevSecret, encKey, storedHeaders); err != nil {
		return nil, err
	}
	w.PreviousUntil = timePtr(prevUntil)
	w.DisabledAt = timePtr(disabledAt)
	w.CircuitUntil = timePtr(circuitUntil)
	if err := json.Unmarshal([]byte(eventTypes), &w.EventTypes); err != nil {
		return nil, fmt.Errorf("webhook %s event_types: %w", w.ID, err)
	}
	if schedule.Valid {
		var msList []int64
		if err := json.Unmarshal([]byte(schedule.String), &msList); err != nil {
			return nil, fmt.Errorf("webhook %s retry_schedule: %w", w.ID, err)
		}
		w.RetrySchedule = make([]time.Duration, len(msList))
		for i, v := range msList {
			w.RetrySchedule[i] = time.Duration(v) * time.Millisecond
		}
	}
	w.Timeout = time.Duration(timeoutMS) * time.Millisecond
	w.CreatedAt, w.UpdatedAt = fromMS(created), fromMS(updated)
	w.Stats.LastDeliveryAt = timePtr(lastDelivery)
	return &w, nil
}

// settings returns the JSON-encoded columns of w, its header values sealed (security.go).
func (s *Store) settings(w *webhook.Webhook) (eventTypes, headers string, schedule sql.NullString) {
	et, _ := json.Marshal(nonNil(w.EventTypes))
	hb, _ := json.Marshal(s.sealHeaders(w.ID, w.Headers))
	if w.RetrySchedule != nil {
		msList := make([]int64, len(w.RetrySchedule))
		for i, d := range w.RetrySchedule {
			msList[i] = d.Milliseconds()
		}
		b, _ := json.Marshal(msList)
		schedule = sql.NullString{String: string(b), Valid: true}
	}
	return string(et), string(hb), schedule
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateWebhook inserts w and sets its NumericID.
func (s *Store) CreateWebhook(ctx context.Context, w *webhook.Webhook) error {
	eventTypes, headers, schedule := s.settings(w)
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO webhooks (id, app_id, name, url, description, event_types, active, encrypted, headers,
		rate_limit, ordered, retry_schedule, timeout_ms, secret, created_at, updated_at, encryption_key, uid, channels, metadata)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING numeric_id`),
		w.ID, w.AppID, w.Name, w.URL, w.Description, eventTypes, w.Active, w.Encrypted, headers,
		w.RateLimit, w.Ordered, schedule, w.Timeout.Milliseconds(), s.sealSecret(w.ID, w.Secret), ms(w.CreatedAt), ms(w.UpdatedAt),
		s.sealKey(w.ID, w.EncryptionKey), nullString(w.UID), jsonList(w.Channels), jsonMap(w.Metadata)).Scan(&w.NumericID)
	if err := s.durable(err); err != nil {
		return s.uidConflict(err, "create webhook", "An endpoint with this uid already exists")
	}
	return nil
}

// CountWebhooks counts appID's webhooks (on the (app_id, id) index).
func (s *Store) CountWebhooks(ctx context.Context, appID string) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM webhooks WHERE app_id = ?`), appID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count webhooks: %w", err)
	}
	return n, nil
}

// GetWebhook finds one of appID's webhooks with its stats.
func (s *Store) GetWebhook(ctx context.Context, appID, id string, now time.Time) (*webhook.Webhook, error) {
	return s.getWebhook(ctx, `SELECT `+webhookStatsColumns+` FROM `+webhooksWithCounts+` WHERE id = ? AND app_id = ?`, id, appID, now)
}

// WebhookByUID finds one of appID's webhooks by the uid its sender gave it.
func (s *Store) WebhookByUID(ctx context.Context, appID, uid string, now time.Time) (*webhook.Webhook, error) {
	return s.getWebhook(ctx, `SELECT `+webhookStatsColumns+` FROM `+webhooksWithCounts+` WHERE uid = ? AND app_id = ?`, uid, appID, now)
}

// GetWebhookByNumericID finds one of appID's webhooks by its integer id.
func (s *Store) GetWebhookByNumericID(ctx context.Context, appID string, id int64, now time.Time) (*webhook.Webhook, error) {
	return s.getWebhook(ctx, `SELECT `+webhookStatsColumns+` FROM `+webhooksWithCounts+` WHERE numeric_id = ? AND app_id = ?`, id, appID, now)
}

func (s *Store) getWebhook(ctx context.Context, query string, id any, appID string, now time.Time) (*webhook.Webhook, error) {
	w, err := s.scanWebhook(s.r.QueryRowContext(ctx, s.q(query), id, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrWebhookNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get webhook: %w", err)
	}
	if err := s.fillLast24h(ctx, []*webhook.Webhook{w}, now); err != nil {
		return nil, err
	}
	return w, nil
}

// fillLast24h reads the last 24 hours of the webhooks' rollups, in one query: the deliveries
// created then that have been sent, and those of them whose latest attempt failed.
func (s *Store) fillLast24h(ctx context.Context, ws []*webhook.Webhook, now time.Time) error {
	if len(ws) == 0 {
		return nil
	}
	byID := map[string]*webhook.Webhook{}
	args := []any{hourOf(now.Add(-24 * time.Hour))}
	for _, w := range ws {
		byID[w.ID] = w
		args = append(args, w.ID)
	}
	in := marks(len(ws))
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT webhook_id, SUM(delivered + failed), SUM(failed) FROM (
		SELECT webhook_id, delivered, failed FROM webhook_rollups WHERE hour >= ? AND webhook_id IN (`+in+`)
		UNION ALL SELECT webhook_id, delivered, failed FROM count_deltas WHERE hour >= ? AND webhook_id IN (`+in+`)
	) r GROUP BY webhook_id`), append(args, args...)...)
	if err != nil {
		return fmt.Errorf("webhook rollups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sent, failed int64
		if err := rows.Scan(&id, &sent, &failed); err != nil {
			return err
		}
		if w := byID[id]; w != nil {
			w.Stats.Last24hEvents, w.Stats.Last24hFails = sent, failed
		}
	}
	return rows.Err()
}

// ListWebhooks pages through an app's webhooks by id, with their stats at now.
func (s *Store) ListWebhooks(ctx context.Context, appID, after string, limit int, now time.Time) ([]webhook.Webhook, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+webhookStatsColumns+` FROM `+webhooksWithCounts+` WHERE app_id = ? AND id > ? ORDER BY id LIMIT ?`), appID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	var out []webhook.Webhook
	for rows.Next() {
		w, err := s.scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ptrs := make([]*webhook.Webhook, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, s.fillLast24h(ctx, ptrs, now)
}

// UpdateWebhook saves w's settings and pauses or resumes its queue when Active changes.
func (s *Store) UpdateWebhook(ctx context.Context, w *webhook.Webhook, now time.Time) error {
	eventTypes, headers, schedule := s.settings(w)
	return s.tx(ctx, func(tx *sql.Tx) error {
		// The webhook row first, locked (a concurrent update waits), then its deliveries with
		// SKIP LOCKED (the store's lock order); a claim holding one of them waits for the row
		// and decides with the settings committed here (control_claim.go).
		var wasActive, wasOrdered bool
		err := tx.QueryRowContext(ctx, s.q(`SELECT active, ordered FROM webhooks WHERE id = ? AND app_id = ?`+s.forUpdate()), w.ID, w.AppID).Scan(&wasActive, &wasOrdered)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrWebhookNotFound
		}
		if err != nil {
			return err
		}
		// Deliveries in flight (leased) are left alone: their outcome sets their next time, and
		// a claim that then finds the webhook paused parks them. Rows a claim or a completion
		// holds are skipped: the claim decides with these settings, the completion as above.
		switch {
		case wasActive && !w.Active: // pause: queued deliveries wait, keeping their status
			_, err = tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = NULL WHERE delivery_id IN (SELECT delivery_id FROM queue
				WHERE webhook_id = ? AND leased = 0`+s.skipLocked()+`)`), w.ID)
		case !wasActive && w.Active: // resume now
			_, err = tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ? WHERE delivery_id IN (SELECT delivery_id FROM queue
				WHERE webhook_id = ? AND leased = 0`+s.skipLocked()+`)`), ms(now), w.ID)
		}
		if err != nil {
			return err
		}
		if wasOrdered && !w.Ordered && w.Active { // the deliveries parked in the ordered line go
			_, err = tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ? WHERE delivery_id IN (SELECT delivery_id FROM queue
				WHERE webhook_id = ? AND next_at IS NULL AND leased = 0`+s.skipLocked()+`)`), ms(now), w.ID)
			if err != nil {
				return fmt.Errorf("release ordered line: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE webhooks SET name = ?, url = ?, description = ?, event_types = ?, active = ?, encrypted = ?,
			headers = ?, rate_limit = ?, ordered = ?, retry_schedule = ?, timeout_ms = ?, updated_at = ?,
			encryption_key = COALESCE(NULLIF(encryption_key, ''), ?), uid = ?, channels = ?, metadata = ? WHERE id = ?`),
			w.Name, w.URL, w.Description, eventTypes, w.Active, w.Encrypted, headers, w.RateLimit, w.Ordered, schedule,
			w.Timeout.Milliseconds(), ms(w.UpdatedAt), s.sealKey(w.ID, w.EncryptionKey), nullString(w.UID), jsonList(w.Channels), jsonMap(w.Metadata), w.ID)
		if err != nil {
			return s.uidConflict(err, "update webhook", "An endpoint with this uid already exists")
		}
		return s.controlSettingsChanged(ctx, tx, w, wasActive) // control.go
	})
}

// DeleteWebhook removes the webhook and its unsent deliveries; history stays until retention.
func (s *Store) DeleteWebhook(ctx context.Context, appID, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM webhooks WHERE id = ? AND app_id = ?`), id, appID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrWebhookNotFound
		}
		if err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		// The deliveries first, then the webhook row (the store's lock order, sqlstore.go). Rows
		// a claim or a completion holds this moment are skipped: a claim that finds one again,
		// its webhook gone, deletes it; a late completion of a deleted one moves nothing.
		deleteQueue := func() error {
			ids, err := s.queueOf(ctx, tx, id)
			if err == nil && len(ids) > 0 {
				err = s.dropOpen(ctx, tx, ids)
			}
			if err != nil {
				return fmt.Errorf("delete webhook's queue: %w", err)
			}
			return nil
		}
		if err := deleteQueue(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM webhooks WHERE id = ? AND app_id = ?`), id, appID); err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		// Once more: a claim that held the webhook row may have parked a skipped row (next_at
		// NULL: never due again, so never found by a claim) before the delete above got the row.
		return deleteQueue()
	})
}

func hourOf(t time.Time) int64 { return t.Truncate(time.Hour).UnixMilli() }
