package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// foldBatch bounds the count rows one FoldCounts call moves.
const foldBatch = 10000

// countCreated records, in an event commit, the deliveries it created per webhook: a row per
// webhook, inserted, so the commit locks no webhook or rollup row (counts.go, FoldCounts).
func (s *Store) countCreated(ctx context.Context, tx *sql.Tx, perWebhook map[string]int64, now time.Time) error {
	hour := hourOf(now)
	var rows []any
	for _, id := range sortedKeys(perWebhook) {
		rows = append(rows, id, hour, perWebhook[id])
	}
	if err := s.insertRows(ctx, tx, `INSERT INTO created_counts (webhook_id, hour, n) VALUES `, 3, rows, ""); err != nil {
		return fmt.Errorf("count deliveries: %w", err)
	}
	return nil
}

// FoldCounts moves the delivery counts of event commits into the webhooks' totals and hourly
// rollups, in one relaxed transaction (a crash undoes it whole; the rows are folded again), and
// returns how many count rows it moved. Instances folding at once take disjoint rows.
func (s *Store) FoldCounts(ctx context.Context) (int64, error) {
	var folded int64
	err := s.relaxedTx(ctx, func(tx *sql.Tx) error {
		folded = 0
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id, webhook_id, hour, n FROM created_counts ORDER BY id LIMIT ?`+s.skipLocked()), foldBatch)
		if err != nil {
			return fmt.Errorf("read counts: %w", err)
		}
		type key struct {
			webhook string
			hour    int64
		}
		sums := map[key]int64{}
		var ids []any
		for rows.Next() {
			var id, hour, n int64
			var webhookID string
			if err := rows.Scan(&id, &webhookID, &hour, &n); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			sums[key{webhookID, hour}] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		for start := 0; start < len(ids); start += rowsPerInsert {
			chunk := ids[start:min(len(ids), start+rowsPerInsert)]
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM created_counts WHERE id IN (`+marks(len(chunk))+`)`), chunk...); err != nil {
				return fmt.Errorf("fold counts: %w", err)
			}
		}
		keys := make([]key, 0, len(sums))
		totals := map[string]int64{}
		for k, n := range sums {
			keys = append(keys, k)
			totals[k.webhook] += n
		}
		for _, id := range sortedKeys(totals) { // the store's lock order: webhook rows, then rollups
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET total = total + ? WHERE id = ?`), totals[id], id); err != nil {
				return fmt.Errorf("fold counts: %w", err)
			}
		}
		slices.SortFunc(keys, func(a, b key) int { return cmp.Or(strings.Compare(a.webhook, b.webhook), cmp.Compare(a.hour, b.hour)) })
		for _, k := range keys {
			if err := s.rollup(ctx, tx, k.webhook, k.hour, rollupDelta{events: sums[k]}); err != nil {
				return err
			}
		}
		folded = int64(len(ids))
		return nil
	})
	return folded, err
}

// unfolded is the SQL of a webhook's deliveries counted but not folded yet, for a SELECT on
// webhooks: read in the same statement as the total, it adds up exactly whatever is folding.
const unfolded = `(SELECT COALESCE(SUM(c.n), 0) FROM created_counts c WHERE c.webhook_id = webhooks.id)`
