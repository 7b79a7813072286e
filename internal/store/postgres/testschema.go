package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// NewSchema creates a fresh, uniquely named schema on the server at baseURL and returns a URL
// whose connections use it, and a function that drops it. Tests and benchmarks use it to
// share one server without seeing each other's rows.
func NewSchema(ctx context.Context, baseURL string) (schemaURL string, drop func() error, err error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", nil, err
	}
	name := uniqueName()
	if err := execOn(ctx, baseURL, "CREATE SCHEMA "+name); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), func() error { return execOn(context.Background(), baseURL, "DROP SCHEMA "+name+" CASCADE") }, nil
}

// NewDatabase creates a fresh, uniquely named database on the server at baseURL and returns
// its URL, and a function that drops it (with its connections). Tests use it for what a
// schema does not keep apart: LISTEN and NOTIFY channels are the database's.
func NewDatabase(ctx context.Context, baseURL string) (dbURL string, drop func() error, err error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", nil, err
	}
	name := uniqueName()
	if err := execOn(ctx, baseURL, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u.Path = "/" + name
	return u.String(), func() error { return execOn(context.Background(), baseURL, "DROP DATABASE "+name+" WITH (FORCE)") }, nil
}

// execOn runs one statement on a connection of its own to the server at baseURL.
func execOn(ctx context.Context, baseURL, statement string) error {
	conn, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, statement)
	return err
}

// uniqueName is a name for a schema or database no other run uses.
func uniqueName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "hookd_" + hex.EncodeToString(b)
}
