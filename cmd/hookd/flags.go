package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/sqlite"
)

// storeFlags are shared by every command that touches the store.
type storeFlags struct {
	dataDir     string
	databaseURL string
}

func (f *storeFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.dataDir, "data-dir", envOr(getenv, "HOOKD_DATA_DIR", "./hookd-data"), "directory of the embedded SQLite store")
	fs.StringVar(&f.databaseURL, "database-url", getenv("HOOKD_DATABASE_URL"), "PostgreSQL URL (postgres://…); overrides --data-dir")
}

func (f *storeFlags) open(ctx context.Context) (store.Store, error) {
	if f.databaseURL != "" {
		return postgres.Open(ctx, f.databaseURL)
	}
	return sqlite.Open(ctx, f.dataDir)
}

// openWaiting opens the store; PostgreSQL that cannot be reached yet (starting beside hookd,
// restarting) is tried again for up to wait, with a log line each time.
func (f *storeFlags) openWaiting(ctx context.Context, wait time.Duration, log *slog.Logger) (store.Store, error) {
	deadline := time.Now().Add(wait)
	for {
		st, err := f.open(ctx)
		if err == nil || f.databaseURL == "" || !postgres.Unreachable(err) || time.Now().After(deadline) {
			return st, err
		}
		log.Warn("waiting for PostgreSQL", "store", f.describe(), "err", err, "until", deadline.Format(time.RFC3339))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// describe names the store without secrets, for logs.
func (f *storeFlags) describe() string {
	if f.databaseURL != "" {
		return "postgres " + redactURL(f.databaseURL)
	}
	return "sqlite " + f.dataDir
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// parse accepts flags before and after positional arguments and returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				var b strings.Builder
				fs.SetOutput(&b)
				fs.PrintDefaults()
				fs.SetOutput(io.Discard)
				return nil, fmt.Errorf("flags of hookd %s:\n%s", fs.Name(), b.String())
			}
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// listFlag is a repeatable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func need(name, v string) error {
	if v == "" {
		return fmt.Errorf("--%s is required", name)
	}
	return nil
}
