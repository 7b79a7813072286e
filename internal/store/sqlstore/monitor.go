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

// ownWebhook answers ErrWebhookNotFound unless webhookID is one of appID's webhooks.
func (s *Store) ownWebhook(ctx context.Context, appID, webhookID string) error {
	var one int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT 1 FROM webhooks WHERE id = ? AND app_id = ?`), webhookID, appID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrWebhookNotFound
	}
	if err != nil {
		return fmt.Errorf("find webhook: %w", err)
	}
	return nil
}

// ListMessages pages one webhook's deliveries newest first, on the (webhook_id, id) index.
func (s *Store) ListMessages(ctx context.Context, appID, webhookID string, f store.MessageFilter) ([]webhook.Delivery, error) {
	if err := s.ownWebhook(ctx, appID, webhookID); err != nil {
		return nil, err
	}
	var where strings.Builder
	args := []any{webhookID, appID}
	where.WriteString(`webhook_id = ? AND app_id = ?`)
	if f.Before != "" {
		where.WriteString(` AND id < ?`)
		args = append(args, f.Before)
	}
	if f.Since != nil {
		// ids begin with their creation time, so the time bound is also an id bound the index can use.
		where.WriteString(` AND created_at > ? AND id >= ?`)
		args = append(args, ms(*f.Since), webhook.FirstID(webhook.PrefixDelivery, *f.Since))
	}
	if f.Until != nil {
		where.WriteString(` AND created_at < ?`)
		args = append(args, ms(*f.Until))
	}
	if len(f.Statuses) > 0 {
		where.WriteString(` AND status IN (` + marks(len(f.Statuses)) + `)`)
		for _, v := range f.Statuses {
			args = append(args, v)
		}
	}
	if len(f.EventTypes) > 0 {
		where.WriteString(` AND event_type IN (` + marks(len(f.EventTypes)) + `)`)
		for _, v := range f.EventTypes {
			args = append(args, v)
		}
	}
	args = append(args, f.Limit)
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM deliveries WHERE `+where.String()+` ORDER BY id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	out := []webhook.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

// delivery finds the newest delivery of eventID to webhookID.
func (s *Store) delivery(ctx context.Context, appID, webhookID, eventID string) (*webhook.Delivery, error) {
	if err := s.ownWebhook(ctx, appID, webhookID); err != nil {
		return nil, err
	}
	d, err := scanDelivery(s.r.QueryRowContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM deliveries
		WHERE event_id = ? AND webhook_id = ? AND app_id = ? ORDER BY id DESC LIMIT 1`), eventID, webhookID, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrMessageNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get message: %w", err)
	}
	return d, nil
}

// GetMessage returns the delivery of eventID to webhookID with the event's payload.
func (s *Store) GetMessage(ctx context.Context, appID, webhookID, eventID string) (*webhook.Delivery, *webhook.Event, error) {
	d, err := s.delivery(ctx, appID, webhookID, eventID)
	if err != nil {
		return nil, nil, err
	}
	ev, err := scanEvent(s.r.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+` FROM events WHERE id = ? AND app_id = ?`), eventID, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, store.ErrMessageNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get message event: %w", err)
	}
	return d, ev, nil
}

// attemptColumns are every column of an attempt; attemptSummary leaves headers and body out
// (lists show neither); callColumns leave out only the request headers (a call has none).
const (
	attemptColumns = `id, delivery_id, webhook_id, app_id, event_id, number, triggered_by, status_code, duration_ms, cause, error,
		request_headers, response_headers, response_body, response_encoding, truncated, created_at`
	attemptSummary = `id, delivery_id, webhook_id, app_id, event_id, number, triggered_by, status_code, duration_ms, cause, error,
		'{}', '{}', '', '', truncated, created_at`
	callColumns = `id, delivery_id, webhook_id, app_id, event_id, number, triggered_by, status_code, duration_ms, cause, error,
		'{}', response_headers, response_body, response_encoding, truncated, created_at`
)

