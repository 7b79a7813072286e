// Package sqlite opens hookd's embedded store: one SQLite file in WAL mode, written
// through a single connection (SQLite has one writer; queuing writers in Go beats
// retrying SQLITE_BUSY) and read through a small pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"modernc.org/sqlite" // the pure-Go driver, registered as "sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hookd/hookd/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// claimSQL leases due deliveries; the single writer makes SKIP LOCKED unnecessary.
const claimSQL = `WITH due AS (SELECT delivery_id FROM queue WHERE next_at <= ? ORDER BY next_at LIMIT ?)
	UPDATE queue SET next_at = ?, lease = lease + 1, leased = ? WHERE delivery_id IN (SELECT delivery_id FROM due) RETURNING delivery_id, lease`

// FileName is the database file inside the data directory.
const FileName = "hookd.db"

// Open opens (creating if needed) the store in dir and applies migrations.
func Open(ctx context.Context, dir string) (*sqlstore.Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	params := url.Values{}
	// secure_delete: what is deleted or replaced (a secret sealed at upgrade, a payload or
	// response body deleted on request or by retention) is overwritten in the file, not left
	// in free pages.
	// wal_autocheckpoint(0): the checkpointer copies the WAL into the database, not the writer.
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(ON)", "secure_delete(ON)", "wal_autocheckpoint(0)"} {
		params.Add("_pragma", p)
	}
	params.Set("_txlock", "immediate")
	w, err := sql.Open(driverName, "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	ck, err := sql.Open(driverName, "file:"+path+"?"+params.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	ck.SetMaxOpenConns(1)
	params.Add("_pragma", "query_only(1)")
	r, err := sql.Open(driverName, "file:"+path+"?"+params.Encode())
	if err != nil {
		w.Close()
		ck.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	migs, _ := fs.Sub(migrations, "migrations")
	// In WAL mode a NORMAL commit survives a process crash but waits for no disk; an event
	// commit is made durable by flushing the WAL after it, outside the writer (Dialect.Flush).
	s := sqlstore.New(sqlstore.Dialect{Name: "sqlite", ClaimSQL: claimSQL, Migrations: migs,
		Flush: walFlush(path + "-wal"), RowAtATime: true, Unavailable: unavailable, Duplicate: duplicate}, w, r)
	s.CloseWith(startCheckpoints(ck))
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return s, nil
}

// walFlush returns a flush of the WAL file at path. In WAL mode with synchronous=NORMAL,
// SQLite writes each commit to the WAL without waiting for the disk, and itself syncs the WAL
// only before a checkpoint copies it into the database (and the database after), and the
// WAL's header when it starts over: once the WAL file is synced, every commit written to it
// survives a power cut. The file is opened each time, so a WAL made anew is the one synced.
func walFlush(path string) func() error {
	return func() error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
}

// unavailable recognizes SQLite's errors that mean "not now": a full disk, an I/O error, a
// database busy beyond the busy timeout, or one that cannot be opened or written.
func unavailable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}

// duplicate recognizes a unique constraint's refusal.
func duplicate(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}
