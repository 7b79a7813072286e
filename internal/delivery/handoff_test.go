package delivery_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/delivery"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlite"
)

// A delivery handed off at its commit is sent by the pool without any claim: with the claim
// loop asleep for an hour and the lease an hour long, only Dispatch can deliver it. A pool that
// is not running reserves nothing, and jobs dispatched after it stopped go back to the store.
func TestHandoff(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got := make(chan string, 10)
	rc := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got <- r.Header.Get("webhook-id") }))
	defer rc.Close()
	app := newApp(t, st)
	newHook(t, st, app, rc.URL, nil)
	pool := newLoopbackPool(st, delivery.Options{Poll: time.Hour, Lease: time.Hour})
	create := func() store.Created {
		t.Helper()
		out, err := st.CreateEvents(ctx, []store.NewEvent{{AppID: app.ID, Type: "t", Payload: json.RawMessage(`{}`)}}, time.Now(), pool.Reserve)
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}

	if c := create(); len(c.Handed) != 0 {
		t.Fatalf("a pool that is not running reserved %d workers", len(c.Handed))
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pool.Run(runCtx) }()
	<-got // the delivery created before Run, claimed at its start

	var c store.Created
	deadline := time.Now().Add(5 * time.Second)
	for len(c.Handed) == 0 && time.Now().Before(deadline) { // Run has started once it reserves
		c = create()
		pool.Dispatch(c.Handed)
		if len(c.Handed) == 0 {
			<-got // not handed off, so Run claimed it at its start; wait and try again
		}
	}
	if len(c.Handed) != 1 {
		t.Fatal("the running pool never took a fresh delivery")
	}
	select {
	case id := <-got:
		if id != c.Event.ID {
			t.Errorf("receiver got %s, want the handed-off event %s", id, c.Event.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handed-off delivery never arrived")
	}

	// Reserved while running, dispatched after the pool stopped: back in the store, due now.
	late := create()
	if len(late.Handed) != 1 {
		t.Fatalf("handed %d, want 1", len(late.Handed))
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	pool.Dispatch(late.Handed)
	jobs, err := st.Claim(ctx, time.Now(), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].DeliveryID != late.Handed[0].DeliveryID {
		t.Errorf("after dispatching to a stopped pool, claim got %d jobs, want the handed-off delivery back", len(jobs))
	}
}
