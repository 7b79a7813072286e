package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointEvery is how often the WAL is copied into the database file. Under full load the
// WAL grows by a few megabytes a second; SQLite's own checkpoint (every 1000 pages) would run
// in the single writer, holding it through two syncs of the disk.
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies the WAL into the database on a connection of its own, beside the
// writer: a PASSIVE checkpoint takes no write lock, so no transaction waits for it.
type checkpointer struct {
	db   *sql.DB
	stop context.CancelFunc
	done sync.WaitGroup
}

func startCheckpoints(db *sql.DB) *checkpointer {
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{db: db, stop: stop}
	c.done.Go(func() {
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// An error (the disk, a busy database) is left for the next tick: the WAL only
				// grows meanwhile, and the writer's commits are unaffected.
				_, _ = db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	})
	return c
}

// Close stops the checkpoints and closes their connection.
func (c *checkpointer) Close() error {
	c.stop()
	c.done.Wait()
	return c.db.Close()
}
