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
	w, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	ck, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		w.Close()
		return nil, err
	}
	ck.SetMaxOpenConns(1)
	r, err := sql.Open(driverName, dsn(path, true))
	if err != nil {
		w.Close()
		ck.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	migs, _ := fs.Sub(migrations, "migrations")
	// In WAL mode a NORMAL commit survives a process crash but waits for no disk; an event
	// commit is made durable by syncing the WAL after it, outside the writer (Dialect.Flush).
	wal := &walFile{path: path + "-wal"}
	s := sqlstore.New(sqlstore.Dialect{Name: "sqlite", ClaimSQL: claimSQL, Migrations: migs,
		Flush: wal.flush, Unavailable: unavailable, Duplicate: duplicate}, w, r)
	s.CloseWith(startCheckpoints(ck))
	s.CloseWith(wal)
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return s, nil
}

// dsn names the database at path with the settings every connection to it opens with.
//   - secure_delete: what is deleted or replaced (a secret sealed at upgrade, a payload or
//     response body deleted on request or by retention) is overwritten in the file, not left
//     in free pages.
//   - wal_autocheckpoint: the checkpointer copies the WAL into the database, not the writer,
//     which does so only if the WAL reaches 10000 pages (40 MB): should the checkpointer fail.
//   - temp_store: a multi-row statement's journal (what undoes it alone, should it fail
//     midway) stays in memory. Otherwise one beyond 64 KiB, as a chunk of 64 attempts with
//     its index pages is, spills to a temporary file created, written and deleted for that
//     one statement.
func dsn(path string, readOnly bool) string {
	params := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(ON)", "secure_delete(ON)", "wal_autocheckpoint(10000)", "temp_store(MEMORY)"} {
		params.Add("_pragma", p)
	}
	params.Set("_txlock", "immediate")
	if readOnly {
		params.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + params.Encode()
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
