// Package pgtest gives tests a PostgreSQL schema, or a database, of their own on the shared
// test server.
package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/hookd/hookd/internal/store/postgres"
)

// EnvURL names the variable that points tests at a PostgreSQL server.
const EnvURL = "HOOKD_TEST_POSTGRES_URL"

// Schema returns the URL of a fresh schema on $HOOKD_TEST_POSTGRES_URL, dropped when the test
// ends; without the variable it skips the test.
func Schema(tb testing.TB) string {
	tb.Helper()
	return fresh(tb, "schema", postgres.NewSchema)
}

// Database returns the URL of a fresh database on $HOOKD_TEST_POSTGRES_URL's server, dropped
// when the test ends, for what a schema does not keep apart: LISTEN and NOTIFY channels are
// the database's. Without the variable it skips the test.
func Database(tb testing.TB) string {
	tb.Helper()
	return fresh(tb, "database", postgres.NewDatabase)
}

// fresh makes a schema or database with create and drops it when the test ends.
func fresh(tb testing.TB, kind string, create func(ctx context.Context, baseURL string) (string, func() error, error)) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skip(EnvURL + " is not set")
	}
	url, drop, err := create(context.Background(), base)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Errorf("drop %s: %v", kind, err)
		}
	})
	return url
}
