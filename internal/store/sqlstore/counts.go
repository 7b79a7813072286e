package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/store"
)

// Counters and rollups are kept off the commits that ingest events and record attempts: those
// insert what they add as count_deltas rows (a row per webhook and hour), so that they lock
// no webhook or rollup row, and FoldCounts moves the rows into the webhooks' counters and the
// hourly rollups about once a second, in a relaxed transaction of its own. Every read of
// statistics adds the rows not folded yet in the same statement (webhookStatsColumns,
// Rollups, fillLast24h, QueueDepth), so the statistics are exact at every read: a fold deletes
// its rows and adds them up in one transaction, and a crash undoes either whole.

// countDelta is what commits add to one webhook's counters and to its rollup of one hour: the
// rollup's fields, and for the webhook's counters, deliveries finished and the latest attempt.
type countDelta struct {
	store.Rollup       // its Hour unused: the key says
	finished     int64 // deliveries that became final
	last         int64 // ms of the latest attempt; 0 for none
}

func (d *countDelta) add(o countDelta) {
	d.Rollup.Add(o.Rollup)
	d.finished += o.finished
	d.last = max(d.last, o.last)
}

// countKey is a webhook and an hour (ms).
type countKey struct {
	webhook string
	hour    int64
}

// counts are count deltas by webhook and hour.
type counts map[countKey]*countDelta

func (c counts) at(webhookID string, hour int64) *countDelta {
	k := countKey{webhookID, hour}
	d := c[k]
	if d == nil {
		d = &countDelta{}
		c[k] = d
	}
	return d
}

// keys returns the keys in the store's lock order: by webhook, then hour.
func (c counts) keys() []countKey {
	keys := make([]countKey, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b countKey) int {
		return cmp.Or(strings.Compare(a.webhook, b.webhook), cmp.Compare(a.hour, b.hour))
	})
	return keys
}

// insertCounts records c as count_deltas rows in tx.
func (s *Store) insertCounts(ctx context.Context, tx *sql.Tx, c counts) error {
	var rows []any
	for _, k := range c.keys() {
		d := c[k]
		rows = append(rows, k.webhook, k.hour, d.Events, d.Attempts, d.Successes, d.Failures, d.Delivered, d.Failed, d.RTSumMS, d.RTCount,
			d.finished, sql.NullInt64{Int64: d.last, Valid: d.last != 0})
	}
	if err := s.insertRows(ctx, tx, `INSERT INTO count_deltas (webhook_id, hour, events, attempts, successes, failures, delivered, failed,
		rt_sum_ms, rt_count, finished, last_at)`, 12, rows, ""); err != nil {
		return fmt.Errorf("count: %w", err)
	}
	return nil
}

// countCreated records, in an event commit, the deliveries it created per webhook.
func (s *Store) countCreated(ctx context.Context, tx *sql.Tx, perWebhook map[string]int64, now time.Time) error {
	c := counts{}
	for id, n := range perWebhook {
		c.at(id, hourOf(now)).Events += n
	}
	return s.insertCounts(ctx, tx, c)
}

// foldBatch bounds the count rows one FoldCounts call moves.
const foldBatch = 10000

