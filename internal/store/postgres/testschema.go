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
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "hookd_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	drop = func() error {
		c, err := pgx.Connect(context.Background(), baseURL)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE")
		return err
	}
	return u.String(), drop, nil
}
