package postgres

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/hookd/hookd/internal/store/sqlstore"
)

// testBase is the server this package's own tests use; without it they are skipped. (They
// cannot use pgtest, which imports this package.)
func testBase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("HOOKD_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("HOOKD_TEST_POSTGRES_URL is not set")
	}
	return base
}

// testSchema is the URL of a fresh schema on testBase, dropped when the test ends.
func testSchema(t *testing.T) string {
	t.Helper()
	url, drop, err := NewSchema(context.Background(), testBase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drop() })
	return url
}

// testStore is a store on a fresh schema and a database handle of the test's own on it.
func testStore(t *testing.T) (*sqlstore.Store, *sql.DB) {
	t.Helper()
	url := testSchema(t)
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}