// FoldCounts moves count rows into the webhooks' counters and hourly rollups, in one relaxed
// transaction (a crash undoes it whole; the rows are folded again), and returns how many rows
// it moved. Instances folding at once take disjoint rows. The rows of a webhook deleted
// meanwhile go with nothing to add to.
func (s *Store) FoldCounts(ctx context.Context) (int64, error) {
	var folded int64
	err := s.relaxedTx(ctx, func(tx *sql.Tx) error {
		folded = 0
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id, webhook_id, hour, events, attempts, successes, failures, delivered, failed,
			rt_sum_ms, rt_count, finished, last_at FROM count_deltas ORDER BY id LIMIT ?`+s.skipLocked()), foldBatch)
		if err != nil {
			return fmt.Errorf("read counts: %w", err)
		}
		c := counts{}
		totals := map[string]*countDelta{}
		var ids []any
		for rows.Next() {
			var id int64
			var k countKey
			var d countDelta
			var last sql.NullInt64
			if err := rows.Scan(&id, &k.webhook, &k.hour, &d.Events, &d.Attempts, &d.Successes, &d.Failures, &d.Delivered, &d.Failed,
				&d.RTSumMS, &d.RTCount, &d.finished, &last); err != nil {
				rows.Close()
				return err
			}
			d.last = last.Int64
			ids = append(ids, id)
			c.at(k.webhook, k.hour).add(d)
			if totals[k.webhook] == nil {
				totals[k.webhook] = &countDelta{}
			}
			totals[k.webhook].add(d)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		for start := 0; start < len(ids); start += rowsPerInsert {
			chunk := ids[start:min(len(ids), start+rowsPerInsert)]
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM count_deltas WHERE id IN (`+marks(len(chunk))+`)`), chunk...); err != nil {
				return fmt.Errorf("fold counts: %w", err)
			}
		}
		gone := map[string]bool{}
		for _, id := range sortedKeys(totals) { // the store's lock order: webhook rows, then rollups
			t := totals[id]
			res, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET total = total + ?, delivered = delivered + ?, failed = failed + ?,
				finished = finished + ?, rt_sum_ms = rt_sum_ms + ?, rt_count = rt_count + ?,
				last_delivery_at = CASE WHEN ? > COALESCE(last_delivery_at, 0) THEN ? ELSE last_delivery_at END WHERE id = ?`),
				t.Events, t.Delivered, t.Failed, t.finished, t.RTSumMS, t.RTCount, t.last, t.last, id)
			if err != nil {
				return fmt.Errorf("fold counts: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				gone[id] = true
			}
		}
		for _, k := range c.keys() {
			if gone[k.webhook] {
				continue
			}
			if err := s.rollup(ctx, tx, k.webhook, k.hour, c[k].Rollup); err != nil {
				return err
			}
		}
		folded = int64(len(ids))
		return nil
	})
	return folded, err
}

// rollup adds d to the webhook's rollup of hour.
func (s *Store) rollup(ctx context.Context, tx *sql.Tx, webhookID string, hour int64, d store.Rollup) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhook_rollups (webhook_id, hour, events, attempts, successes, failures, delivered, failed, rt_sum_ms, rt_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (webhook_id, hour) DO UPDATE SET events = webhook_rollups.events + excluded.events,
			attempts = webhook_rollups.attempts + excluded.attempts, successes = webhook_rollups.successes + excluded.successes,
			failures = webhook_rollups.failures + excluded.failures, delivered = webhook_rollups.delivered + excluded.delivered,
			failed = webhook_rollups.failed + excluded.failed, rt_sum_ms = webhook_rollups.rt_sum_ms + excluded.rt_sum_ms,
			rt_count = webhook_rollups.rt_count + excluded.rt_count`),
		webhookID, hour, d.Events, d.Attempts, d.Successes, d.Failures, d.Delivered, d.Failed, d.RTSumMS, d.RTCount)
	if err != nil {
		return fmt.Errorf("rollup: %w", err)
	}
	return nil
}

// webhooksWithCounts is the webhooks table beside the sums of its count rows not folded yet
// (u_*), for webhookStatsColumns: one statement reads both, so it adds up exactly whatever is
// folding.
const webhooksWithCounts = `webhooks LEFT JOIN (SELECT webhook_id AS u_webhook, SUM(events) AS u_events, SUM(delivered) AS u_delivered,
	SUM(failed) AS u_failed, MAX(last_at) AS u_last, SUM(rt_sum_ms) AS u_rt_sum, SUM(rt_count) AS u_rt_count
	FROM count_deltas GROUP BY webhook_id) u ON u.u_webhook = webhooks.id`

// countedColumns are the counters of webhookColumns with the count rows not folded yet added.
const countedColumns = `total + COALESCE(u_events, 0), delivered + COALESCE(u_delivered, 0), failed + COALESCE(u_failed, 0),
	CASE WHEN u_last > COALESCE(last_delivery_at, 0) THEN u_last ELSE last_delivery_at END,
	rt_sum_ms + COALESCE(u_rt_sum, 0), rt_count + COALESCE(u_rt_count, 0)`
