package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hookd/hookd/internal/store"
)

// BeginReply implements store.Replies.
func (s *Store) BeginReply(ctx context.Context, scope, key, request string, now time.Time) (*store.Reply, error) {
	var prior *store.Reply
	err := s.tx(ctx, func(tx *sql.Tx) error {
		prior = nil
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO replies (scope, idem_key, request, status, body, created_at) VALUES (?, ?, ?, 0, '', ?)
			ON CONFLICT (scope, idem_key) DO NOTHING`), scope, key, request, ms(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var r store.Reply
		var body string
		var at int64
		if err := tx.QueryRowContext(ctx, s.q(`SELECT request, status, body, created_at FROM replies WHERE scope = ? AND idem_key = ?`),
			scope, key).Scan(&r.Request, &r.Status, &body, &at); err != nil {
			return err
		}
		r.Body = []byte(body)
		if at > ms(now.Add(-store.ReplyWindow)) && (r.Status != 0 || at > ms(now.Add(-store.ReplyPending))) {
			prior = &r
			return nil
		}
		// Past its day, or a claim whose process is gone: the key is free again. The created_at
		// read makes sure no one else took it over meanwhile.
		res, err = tx.ExecContext(ctx, s.q(`UPDATE replies SET request = ?, status = 0, body = '', created_at = ?
			WHERE scope = ? AND idem_key = ? AND created_at = ?`), request, ms(now), scope, key, at)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 { // taken over by another request just now
			if err := tx.QueryRowContext(ctx, s.q(`SELECT request, status, body FROM replies WHERE scope = ? AND idem_key = ?`),
				scope, key).Scan(&r.Request, &r.Status, &body); err != nil {
				return err
			}
			r.Body = []byte(body)
			prior = &r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("begin reply: %w", err)
	}
	return prior, nil
}

// FinishReply implements store.Replies.
func (s *Store) FinishReply(ctx context.Context, scope, key string, claimedAt time.Time, status int, body []byte) error {
	var err error
	if status >= 200 && status <= 299 {
		_, err = s.exec(ctx, s.q(`UPDATE replies SET status = ?, body = ? WHERE scope = ? AND idem_key = ? AND created_at = ? AND status = 0`),
			status, string(body), scope, key, ms(claimedAt))
	} else {
		_, err = s.exec(ctx, s.q(`DELETE FROM replies WHERE scope = ? AND idem_key = ? AND created_at = ? AND status = 0`), scope, key, ms(claimedAt))
	}
	if err != nil {
		return fmt.Errorf("finish reply: %w", err)
	}
	return nil
}
