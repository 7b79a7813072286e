package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The store's checkpointer copies the WAL into the database file by itself, well before
// SQLite's own checkpoint (every 1000 pages of WAL) would: the writer never has to.
func TestCheckpointsRunBesideTheWriter(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path := filepath.Join(dir, FileName)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	const rows, size = 60, 8000 // about 120 pages of WAL: far below SQLite's 1000
	for range rows {
		if _, err := db.Exec(`INSERT INTO filler VALUES (zeroblob(?))`, size); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= rows*size {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file is %d bytes 5 s after %d bytes were committed: the WAL was not checkpointed", fi.Size(), rows*size)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
