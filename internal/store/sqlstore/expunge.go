package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

var (
	errExpunged = webhook.Errorf(webhook.EConflict, "this message's payload was deleted: it cannot be sent again")
	errInFlight = webhook.Errorf(webhook.EConflict, "this message still has deliveries waiting to be sent; delete its payload once they have ended")
)

// ExpungeEvent deletes an event's payload once none of its deliveries is open. The delivery
// rows are locked first, so a retry reopening one (which locks it before it reads the event)
// waits and then finds the event expunged, or goes first and makes this refuse.
func (s *Store) ExpungeEvent(ctx context.Context, appID, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT status FROM deliveries WHERE event_id = ? AND app_id = ?`+s.forUpdate()), id, appID)
		if err != nil {
			return fmt.Errorf("lock deliveries: %w", err)
		}
		open := false
		for rows.Next() {
			var status string
			if err := rows.Scan(&status); err != nil {
				rows.Close()
				return err
			}
			open = open || status == webhook.StatusPending || status == webhook.StatusRetrying
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if open {
			return errInFlight
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE events SET payload = '{}', expunged = ? WHERE id = ? AND app_id = ?`), true, id, appID)
		if err != nil {
			return fmt.Errorf("expunge event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrEventNotFound
		}
		return nil
	})
}

// ExpungeAttempt deletes an attempt's response body.
func (s *Store) ExpungeAttempt(ctx context.Context, appID, eventID, id string) error {
	res, err := s.exec(ctx, s.q(`UPDATE attempts SET response_body = '' WHERE id = ? AND app_id = ? AND event_id = ?`), id, appID, eventID)
	if err != nil {
		return fmt.Errorf("expunge attempt: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrAttemptNotFound
	}
	return nil
}
