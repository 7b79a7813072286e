package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/hookd/hookd/internal/store"
)

// receive returns what c gives within 5 s, or fails the test naming what.
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: nothing after 5 s", what)
		panic("unreachable")
	}
}

func wait(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	receive(t, c, what)
}

// flushTestStore is a store over one SQLite connection (the single writer) whose Flush is
// flush, with a table t to write.
func flushTestStore(t *testing.T, flush func() error) *Store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "d.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	return New(Dialect{Name: "sqlite", Flush: flush}, db, db)
}

func insert(run func(context.Context, func(*sql.Tx) error) error, v int) error {
	return run(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO t VALUES (?)`, v)
		return err
	})
}

// A durable commit waits for its flush, but the writer is free meanwhile: the next transaction
// does not wait for the disk. Relaxed commits do not flush.
func TestDurableCommitFlushesOutsideTheWriter(t *testing.T) {
	var flushes atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	s := flushTestStore(t, func() error {
		if flushes.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	})
	durable := make(chan error, 1)
	go func() { durable <- insert(s.tx, 1) }()
	wait(t, entered, "the durable commit's flush")
	if err := insert(s.relaxedTx, 2); err != nil { // on the one connection, while the flush waits
		t.Fatalf("relaxed transaction during a flush: %v", err)
	}
	select {
	case err := <-durable:
		t.Fatalf("durable commit returned before its flush ended: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := receive(t, durable, "the durable commit"); err != nil {
		t.Fatal(err)
	}
	if n := flushes.Load(); n != 1 {
		t.Errorf("flushes = %d, want 1 (the durable commit's only)", n)
	}
}

// A failed flush: the commit happened but is perhaps not on disk (store.ErrNotDurable, which
// ingest answers with a 503 without committing the events again), and every durable write
// after it fails too, even once the disk syncs again: the kernel may have dropped what it
// could not write.
func TestFailedFlushFailsEveryLaterWrite(t *testing.T) {
	var flushes atomic.Int32
	s := flushTestStore(t, func() error {
		if flushes.Add(1) == 1 {
			return syscall.EIO
		}
		return nil
	})
	err := insert(s.tx, 1)
	if !errors.Is(err, store.ErrNotDurable) || !errors.Is(err, syscall.EIO) || !s.Unavailable(err) {
		t.Fatalf("durable commit with a failed flush: %v (unavailable %v); want an unavailable ErrNotDurable with the EIO", err, s.Unavailable(err))
	}
	var n int
	if err := s.w.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows = %d, %v; want the committed one", n, err)
	}
	if err := insert(s.tx, 2); !errors.Is(err, store.ErrNotDurable) {
		t.Errorf("durable commit after a failed flush: %v; want ErrNotDurable", err)
	}
	if _, err := s.exec(context.Background(), `INSERT INTO t VALUES (3)`); !errors.Is(err, store.ErrNotDurable) {
		t.Errorf("durable write after a failed flush: %v; want ErrNotDurable", err)
	}
	if err := insert(s.relaxedTx, 4); err != nil {
		t.Errorf("relaxed commit after a failed flush: %v; it promises no disk", err)
	}
	if n := flushes.Load(); n != 1 {
		t.Errorf("flushes = %d; want the failed one only", n)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, store.ErrNotDurable) {
		t.Errorf("ping after a failed flush: %v; want ErrNotDurable (readiness fails)", err)
	}
}

// Commits that end while a flush runs are not covered by it: they share the next one.
func TestGroupSync(t *testing.T) {
	var flushes atomic.Int32
	started := make(chan int32, 8)
	release := make(chan struct{}, 8)
	g := &groupSync{flush: func() error {
		n := flushes.Add(1)
		started <- n
		<-release
		return nil
	}}
	first := make(chan error, 1)
	go func() { first <- g.sync() }()
	n1 := receive(t, started, "the first flush")
	const later = 5
	rest := make(chan error, later)
	for range later {
		go func() { rest <- g.sync() }()
	}
	for deadline := time.Now().Add(5 * time.Second); g.ended.Load() != 1+later; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d commits asked for a flush, want %d", g.ended.Load(), 1+later)
		}
	}
	release <- struct{}{} // the first flush ends
	if err := receive(t, first, "the first commit"); err != nil || n1 != 1 {
		t.Fatal(n1, err)
	}
	if n := receive(t, started, "the second flush"); n != 2 {
		t.Fatalf("flush %d started, want the second", n)
	}
	select {
	case <-rest:
		t.Fatal("a commit that ended during the first flush returned before the second")
	case <-time.After(50 * time.Millisecond):
	}
	release <- struct{}{}
	for range later {
		if err := receive(t, rest, "a later commit"); err != nil {
			t.Fatal(err)
		}
	}
	if n := flushes.Load(); n != 2 {
		t.Errorf("flushes = %d for %d commits, want 2", n, 1+later)
	}
}

// A write on its own (an app, a webhook, a key) is made durable as an event commit is.
func TestExecFlushes(t *testing.T) {
	var flushes atomic.Int32
	s := flushTestStore(t, func() error { flushes.Add(1); return nil })
	if _, err := s.exec(context.Background(), `INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if n := flushes.Load(); n != 1 {
		t.Errorf("flushes after a durable write = %d, want 1", n)
	}
	if _, err := s.exec(context.Background(), `INSERT INTO missing VALUES (1)`); err == nil {
		t.Fatal("insert into a missing table: no error")
	}
	if n := flushes.Load(); n != 1 {
		t.Errorf("flushes after a failed write = %d, want still 1", n)
	}
}
