package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// failedNow selects deliveries whose latest attempt failed: failed for good, or retrying; never
// those of an event whose payload was deleted (ExpungeEvent).
// A delivery a worker holds is left out: its attempt is the retry.
const failedNow = `(status = 'failed' OR (status = 'retrying' AND last_error <> ''
		AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.delivery_id = deliveries.id AND q.leased <> 0)))
	AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = deliveries.event_id AND e.expunged)`

const recoverColumns = `id, app_id, webhook_id, since_at, until_at, status, total, requeued, cursor_id, created_at, finished_at`

func scanRecover(row scanner) (*store.RecoverJob, error) {
	var j store.RecoverJob
	var since, until, created int64
	var finished sql.NullInt64
	if err := row.Scan(&j.ID, &j.AppID, &j.WebhookID, &since, &until, &j.Status, &j.Total, &j.Requeued, &j.Cursor, &created, &finished); err != nil {
		return nil, err
	}
	j.Since, j.Until, j.CreatedAt, j.FinishedAt = fromMS(since), fromMS(until), fromMS(created), timePtr(finished)
	return &j, nil
}

// CreateRecover records a queued job with the number of failed deliveries in its window.
func (s *Store) CreateRecover(ctx context.Context, j *store.RecoverJob) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM webhooks WHERE id = ? AND app_id = ?`), j.WebhookID, j.AppID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrWebhookNotFound
		}
		if err != nil {
			return fmt.Errorf("recover webhook: %w", err)
		}
		err = tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM deliveries WHERE webhook_id = ? AND `+failedNow+` AND created_at >= ? AND created_at < ?`),
			j.WebhookID, ms(j.Since), ms(j.Until)).Scan(&j.Total)
		if err != nil {
			return fmt.Errorf("count failed deliveries: %w", err)
		}
		// An operator asking to recover means the receiver is back: an open breaker probes at once.
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET circuit_until = ? WHERE id = ? AND circuit_state = ? AND circuit_until > ?`),
			ms(j.CreatedAt), j.WebhookID, webhook.CircuitOpen, ms(j.CreatedAt)); err != nil {
			return fmt.Errorf("end breaker cool-down: %w", err)
		}
		s.probes.expect(j.CreatedAt)
		j.Status = store.RecoverQueued
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO recover_jobs (id, app_id, webhook_id, since_at, until_at, status, total, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), j.ID, j.AppID, j.WebhookID, ms(j.Since), ms(j.Until), j.Status, j.Total, ms(j.CreatedAt))
		if err != nil {
			return fmt.Errorf("create recover job: %w", err)
		}
		return nil
	})
}

// GetRecover returns one of appID's recover jobs.
func (s *Store) GetRecover(ctx context.Context, appID, webhookID, id string) (*store.RecoverJob, error) {
	j, err := scanRecover(s.r.QueryRowContext(ctx, s.q(`SELECT `+recoverColumns+` FROM recover_jobs WHERE id = ? AND app_id = ? AND webhook_id = ?`),
		id, appID, webhookID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrRecoverNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get recover job: %w", err)
	}
	return j, nil
}

// ClaimRecover leases the oldest job that is waiting or whose runner's lease ran out.
func (s *Store) ClaimRecover(ctx context.Context, now time.Time, lease time.Duration) (*store.RecoverJob, error) {
	var j *store.RecoverJob
	err := s.tx(ctx, func(tx *sql.Tx) error {
		j = nil
		var err error
		got, err := scanRecover(tx.QueryRowContext(ctx, s.q(`SELECT `+recoverColumns+` FROM recover_jobs
			WHERE status IN ('queued', 'running') AND lease_until <= ? ORDER BY lease_until, id LIMIT 1`), ms(now)))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find recover job: %w", err)
		}
		// The condition is checked again under the row lock: of two instances, one wins.
		res, err := tx.ExecContext(ctx, s.q(`UPDATE recover_jobs SET status = ?, lease_until = ? WHERE id = ? AND lease_until <= ?`),
			store.RecoverRunning, ms(now.Add(lease)), got.ID, ms(now))
		if err != nil {
			return fmt.Errorf("lease recover job: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			got.Status, j = store.RecoverRunning, got
		}
		return nil
	})
	return j, err
}

// RecoverStep requeues the next batch of the job's failed deliveries, oldest first. Those a
// worker is completing right now are skipped (their attempt is the retry), so that this and a
// completion never wait for each other's rows.
func (s *Store) RecoverStep(ctx context.Context, j *store.RecoverJob, limit int, now time.Time, lease time.Duration) (bool, error) {
	done := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// Read without a lock; requeue locks them in the store's order and checks again.
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM deliveries WHERE webhook_id = ? AND id > ? AND `+failedNow+`
			AND created_at >= ? AND created_at < ? ORDER BY id LIMIT ?`), j.WebhookID, j.Cursor, ms(j.Since), ms(j.Until), limit)
		if err != nil {
			return fmt.Errorf("find failed deliveries: %w", err)
		}
		var ids []any
		cursor := j.Cursor
		for rows.Next() {
			if err := rows.Scan(&cursor); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, cursor)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		ds, err := s.requeue(ctx, tx, ids, manual, now, true, failedNow)
		if err != nil {
			return err
		}
		done = len(ids) < limit
		status, finished := store.RecoverRunning, sql.NullInt64{}
		if done {
			status, finished = store.RecoverCompleted, sql.NullInt64{Int64: ms(now), Valid: true}
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE recover_jobs SET requeued = requeued + ?, cursor_id = ?, status = ?, finished_at = ?, lease_until = ? WHERE id = ?`),
			len(ds), cursor, status, finished, ms(now.Add(lease)), j.ID)
		if err != nil {
			return fmt.Errorf("record recover progress: %w", err)
		}
		j.Requeued += int64(len(ds))
		j.Cursor, j.Status, j.FinishedAt = cursor, status, timePtr(finished)
		return nil
	})
	return done, err
}
