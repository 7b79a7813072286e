package sqlite

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Event commits and the writes an answer promises sync the WAL before they return; claims
// and attempt records do not wait for it.
func TestDurableWritesSyncTheWAL(t *testing.T) {
	var syncs atomic.Int32
	defer func(was func(*os.File) error) { syncFile = was }(syncFile)
	syncFile = func(f *os.File) error {
		if filepath.Base(f.Name()) != FileName+"-wal" {
			t.Errorf("synced %s, want the WAL", f.Name())
		}
		syncs.Add(1)
		return f.Sync()
	}
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	synced := func(what string, write func() error) {
		t.Helper()
		before := syncs.Load()
		if err := write(); err != nil {
			t.Fatal(err)
		}
		if syncs.Load() == before {
			t.Errorf("%s returned without syncing the WAL", what)
		}
	}
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "a", CreatedAt: now, UpdatedAt: now}
	synced("CreateApp", func() error { return s.CreateApp(ctx, app) })
	w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, URL: "http://127.0.0.1:1/", Active: true,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
	synced("CreateWebhook", func() error { return s.CreateWebhook(ctx, w) })
	synced("CreateEvents", func() error {
		_, err := s.CreateEvents(ctx, []store.NewEvent{{AppID: app.ID, Type: "t", Payload: json.RawMessage(`{}`)}}, now, nil)
		return err
	})
	before := syncs.Load()
	jobs, err := s.Claim(ctx, now, time.Minute, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	if n := syncs.Load(); n != before {
		t.Errorf("a claim synced the WAL %d times; it promises no disk", n-before)
	}
}

// A WAL made anew (SQLite deletes it when its last connection closes) is the one synced.
func TestWALFileFollowsANewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x-wal")
	if err := os.WriteFile(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &walFile{path: path}
	defer w.Close()
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	first := w.f
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := w.flush(); err == nil {
		t.Error("flush of a deleted WAL: no error")
	}
	if err := os.WriteFile(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	was, _ := first.Stat()
	now, _ := w.f.Stat()
	if w.f == first || os.SameFile(was, now) {
		t.Error("the new WAL file was not opened")
	}
}
