// Command hookd is a webhook delivery service. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tuneGC(os.Getenv) // the process's setting, here and not in run: tests call run in theirs
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hookd:", err)
		os.Exit(1)
	}
}

const usage = `usage: hookd <command> [flags]

commands:
  serve                      run the API, the delivery workers and maintenance
  migrate                    apply database migrations and exit
  apps create --name N       create an app (tenant)
  apps list                  list the apps
  keys create --app ID --scopes a,b --env production|development [--operator]
                             (--operator: the operator's key, the only kind that may hold admin)
  keys list --app ID         list an app's keys (never their secrets)
  keys revoke KEY_ID
  send --app ID --type T --data JSON
  recover --app ID --webhook ID --since T [--until T]   requeue failed deliveries, showing progress
  bench                      measure throughput and latency end to end
  version                    print the version, VCS revision and Go version

every command that touches the store takes --data-dir DIR (SQLite, default ./hookd-data)
or --database-url postgres://… (also HOOKD_DATA_DIR, HOOKD_DATABASE_URL). Only serve and
migrate create a store; the others refuse a data directory that holds none. Commands print
objects as JSON on stdout; hookd COMMAND -h lists a command's flags.
`

// run is hookd without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := runCommand(ctx, args, getenv, stdout, stderr)
	if help, ok := errors.AsType[helpRequest](err); ok {
		fmt.Fprint(stdout, string(help))
		return nil
	}
	return err
}

func runCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout)
	case "apps":
		return runApps(ctx, rest, getenv, stdout)
	case "keys":
		return runKeys(ctx, rest, getenv, stdout)
	case "send":
		return runSend(ctx, rest, getenv, stdout)
	case "recover":
		return runRecover(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, getenv, stdout, stderr)
	case "version":
		return runVersion(rest, stdout)
	case "help", "-h", "-help", "--help":
		return helpRequest(usage)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
