// Package pgtest gives tests a PostgreSQL schema of their own on the shared test server.
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
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skip(EnvURL + " is not set")
	}
	url, drop, err := postgres.NewSchema(context.Background(), base)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	return url
}
