package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestConnectionSettings: every connection the store opens runs with the settings Open's
// comments promise, and the readers cannot write.
func TestConnectionSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	want := map[string]string{
		"journal_mode":  "wal",
		"synchronous":   "1", // NORMAL
		"foreign_keys":  "1",
		"secure_delete": "1",
		"temp_store":    "2", // MEMORY
		"busy_timeout":  "10000",
	}
	for _, readOnly := range []bool{false, true} {
		db, err := sql.Open(driverName, dsn(path, readOnly))
		if err != nil {
			t.Fatal(err)
		}
		if !readOnly {
			// The file exists before a reader opens it, as it does after Open's migrations.
			if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
				t.Fatal(err)
			}
		}
		for pragma, v := range want {
			var got string
			if err := db.QueryRow(`PRAGMA ` + pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != v {
				t.Errorf("read-only %v: PRAGMA %s = %s, want %s", readOnly, pragma, got, v)
			}
		}
		_, err = db.Exec(`INSERT INTO t VALUES (1)`)
		if readOnly == (err == nil) {
			t.Errorf("read-only %v: insert gave %v", readOnly, err)
		}
		db.Close()
	}
}
