package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/postgres/pgtest"
	"github.com/hookd/hookd/internal/webhook"
)

// notifyEvery is sqlstore's: the most often one instance sends NOTIFY for event commits.
const notifyEvery = 5 * time.Millisecond

// TestEventCommitsNotifyAtMostOncePerInterval: event commits that leave deliveries due wake
// the other instances (a NOTIFY on postgres.Channel), but one instance sends at most one NOTIFY
// per notifyEvery however many events it commits meanwhile. A NOTIFY per commit would queue
// the whole cluster's commits behind each other. 640 commits from 16 writers take far less
// than 640 intervals, so a NOTIFY per commit fails the bound.
func TestEventCommitsNotifyAtMostOncePerInterval(t *testing.T) {
	ctx := context.Background()
	f := newPGFixtureAt(t, pgtest.Database(t)) // a channel is the database's: no other test's store notifies in it
	f.webhook(t, func(*webhook.Webhook) {})
	listener, err := pgx.Connect(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(ctx)
	if _, err := listener.Exec(ctx, "LISTEN "+postgres.Channel); err != nil {
		t.Fatal(err)
	}

	const writers, commits = 16, 40
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for range commits {
				ev := []store.NewEvent{{AppID: f.app.ID, Type: "a", Payload: json.RawMessage(`{}`)}}
				if _, err := f.s.CreateEvents(ctx, ev, time.Now(), nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// The last NOTIFY goes out up to notifyEvery after the last commit; a second of quiet
	// after that means no more are coming.
	notified := 0
	for {
		wait, cancel := context.WithTimeout(ctx, time.Second)
		_, err := listener.WaitForNotification(wait)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		notified++
	}
	t.Logf("%d event commits in %v: %d NOTIFYs", writers*commits, elapsed.Round(time.Millisecond), notified)
	most := int(elapsed/notifyEvery) + 2
	if notified == 0 || notified > most {
		t.Errorf("%d event commits in %v sent %d NOTIFYs; want 1 to %d (one per %v at most)",
			writers*commits, elapsed.Round(time.Millisecond), notified, most, notifyEvery)
	}
}
