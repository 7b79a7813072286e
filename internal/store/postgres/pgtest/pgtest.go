// Package pgtest gives tests a PostgreSQL schema, or a database, of their own on the shared
// test server.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

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

// Database returns the URL of a fresh database on $HOOKD_TEST_POSTGRES_URL's server, dropped
// when the test ends, for what a schema does not keep apart: LISTEN and NOTIFY channels are
// the database's. Without the variable it skips the test.
func Database(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skip(EnvURL + " is not set")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "hookd_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
