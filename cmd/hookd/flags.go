package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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

// commandStoreFlags are the store and server key flags of the commands other than serve and
// migrate: they work on a store that exists, and open its sealed secrets with serve's key.
type commandStoreFlags struct {
	store     storeFlags
	secretKey string
}

func (f *commandStoreFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	fs.StringVar(&f.secretKey, "secret-key", getenv("HOOKD_SECRET_KEY"),
		"the server key serve was given (HOOKD_SECRET_KEY); default with --data-dir: "+KeyFile+" there")
}

// subcommand reads the command of a group (apps, keys) from args and makes its flag set with
// the store flags registered; a missing command is an error with usage, -h the usage alone.
func subcommand(group, usage string, args []string, getenv func(string) string) (*flag.FlagSet, *commandStoreFlags, error) {
	if len(args) == 0 {
		return nil, nil, fmt.Errorf("%s", usage)
	}
	if isHelp(args[0]) {
		return nil, nil, helpRequest(usage)
	}
	fs := newFlagSet(group + " " + args[0])
	sf := &commandStoreFlags{}
	sf.register(fs, getenv)
	return fs, sf, nil
}

// openApp opens the store for a command about one app, which must exist.
func (f *commandStoreFlags) openApp(ctx context.Context, appID string) (store.Store, error) {
	st, err := f.open(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := st.GetApp(ctx, appID); err != nil {
		st.Close()
		return nil, fmt.Errorf("app %s: %w", appID, err)
	}
	return st, nil
}

// open opens the store, refusing a data directory that holds none: a mistyped --data-dir must
// not become a new, empty store.
func (f *commandStoreFlags) open(ctx context.Context) (store.Store, error) {
	if f.store.databaseURL == "" {
		if _, err := os.Stat(filepath.Join(f.store.dataDir, sqlite.FileName)); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no hookd store in %s: check --data-dir (HOOKD_DATA_DIR), or create one there with hookd serve or hookd migrate", f.store.dataDir)
		} else if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	// The key as serve finds it; PostgreSQL without one opens secrets kept in the clear only.
	security := securityFlags{secretKey: f.secretKey, allowPlaintext: true}
	box, _, err := security.box(f.store, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	st, err := f.store.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", f.store.describe(), err)
	}
	if box != nil {
		st.UseSecretBox(box)
	}
	return st, nil
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
				return nil, helpRequest(fmt.Sprintf("flags of hookd %s:\n%s", fs.Name(), b.String()))
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

// helpRequest is returned for -h: run prints the help on stdout and succeeds.
type helpRequest string

func (h helpRequest) Error() string { return string(h) }

// isHelp reports whether arg asks a command group (apps, keys) for its help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
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