func scanAttempt(row scanner) (*webhook.Attempt, error) {
	var a webhook.Attempt
	var reqH, respH, body, encoding string
	var created int64
	err := row.Scan(&a.ID, &a.DeliveryID, &a.WebhookID, &a.AppID, &a.EventID, &a.Number, &a.Trigger, &a.StatusCode, &a.DurationMS,
		&a.Cause, &a.Error, &reqH, &respH, &body, &encoding, &a.Truncated, &created)
	if err != nil {
		return nil, err
	}
	if a.ResponseBody, err = webhook.ResponseFromText(body, encoding); err != nil {
		return nil, fmt.Errorf("attempt %s response_body: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(reqH), &a.RequestHeaders); err != nil {
		return nil, fmt.Errorf("attempt %s request_headers: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(respH), &a.ResponseHeaders); err != nil {
		return nil, fmt.Errorf("attempt %s response_headers: %w", a.ID, err)
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// attempts runs a query of attempts; n is the most rows it can return.
func (s *Store) attempts(ctx context.Context, n int, query string, args ...any) ([]webhook.Attempt, error) {
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	out := make([]webhook.Attempt, 0, min(max(n, 0), 1000))
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// ListAttempts pages the attempts of one message, newest first.
func (s *Store) ListAttempts(ctx context.Context, appID, webhookID, eventID, before string, limit int) ([]webhook.Attempt, error) {
	d, err := s.delivery(ctx, appID, webhookID, eventID)
	if err != nil {
		return nil, err
	}
	if before == "" {
		return s.attempts(ctx, limit, `SELECT `+attemptSummary+` FROM attempts WHERE delivery_id = ? AND app_id = ? ORDER BY id DESC LIMIT ?`, d.ID, appID, limit)
	}
	return s.attempts(ctx, limit, `SELECT `+attemptSummary+` FROM attempts WHERE delivery_id = ? AND app_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, d.ID, appID, before, limit)
}

// GetAttempt returns one attempt of one message in full.
func (s *Store) GetAttempt(ctx context.Context, appID, webhookID, eventID, attemptID string) (*webhook.Attempt, error) {
	if _, err := s.delivery(ctx, appID, webhookID, eventID); err != nil {
		return nil, err
	}
	a, err := scanAttempt(s.r.QueryRowContext(ctx, s.q(`SELECT `+attemptColumns+` FROM attempts WHERE id = ? AND webhook_id = ? AND event_id = ? AND app_id = ?`),
		attemptID, webhookID, eventID, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrAttemptNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get attempt: %w", err)
	}
	return a, nil
}

// GetCall returns one of the webhook's attempts in full.
func (s *Store) GetCall(ctx context.Context, appID, webhookID, attemptID string) (*webhook.Attempt, error) {
	if err := s.ownWebhook(ctx, appID, webhookID); err != nil {
		return nil, err
	}
	a, err := scanAttempt(s.r.QueryRowContext(ctx, s.q(`SELECT `+attemptColumns+` FROM attempts WHERE id = ? AND webhook_id = ? AND app_id = ?`),
		attemptID, webhookID, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrCallNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get call: %w", err)
	}
	return a, nil
}

// RecentAttempts returns the webhook's last n attempts without bodies, on the (webhook_id, id) index.
func (s *Store) RecentAttempts(ctx context.Context, appID, webhookID string, n int) ([]webhook.Attempt, error) {
	if err := s.ownWebhook(ctx, appID, webhookID); err != nil {
		return nil, err
	}
	return s.attempts(ctx, n, `SELECT `+attemptSummary+` FROM attempts WHERE webhook_id = ? AND app_id = ? ORDER BY id DESC LIMIT ?`, webhookID, appID, n)
}

// Rollups reads hourly rollups in [since, until).
func (s *Store) Rollups(ctx context.Context, webhookID string, since, until time.Time) ([]store.Rollup, error) {
	// With the deliveries counted but not folded yet (counts.go), in the same statement.
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT hour, SUM(events), SUM(attempts), SUM(successes), SUM(failures), SUM(delivered), SUM(failed),
		SUM(rt_sum_ms), SUM(rt_count) FROM (
			SELECT hour, events, attempts, successes, failures, delivered, failed, rt_sum_ms, rt_count
				FROM webhook_rollups WHERE webhook_id = ? AND hour >= ? AND hour < ?
			UNION ALL
			SELECT hour, events, attempts, successes, failures, delivered, failed, rt_sum_ms, rt_count
				FROM count_deltas WHERE webhook_id = ? AND hour >= ? AND hour < ?
		) r GROUP BY hour ORDER BY hour`), webhookID, ms(since), ms(until), webhookID, ms(since), ms(until))
	if err != nil {
		return nil, fmt.Errorf("rollups: %w", err)
	}
	defer rows.Close()
	out := []store.Rollup{}
	for rows.Next() {
		var r store.Rollup
		var hour int64
		if err := rows.Scan(&hour, &r.Events, &r.Attempts, &r.Successes, &r.Failures, &r.Delivered, &r.Failed, &r.RTSumMS, &r.RTCount); err != nil {
			return nil, err
		}
		r.Hour = fromMS(hour)
		out = append(out, r)
	}
	return out, rows.Err()
}
